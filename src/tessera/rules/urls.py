from __future__ import annotations

from django.urls import URLPattern, path

from tessera.rules import views

app_name = "rules"

urlpatterns: list[URLPattern] = [
    path("", views.rule_list, name="list"),
    path("new", views.rule_new, name="new"),
    path("<int:rule_id>", views.rule_edit, name="edit"),
    path("<int:rule_id>/toggle", views.rule_toggle, name="toggle"),
    path("<int:rule_id>/move", views.rule_move, name="move"),
    path("<int:rule_id>/delete", views.rule_delete, name="delete"),
    path("export", views.rule_export, name="export"),
    path("import", views.rule_import, name="import"),
]
