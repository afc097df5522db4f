"""Tickets through the API: filters, pages, creation, what customers see, locking, conversation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.tickets import actions
from tessera.tickets.models import CustomField, EventKind, Message, Ticket, TicketEvent

from .conftest import Api


def numbers(body: dict[str, Any]) -> list[int]:
    return [item["number"] for item in body["items"]]


def test_list_filters_combine_and_repeat(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    urgent = make_ticket(subject="Urgent one", priority="urgent", tags=["vip", "billing"])
    high = make_ticket(subject="High one", priority="high", tags=["vip"])
    low_billing = make_ticket(subject="Low billing", priority="low", department=desk["billing"])
    actions.assign(Actor.system(), high, desk["agent"])
    api = as_("admin")

    assert set(numbers(api.get("/tickets?priority=urgent&priority=high")[1])) == {urgent.number, high.number}
    assert numbers(api.get(f"/tickets?department={desk['billing'].pk}")[1]) == [low_billing.number]
    assert numbers(api.get("/tickets?tag=vip&tag=billing")[1]) == [urgent.number]
    assert numbers(api.get(f"/tickets?assignee={desk['agent'].pk}")[1]) == [high.number]
    assert set(numbers(api.get("/tickets?unassigned=true")[1])) == {urgent.number, low_billing.number}
    assert numbers(api.get("/tickets?status=open")[1]) == [high.number]
    assert numbers(api.get(f"/tickets?requester={desk['contact_b'].pk}")[1]) == []
    assert len(numbers(api.get("/tickets?channel=email&type=question")[1])) == 3
    assert numbers(api.get("/tickets?updated_since=2999-01-01T00:00:00Z")[1]) == []
    status, body = api.get("/tickets?priority=extreme")
    assert status == 422 and body["error"]["field"] == "priority.0"


def test_list_is_scoped_to_the_caller(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    mine = make_ticket(requester=desk["contact_a"])
    theirs = make_ticket(requester=desk["contact_b"])
    in_billing = make_ticket(department=desk["billing"])
    assert set(numbers(as_("customer_a").get("/tickets")[1])) == {mine.number, in_billing.number}
    assert numbers(as_("customer_b").get("/tickets")[1]) == [theirs.number]
    assert numbers(as_("outsider").get("/tickets")[1]) == [in_billing.number]
    assert {i["view"] for i in as_("customer_a").get("/tickets")[1]["items"]} == {"portal"}


def test_cursor_pages_cover_everything_once(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    made = {make_ticket(subject=f"Ticket {i}").number for i in range(7)}
    api = as_("agent")
    seen: list[int] = []
    cursor = ""
    for _ in range(10):
        status, body = api.get(f"/tickets?limit=3{'&cursor=' + cursor if cursor else ''}")
        assert status == 200
        seen += numbers(body)
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert sorted(seen) == sorted(made) and len(seen) == 7
    assert api.get("/tickets?limit=101")[0] == 422
    for bad in ("garbage", "W1siMjAyNiIsIDFd", "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMWU5OV0"):
        status, body = api.get(f"/tickets?cursor={bad}")
        assert status == 422 and body["error"]["field"] == "cursor", bad


def test_list_query_count_does_not_grow_with_rows(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> None:
    for i in range(25):
        ticket = make_ticket(subject=f"N+1 {i}", tags=["a", f"t{i}"])
        if i % 2:
            actions.assign(Actor.system(), ticket, desk["agent"])
    client = Client()
    client.force_login(desk["agent"])

    def count(limit: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/tickets?limit={limit}")
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        return len(ctx.captured_queries)

    count(5)  # warm the session and the per-process caches
    assert count(5) == count(25)


def _statement_shape(sql: str) -> str:
    """"INSERT tickets_ticket", "SELECT accounts_contact", "COMMIT": what a statement does to what."""
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    if verb in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}:
        return verb
    table = next((w for w, prev in zip(words[1:], words, strict=False) if prev.upper() in {"FROM", "INTO", "UPDATE"}), "?")
    if "nextval" in sql:
        return "SELECT nextval"
    return f"{verb} {table.split('.')[0]}"


def test_api_create_statements_are_pinned(desk: dict[str, Any], as_: Any) -> None:
    """The hot write path of the benchmark: an agent opens a ticket for a contact through the API.

    Each statement is listed so that a regression names what it added (a read-back, an N+1,
    a lost select_related) instead of only failing a count.
    """
    api = as_("agent")
    body = {"subject": "Máy in không in được", "body": "Drukarka nie działa", "department": desk["support"].pk,
            "requester": desk["contact_b"].pk, "priority": "normal"}
    assert api.post("/tickets", body)[0] == 201  # stamps the token's last use; later requests do not
    with CaptureQueriesContext(connection) as ctx:
        status, created = api.post("/tickets", body)
    assert status == 201, created
    shapes = [_statement_shape(q["sql"]) for q in ctx.captured_queries]
    reads = ["SELECT accounts_apitoken", "SELECT accounts_contact", "SELECT accounts_department",
             "SELECT tickets_customfield"]
    writes = ["INSERT tickets_ticket", "INSERT tickets_message", "INSERT tickets_ticketevent", "INSERT jobs_job"]
    # Transaction control differs (the test's own transaction turns BEGIN/COMMIT into
    # savepoints) and SQLite numbers tickets from a counter row instead of a sequence.
    numbering = ["SELECT nextval"] if connection.vendor == "postgresql" else [
        "UPDATE core_counter", "SELECT core_counter"]
    work = [s for s in shapes if s not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}]
    assert work == [*reads, *numbering, *writes]
    org = desk["contact_b"].organisation
    assert created["tags"] == []
    assert created["organisation"] == ({"id": org.pk, "name": org.name} if org else None)


def test_agent_creates_for_any_contact_and_customer_for_themselves(desk: dict[str, Any], as_: Any) -> None:
    status, body = as_("agent").post("/tickets", {
        "subject": "Phone call", "body": "Customer called", "department": desk["support"].pk,
        "requester": desk["contact_b"].pk, "priority": "high", "type": "incident", "tags": ["phone"],
        "cc": [desk["contact_a"].pk],
    })
    assert status == 201, body
    assert body["view"] == "agent" and body["requester"]["id"] == desk["contact_b"].pk
    assert body["tags"] == ["phone"] and body["ccs"] == [{"id": desk["contact_a"].pk, "name": "Anna Kowalska"}]
    assert Ticket.objects.get(number=body["number"]).channel == "api"

    status, body = as_("customer_a").post("/tickets", {"subject": "Help", "body": "Please", "department": desk["support"].pk})
    assert status == 201 and body["view"] == "portal" and body["requester"]["id"] == desk["contact_a"].pk

    assert as_("customer_a").post("/tickets", {"subject": "x", "body": "y", "department": desk["support"].pk,
                                                "requester": desk["contact_b"].pk})[0] == 403
    status, body = as_("agent").post("/tickets", {"subject": "x", "department": desk["support"].pk})
    assert status == 422 and body["error"]["field"] == "requester"
    status, body = as_("agent").post("/tickets", {"subject": "x", "department": 999999, "requester": desk["contact_a"].pk})
    assert status == 422 and body["error"]["field"] == "department"


def test_customers_see_no_agent_only_data(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    CustomField.objects.create(key="order", label="Order", field_type="text", visible_to_customers=True)
    CustomField.objects.create(key="churn_risk", label="Churn risk", field_type="text", visible_to_customers=False)
    ticket = make_ticket(custom_fields={"order": "A-17", "churn_risk": "high"}, tags=["angry"])
    Ticket.objects.filter(pk=ticket.pk).update(needs_review=True)
    actions.add_note(Actor.of(desk["agent"]), ticket, body_text="SECRET-NOTE: refund them quietly")
    actions.add_agent_reply(Actor.of(desk["agent"]), ticket, body_text="We are on it")

    status, body = as_("customer_a").get(f"/tickets/{ticket.number}")
    assert status == 200
    assert body["custom_fields"] == {"order": "A-17"}
    text = str(body)
    for leak in ("needs_review", "churn_risk", "angry", "is_spam", "links", "tags"):
        assert leak not in text, leak
    _, messages = as_("customer_a").get(f"/tickets/{ticket.number}/messages")
    assert [m["kind"] for m in messages["items"]] == ["public", "public"]
    assert "SECRET-NOTE" not in str(messages)
    assert "churn_risk" not in str(as_("customer_a").get("/tickets")[1])

    _, agent_view = as_("agent").get(f"/tickets/{ticket.number}")
    assert agent_view["custom_fields"] == {"order": "A-17", "churn_risk": "high"} and agent_view["needs_review"]
    _, agent_messages = as_("agent").get(f"/tickets/{ticket.number}/messages")
    assert "SECRET-NOTE" in str(agent_messages)


def test_customer_cannot_set_agent_only_custom_fields(desk: dict[str, Any], as_: Any) -> None:
    CustomField.objects.create(key="churn_risk", label="Churn risk", field_type="text", visible_to_customers=False)
    status, body = as_("customer_a").post("/tickets", {
        "subject": "Hi", "body": "x", "department": desk["support"].pk, "custom_fields": {"churn_risk": "low"},
    })
    assert status == 422 and body["error"]["field"] == "custom_fields.churn_risk"


def _changes(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind__in=[EventKind.FIELD, EventKind.STATUS]).count()


def test_stale_version_is_409_and_overwrites_nothing(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    ticket = make_ticket()
    read_version = as_("agent").get(f"/tickets/{ticket.number}")[1]["version"]
    first = as_("agent").patch(f"/tickets/{ticket.number}", {"priority": "high", "version": read_version})
    second = as_("admin").patch(f"/tickets/{ticket.number}", {"priority": "low", "version": read_version})
    assert first[0] == 200 and second[0] == 409
    assert second[1]["error"]["code"] == "conflict"
    ticket.refresh_from_db()
    assert ticket.priority == "high" and ticket.version == read_version + 1
    assert _changes(ticket) == 1


def test_version_may_come_from_if_match(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    ticket = make_ticket()
    api = as_("agent")
    status, body = api.patch(f"/tickets/{ticket.number}", {"subject": "New subject"}, headers={"If-Match": f'"{ticket.version}"'})
    assert status == 200 and body["subject"] == "New subject"
    status, body = api.patch(f"/tickets/{ticket.number}", {"subject": "Again"}, headers={"If-Match": f'"{ticket.version}"'})
    assert status == 409
    status, body = api.patch(f"/tickets/{ticket.number}", {"subject": "No version"})
    assert status == 422 and body["error"]["field"] == "version"
    status, body = api.patch(f"/tickets/{ticket.number}", {"subject": "x"}, headers={"If-Match": '"abc"'})
    assert status == 422


def test_patch_every_field(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    CustomField.objects.create(key="order", label="Order", field_type="text")
    ticket = make_ticket()
    status, body = as_("admin").patch(f"/tickets/{ticket.number}", {
        "version": ticket.version, "subject": "Rewritten", "type": "incident", "priority": "urgent",
        "department": desk["billing"].pk, "due_at": "2030-01-02T03:04:05", "custom_fields": {"order": "B-2"},
        "status": "pending", "assignee": desk["outsider"].pk,
    })
    assert status == 200, body
    assert (body["subject"], body["type"], body["priority"], body["department"]["name"], body["status"]) == (
        "Rewritten", "incident", "urgent", "Billing", "pending")
    assert body["assignee"]["id"] == desk["outsider"].pk
    assert body["due_at"].startswith("2030-01-02T03:04:05")
    assert body["custom_fields"] == {"order": "B-2"}
    status, body = as_("admin").patch(f"/tickets/{ticket.number}", {"version": body["version"], "assignee": None})
    assert status == 200 and body["assignee"] is None
    status, body = as_("admin").patch(f"/tickets/{ticket.number}", {"version": body["version"], "status": "new"})
    assert status == 422 and body["error"]["code"] == "invalid_transition"
    status, body = as_("admin").patch(f"/tickets/{ticket.number}", {"version": 1, "assignee": desk["customer_a"].pk})
    assert status == 422 and body["error"]["field"] == "assignee"


def test_tags_add_and_remove(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    ticket = make_ticket()
    api = as_("agent")
    status, body = api.post(f"/tickets/{ticket.number}/tags", {"tags": ["Zwrot", "khẩn cấp", "ด่วน"]})
    assert status == 200 and body["tags"] == sorted(["Zwrot", "khẩn cấp", "ด่วน"])
    status, body = api.delete(f"/tickets/{ticket.number}/tags?tag=zwrot&tag=nonexistent")
    assert status == 200 and body["tags"] == sorted(["khẩn cấp", "ด่วน"])
    assert {t["name"] for t in api.get("/tags")[1]["items"]} >= {"khẩn cấp", "ด่วน"}
    status, _ = api.post(f"/tickets/{ticket.number}/tags", {"tags": ["x"], "version": 1})
    assert status == 409


def test_messages_reply_note_and_customer(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    ticket = make_ticket()
    status, reply = as_("agent").post(f"/tickets/{ticket.number}/messages",
                                      {"kind": "public", "body": "Fixed?", "status": "pending"})
    assert status == 201 and reply["author_kind"] == "agent"
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"
    status, note = as_("light").post(f"/tickets/{ticket.number}/messages", {"kind": "note", "body": "FYI"})
    assert status == 201 and note["kind"] == "note"
    status, msg = as_("customer_a").post(f"/tickets/{ticket.number}/messages", {"body": "Still broken"})
    assert status == 201 and msg["author_kind"] == "contact"
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    status, body = as_("agent").post(f"/tickets/{ticket.number}/messages", {"kind": "public", "body": "   "})
    assert status == 422 and body["error"]["field"] == "body"
    assert as_("customer_a").post(f"/tickets/{ticket.number}/messages", {"kind": "note", "body": "x"})[0] == 403
    assert Message.objects.filter(ticket=ticket).count() == 4


def test_merge_and_links(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    problem = make_ticket(subject="Outage", type="problem")
    incident = make_ticket(subject="Site down")
    duplicate = make_ticket(subject="Site down again")
    api = as_("agent")
    status, link = api.post(f"/tickets/{problem.number}/links", {"target": incident.number, "kind": "problem_incident"})
    assert status == 201 and (link["source"], link["target"]) == (problem.number, incident.number)
    _, read = api.get(f"/tickets/{incident.number}")
    assert read["links"] == [link]
    status, body = api.post(f"/tickets/{incident.number}/links", {"target": problem.number, "kind": "problem_incident"})
    assert status == 422  # the source of a problem link must be a problem
    assert api.delete(f"/tickets/{incident.number}/links/{link['id']}")[0] == 204
    assert api.get(f"/tickets/{incident.number}")[1]["links"] == []

    status, kept = api.post(f"/tickets/{duplicate.number}/merge", {"into": incident.number})
    assert status == 200 and kept["number"] == incident.number
    _, gone = api.get(f"/tickets/{duplicate.number}")
    assert gone["status"] == "closed" and gone["merged_into"] == incident.number
    merge_link = gone["links"][0]
    status, body = api.delete(f"/tickets/{duplicate.number}/links/{merge_link['id']}")
    assert status == 422
    status, body = api.post(f"/tickets/{incident.number}/merge", {"into": 10**12})
    assert status == 422 and body["error"]["field"] == "into"
    other = make_ticket(department=desk["billing"])
    status, body = as_("agent").post(f"/tickets/{incident.number}/merge", {"into": other.number})
    assert status == 422  # a ticket the agent cannot see is not a merge target


def test_customer_may_close_where_policy_allows(desk: dict[str, Any], make_ticket: Callable[..., Any], as_: Any) -> None:
    desk["support"].closing_policy = "customer"
    desk["support"].save()
    ticket = make_ticket()
    status, body = as_("customer_a").patch(f"/tickets/{ticket.number}", {"status": "closed", "version": ticket.version})
    assert status == 200 and body["status"] == "closed"
    assert as_("customer_a").patch(f"/tickets/{ticket.number}", {"subject": "x", "version": body["version"]})[0] == 403


def test_unknown_ticket_numbers(desk: dict[str, Any], as_: Any) -> None:
    api = as_("admin")
    assert api.get("/tickets/999999")[0] == 404
    assert api.get(f"/tickets/{2**63}")[0] == 422
    assert api.get("/tickets/0")[0] == 422
    assert api.get("/tickets/abc")[0] == 422
    assert Api(Client()).get("/tickets/abc")[0] == 401
