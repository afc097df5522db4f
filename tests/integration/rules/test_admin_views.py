"""The rules admin pages: who may see them, and building a rule through the form."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tessera.rules.models import Rule

PAGES = [("get", "/desk/admin/rules/"), ("get", "/desk/admin/rules/new"), ("get", "/desk/admin/rules/export"),
         ("post", "/desk/admin/rules/import")]


@pytest.mark.parametrize(("who", "expected"), [
    ("admin", 200), ("agent", 404), ("light", 404), ("outsider", 404), ("customer_a", 404), (None, 302),
])
@pytest.mark.parametrize(("method", "url"), PAGES)
def test_permission_matrix(desk: dict[str, Any], who: str | None, expected: int, method: str, url: str) -> None:
    client = Client()
    if who is not None:
        client.force_login(desk[who])
    response = getattr(client, method)(url, {"payload": "[]"} if method == "post" else None)
    status = 200 if (expected == 200 and method == "post" and response.status_code == 302) else response.status_code
    assert status == expected
    if who is None:
        assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["agent", "customer_a"])
def test_others_cannot_change_a_rule(desk: dict[str, Any], make_rule: Any, who: str) -> None:
    rule = make_rule({"name": "x", "events": ["ticket_created"], "actions": [{"type": "add_tags", "tags": ["a"]}]})
    client = Client()
    client.force_login(desk[who])
    for path in ("toggle", "delete", "move"):
        assert client.post(f"/desk/admin/rules/{rule.pk}/{path}").status_code == 404
    assert client.post(f"/desk/admin/rules/{rule.pk}", {"document": "{}"}).status_code == 404
    assert Rule.objects.get(pk=rule.pk).is_active


def test_admin_builds_edits_and_toggles_a_rule(desk: dict[str, Any]) -> None:
    client = Client()
    client.force_login(desk["admin"])
    response = client.post("/desk/admin/rules/new", {
        "name": "Máy in", "kind": "trigger", "events": ["ticket_created"], "match": "any", "is_active": "on",
        "condition_0_field": "ticket.subject", "condition_0_operator": "contains", "condition_0_value": "máy in",
        "condition_1_field": "ticket.priority", "condition_1_operator": "in", "condition_1_value": "high, urgent",
        "action_0_type": "set_field", "action_0_target": "priority", "action_0_value": "urgent",
        "action_1_type": "add_tags", "action_1_value": "printer, vip",
    })
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.document["conditions"]["any"] == [
        {"field": "ticket.subject", "operator": "contains", "value": "máy in"},
        {"field": "ticket.priority", "operator": "in", "value": ["high", "urgent"]},
    ]
    assert rule.document["actions"][1] == {"type": "add_tags", "tags": ["printer", "vip"]}

    bad = client.post("/desk/admin/rules/new", {
        "name": "Bad", "kind": "trigger", "events": ["ticket_created"], "match": "all",
        "condition_0_field": "ticket.priority", "condition_0_operator": "contains", "condition_0_value": "x",
        "action_0_type": "set_field", "action_0_target": "requester", "action_0_value": "1",
    })
    assert bad.status_code == 200
    assert "does not apply to ticket.priority" in bad.content.decode()
    assert Rule.objects.count() == 1

    document = {**rule.document, "name": "Máy in (sửa)"}
    assert client.post(f"/desk/admin/rules/{rule.pk}", {"document": json.dumps(document)}).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.is_active) == ("Máy in (sửa)", False)
    client.post(f"/desk/admin/rules/{rule.pk}/toggle")
    assert Rule.objects.get(pk=rule.pk).is_active
    page = client.get("/desk/admin/rules/").content.decode()
    assert "Máy in (sửa)" in page
    exported = client.get("/desk/admin/rules/export")
    assert json.loads(exported.content)["rules"][0]["name"] == "Máy in (sửa)"
