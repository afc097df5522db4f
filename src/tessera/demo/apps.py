from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tessera.demo"
    label = "demo"
