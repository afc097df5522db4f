from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "tessera.sla"
    label = "sla"
