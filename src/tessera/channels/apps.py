from django.apps import AppConfig


class TesseraChannelsConfig(AppConfig):
    name = "tessera.channels"
    label = "tessera_channels"
