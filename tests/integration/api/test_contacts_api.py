"""Contacts, identities and organisations through the API and the accounts actions."""

from __future__ import annotations

from typing import Any

import pytest

from tessera.accounts import actions
from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, ContactIdentity
from tessera.core.errors import Conflict, PermissionDenied, ValidationFailed


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("email", "  Anna.Kowalska@ACME.test ", "anna.kowalska@acme.test"),
        ("phone", "+48 600-123-456", "+48600123456"),
        ("phone", "0084 (91) 234.5678", "+84912345678"),
        ("whatsapp", "+66 81 234 5678", "+66812345678"),
        ("twitter", "@TesseraDesk", "tesseradesk"),
        ("line", " U1234abcd ", "U1234abcd"),
    ],
)
def test_identities_are_normalised(kind: str, raw: str, stored: str) -> None:
    assert actions.normalise_identity(kind, raw) == stored


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("email", "not-an-email"), ("email", "a@b"), ("phone", "0912 345 678"), ("phone", "+12"),
     ("phone", "+" + "".join(chr(0xFF10 + int(d)) for d in "48600123456")), ("phone", "+0048600123456"), ("fax", "123"), ("email", "a\x00@b.test"),
     ("line", "   ")],
)
def test_bad_identities_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(ValidationFailed):
        actions.normalise_identity(kind, raw)


def test_identity_belongs_to_one_contact(desk: dict[str, Any]) -> None:
    agent = Actor.of(desk["agent"])
    with pytest.raises(Conflict) as exc:
        actions.add_identity(agent, desk["contact_b"], "email", "ANNA@acme.test")
    assert exc.value.field == "value" and "another contact" in exc.value.message
    with pytest.raises(PermissionDenied):
        actions.add_identity(Actor.of(desk["light"]), desk["contact_b"], "email", "new@example.test")


def test_create_search_update_contact(desk: dict[str, Any], as_: Any) -> None:
    api = as_("agent")
    status, body = api.post("/contacts", {
        "name": "Somchai Jaidee", "organisation": desk["org_b"].pk, "language": "th", "time_zone": "Asia/Bangkok",
        "identities": [{"kind": "email", "value": "Somchai@Example.TEST"}, {"kind": "phone", "value": "+66 81 234 5678"}],
    })
    assert status == 201, body
    contact_id = body["id"]
    assert [(i["kind"], i["value"], i["is_primary"]) for i in body["identities"]] == [
        ("email", "somchai@example.test", True), ("phone", "+66812345678", True)]
    assert body["organisation"]["name"] == "Globex"

    for q in ("somchai@example", "Jaidee", "+6681234"):
        _, found = api.get(f"/contacts?q={q.replace('+', '%2B')}")
        assert [c["id"] for c in found["items"]] == [contact_id], q

    status, body = api.patch(f"/contacts/{contact_id}", {"name": "Somchai J.", "organisation": None, "is_blocked": True})
    assert status == 200 and body["name"] == "Somchai J." and body["organisation"] is None and body["is_blocked"]
    status, body = api.patch(f"/contacts/{contact_id}", {"time_zone": "Mars/Olympus"})
    assert status == 422 and body["error"]["field"] == "time_zone"

    status, body = api.post(f"/contacts/{contact_id}/identities", {"kind": "email", "value": "anna@ACME.test"})
    assert status == 409 and body["error"]["field"] == "value"
    status, body = api.post(f"/contacts/{contact_id}/identities", {"kind": "phone", "value": "0812345678"})
    assert status == 422
    status, body = api.post(f"/contacts/{contact_id}/identities", {"kind": "zalo", "value": "zalo-123"})
    assert status == 201
    assert api.delete(f"/contacts/{contact_id}/identities/{body['id']}")[0] == 204
    assert api.delete(f"/contacts/{contact_id}/identities/{body['id']}")[0] == 404
    # An identity of another contact cannot be removed through this one.
    anna_email = ContactIdentity.objects.get(value="anna@acme.test")
    assert api.delete(f"/contacts/{contact_id}/identities/{anna_email.pk}")[0] == 404


def test_duplicate_identities_in_one_create_are_refused(desk: dict[str, Any], as_: Any) -> None:
    before = Contact.objects.count()
    status, _body = as_("agent").post("/contacts", {"name": "Twice", "identities": [
        {"kind": "email", "value": "x@example.test"}, {"kind": "email", "value": "X@example.test"}]})
    assert status == 422
    status, _ = as_("agent").post("/contacts", {"name": "Taken", "identities": [
        {"kind": "email", "value": "new@example.test"}, {"kind": "email", "value": "binh@globex.test"}]})
    assert status == 409
    assert Contact.objects.count() == before  # nothing half-created


def test_customer_sees_only_their_own_contact_without_agent_data(desk: dict[str, Any], as_: Any) -> None:
    Contact.objects.filter(pk=desk["contact_a"].pk).update(attributes={"crm_score": 3})
    status, body = as_("customer_a").get("/contacts")
    assert status == 200 and [c["id"] for c in body["items"]] == [desk["contact_a"].pk]
    assert body["items"][0]["view"] == "portal"
    assert "crm_score" not in str(body) and "is_blocked" not in str(body)
    assert as_("customer_a").get(f"/contacts/{desk['contact_b'].pk}")[0] == 404
    _, agent_view = as_("agent").get(f"/contacts/{desk['contact_a'].pk}")
    assert agent_view["attributes"] == {"crm_score": 3}


def test_contact_pages(desk: dict[str, Any], as_: Any) -> None:
    for i in range(5):
        actions.create_contact(Actor.system(), name=f"Page {i}")
    api = as_("agent")
    ids: list[int] = []
    cursor = ""
    while True:
        _, body = api.get(f"/contacts?limit=2{'&cursor=' + cursor if cursor else ''}")
        ids += [c["id"] for c in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert len(ids) == len(set(ids)) == Contact.objects.count()
    assert api.get("/contacts?cursor=-1")[0] == 422


def test_organisations_admin_writes(desk: dict[str, Any], as_: Any) -> None:
    status, body = as_("admin").post("/organisations", {
        "name": "Công ty TNHH Ánh Dương", "domains": ["AnhDuong.VN", "@anhduong.vn"], "shares_tickets": True})
    assert status == 201, body
    assert body["domains"] == ["anhduong.vn"]
    org_id = body["id"]
    status, body = as_("admin").post("/organisations", {"name": "công ty tnhh ánh dương"})
    assert status == 409 and body["error"]["field"] == "name"
    status, body = as_("admin").patch(f"/organisations/{org_id}", {"notes": "Ważny klient", "name": "Ánh Dương"})
    assert status == 200 and body["notes"] == "Ważny klient" and body["name"] == "Ánh Dương"
    status, body = as_("admin").patch(f"/organisations/{org_id}", {"name": "Acme"})
    assert status == 409
    status, body = as_("admin").patch(f"/organisations/{org_id}", {"domains": ["no spaces allowed"]})
    assert status == 422 and body["error"]["field"] == "domains"
    assert as_("agent").patch(f"/organisations/{org_id}", {"notes": "x"})[0] == 403
    _, listing = as_("agent").get("/organisations?q=dương")
    assert [o["id"] for o in listing["items"]] == [org_id]


def test_agents_and_departments(desk: dict[str, Any], as_: Any) -> None:
    _, agents = as_("admin").get(f"/agents?department={desk['support'].pk}")
    assert {a["username"] for a in agents["items"]} == {"agent", "light"}
    _, agent = as_("agent").get(f"/agents/{desk['agent'].pk}")
    assert agent["departments"] == [desk["support"].pk] and agent["role"] == "agent"
    assert as_("agent").get(f"/agents/{desk['customer_a'].pk}")[0] == 404
    desk["billing"].is_active = False
    desk["billing"].save()
    _, for_customer = as_("customer_a").get("/departments")
    assert [d["name"] for d in for_customer["items"]] == ["Support"]
    assert as_("customer_a").get(f"/departments/{desk['billing'].pk}")[0] == 404
    _, for_agent = as_("agent").get("/departments")
    assert [d["name"] for d in for_agent["items"]] == ["Billing", "Support"]
