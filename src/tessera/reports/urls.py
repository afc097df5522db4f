from __future__ import annotations

from django.urls import URLPattern, path

from tessera.reports import views

app_name = "reports"

urlpatterns: list[URLPattern] = [
    path("", views.report_page, name="page"),
]
