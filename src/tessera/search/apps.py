from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tessera.search"
    label = "search"
    verbose_name = "Search"
