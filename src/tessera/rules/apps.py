from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "tessera.rules"
    label = "rules"
