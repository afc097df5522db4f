from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tessera.reports"
    label = "reports"
    verbose_name = "Reports"
