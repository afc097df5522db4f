from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tessera.tickets"
    label = "tickets"
