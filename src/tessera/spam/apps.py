from django.apps import AppConfig


class SpamConfig(AppConfig):
    name = "tessera.spam"
    label = "spam"
