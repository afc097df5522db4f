from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "tessera.routing"
    label = "routing"
