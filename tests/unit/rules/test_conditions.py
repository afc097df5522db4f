"""Every operator, on every kind of value, in Vietnamese, Thai and Polish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.rules.conditions import (
    MISSING,
    Condition,
    ConditionError,
    Context,
    Group,
    evaluate,
    evaluate_condition,
    resolve,
)
from tessera.rules.vocabulary import Op

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def context(**overrides: Any) -> Context:
    ticket = {
        "number": 1042,
        "subject": "Không nhận được hóa đơn tháng 3",
        "status": "open",
        "priority": "normal",
        "type": "question",
        "channel": "email",
        "department": 2,
        "assignee": None,
        "requester": 7,
        "tags": ["VIP", "hóa đơn", "Faktura"],
        "custom_fields": {"order_id": "ORD-77", "amount": 1500, "renewal": "2025-04-01", "paid": False},
        "due_at": datetime(2025, 3, 11, 9, 0, tzinfo=UTC),
        "created_at": datetime(2025, 3, 9, 8, 0, tzinfo=UTC),
        "is_spam": False,
    }
    ticket.update(overrides.pop("ticket", {}))
    return Context(
        now=overrides.pop("now", NOW),
        ticket=ticket,
        contact={"name": "Nguyễn Văn Bình", "email": "binh@globex.test", "organisation": 4, "language": "vi"},
        organisation={"id": 4, "name": "Globex Sp. z o.o.", "domains": ["globex.test"]},
        message={"body_text": "Chào anh, tôi cần HÓA ĐƠN ĐỎ gấp. Zamówienie nr 12345, proszę o zwrot.",
                 "kind": "public", "author_kind": "contact"},
        event=overrides.pop("event", {"kind": "customer_replied"}),
        **overrides,
    )


def holds(field: str, op: str, value: Any = None, *, ctx: Context | None = None, accents: bool = False) -> bool:
    return evaluate_condition(Condition(field, Op(op), value, accents), ctx or context())


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("contact.name", "is", "nguyễn văn bình", True),
        ("contact.name", "is", "Nguyen Van Binh", False),
        ("contact.name", "is_not", "Nguyen Van Binh", True),
        ("contact.name", "is_not", "NGUYỄN VĂN BÌNH", False),
        ("message.body_text", "contains", "hóa đơn đỏ", True),
        ("message.body_text", "contains", "hoa don do", False),
        ("message.body_text", "contains", "ZWROT", True),
        ("message.body_text", "not_contains", "refund", True),
        ("message.body_text", "not_contains", "gấp", False),
        ("ticket.subject", "starts_with", "không", True),
        ("ticket.subject", "starts_with", "tháng", False),
        ("ticket.subject", "ends_with", "THÁNG 3", True),
        ("ticket.subject", "ends_with", "hóa đơn", False),
        ("organisation.name", "contains", "sp. z o.o.", True),
        ("message.body_text", "matches", r"zam[oó]wienie\s+nr\s+\d{5}", True),
        ("message.body_text", "matches", r"^\d+$", False),
        ("contact.language", "in", ["th", "VI"], True),
        ("contact.language", "not_in", ["pl", "th"], True),
        ("contact.language", "not_in", ["vi"], False),
    ],
)
def test_text_operators(field: str, op: str, value: Any, expected: bool) -> None:
    assert holds(field, op, value) is expected


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("contact.name", "is", "Nguyen Van Binh"),
        ("message.body_text", "contains", "hoa don do"),
        ("message.body_text", "contains", "HOA DON DO"),
        ("ticket.subject", "starts_with", "Khong nhan duoc"),
        ("ticket.subject", "ends_with", "hoa don thang 3"),
        ("message.body_text", "matches", r"can hoa don"),
        ("message.body_text", "contains", "prosze o zwrot"),
        ("contact.name", "in", ["nguyen van binh", "someone else"]),
    ],
)
def test_accent_insensitive_matches_text_typed_without_diacritics(field: str, op: str, value: Any) -> None:
    assert holds(field, op, value, accents=True)
    assert not holds(field, op, value, accents=False)


def test_accent_insensitive_handles_d_with_stroke_and_l_with_stroke() -> None:
    ctx = context(ticket={"subject": "Đơn hàng z Łodzi"})
    assert holds("ticket.subject", "contains", "don hang z lodzi", ctx=ctx, accents=True)
    assert not holds("ticket.subject", "contains", "don hang z lodzi", ctx=ctx)


def test_thai_text() -> None:
    ctx = context(ticket={"subject": "ขอใบแจ้งหนี้ด่วนที่สุด"})
    assert holds("ticket.subject", "contains", "ใบแจ้งหนี้", ctx=ctx)
    assert holds("ticket.subject", "starts_with", "ขอ", ctx=ctx)
    assert holds("ticket.subject", "ends_with", "ด่วนที่สุด", ctx=ctx, accents=True)
    # Dropping the tone mark changes the word; accent-insensitivity must not make these equal.
    assert not holds("ticket.subject", "contains", "ดวนทีสุด", ctx=ctx, accents=True)


def test_composed_and_decomposed_vietnamese_compare_equal() -> None:
    ctx = context(ticket={"subject": "Nguye\u0302\u0303n"})
    assert holds("ticket.subject", "is", "Nguyễn", ctx=ctx)


# --------------------------------------------------------------------------- choices, ids


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("ticket.status", "is", "open", True),
        ("ticket.status", "is_not", "open", False),
        ("ticket.priority", "in", ["high", "urgent"], False),
        ("ticket.priority", "not_in", ["high", "urgent"], True),
        ("ticket.department", "is", 2, True),
        ("ticket.department", "is", "2", True),
        ("ticket.department", "in", [1, 3], False),
        ("ticket.assignee", "is_empty", None, True),
        ("ticket.assignee", "is_not_empty", None, False),
        ("ticket.requester", "is_not_empty", None, True),
        ("contact.organisation", "in", [4, 9], True),
        ("ticket.is_spam", "is", False, True),
        ("ticket.is_spam", "is_not", True, True),
    ],
)
def test_choice_id_and_bool_operators(field: str, op: str, value: Any, expected: bool) -> None:
    assert holds(field, op, value) is expected


def test_bool_is_never_equal_to_a_number() -> None:
    ctx = context(ticket={"custom_fields": {"flag": 1}})
    assert not holds("ticket.custom_fields.flag", "is", True, ctx=ctx)


# --------------------------------------------------------------------------- numbers, times


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("ticket.number", "greater", 1000, True),
        ("ticket.number", "greater", 1042, False),
        ("ticket.number", "greater_or_equal", 1042, True),
        ("ticket.number", "less", 1042, False),
        ("ticket.number", "less_or_equal", 1042, True),
        ("ticket.number", "is", 1042, True),
        ("ticket.number", "in", [1, 1042], True),
        ("ticket.custom_fields.amount", "greater", 999.5, True),
        ("ticket.custom_fields.amount", "less", "2000", True),
        ("ticket.custom_fields.renewal", "less", "2025-05-01", True),
        ("ticket.custom_fields.renewal", "greater", "2025-05-01", False),
        ("ticket.due_at", "less", "2025-03-12T00:00:00+00:00", True),
        ("ticket.due_at", "greater", "2025-03-11T08:59:00Z", True),
        ("ticket.due_at", "greater_or_equal", "2025-03-11T09:00:00+00:00", True),
        ("ticket.due_at", "less", "2025-03-11T16:00:00+07:00", False),
        ("ticket.due_at", "is", "2025-03-11T16:00:00+07:00", True),
        ("ticket.created_at", "less_or_equal", "2025-03-09", True),
    ],
)
def test_ordering_operators(field: str, op: str, value: Any, expected: bool) -> None:
    assert holds(field, op, value) is expected


def test_ordering_on_incomparable_values_is_false_not_an_error() -> None:
    assert not holds("ticket.custom_fields.order_id", "greater", 5)
    assert not holds("ticket.custom_fields.missing", "less", 5)
    assert not holds("ticket.custom_fields.renewal", "greater", 5)


# --------------------------------------------------------------------------- lists


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("contains", "vip", True),
        ("contains", "HÓA ĐƠN", True),
        ("contains", ["vip", "faktura"], True),
        ("contains", ["vip", "spam"], False),
        ("contains", "vi", False),
        ("not_contains", "spam", True),
        ("not_contains", "faktura", False),
        ("in", ["spam", "faktura"], True),
        ("in", ["spam", "urgent"], False),
        ("not_in", ["spam", "urgent"], True),
        ("is", ["faktura", "vip", "hóa đơn"], True),
        ("is", ["vip"], False),
        ("is_not", ["vip"], True),
        ("is_empty", None, False),
        ("is_not_empty", None, True),
    ],
)
def test_tag_list_operators(op: str, value: Any, expected: bool) -> None:
    assert holds("ticket.tags", op, value) is expected


def test_tags_accent_insensitive() -> None:
    assert holds("ticket.tags", "contains", "hoa don", accents=True)
    assert not holds("ticket.tags", "contains", "hoa don")


def test_empty_values() -> None:
    ctx = context(ticket={"tags": [], "subject": "   ", "custom_fields": {}})
    assert holds("ticket.tags", "is_empty", ctx=ctx)
    assert holds("ticket.subject", "is_empty", ctx=ctx)
    assert holds("ticket.custom_fields.order_id", "is_empty", ctx=ctx)
    assert holds("ticket.custom_fields.order_id", "is_not", "ORD-77", ctx=ctx)
    assert not holds("ticket.custom_fields.order_id", "contains", "ORD", ctx=ctx)


# --------------------------------------------------------------------------- changes


def changed_ctx(**event: Any) -> Context:
    return context(event={"kind": "field_changed", **event})


def test_changed_from_and_to_with_a_single_change() -> None:
    ctx = changed_ctx(field="priority", before="normal", after="urgent")
    assert holds("ticket.priority", "changed", ctx=ctx)
    assert holds("ticket.priority", "changed_from", "normal", ctx=ctx)
    assert holds("ticket.priority", "changed_to", "urgent", ctx=ctx)
    assert not holds("ticket.priority", "changed_to", "high", ctx=ctx)
    assert not holds("ticket.priority", "changed_from", "urgent", ctx=ctx)
    assert not holds("ticket.status", "changed", ctx=ctx)


def test_changes_map_custom_fields_and_assignee() -> None:
    ctx = changed_ctx(changes={
        "custom_fields.order_id": {"before": None, "after": "ORD-9"},
        "assignee": {"before": None, "after": 12},
        "status": {"before": "open", "after": "open"},
    })
    assert holds("ticket.custom_fields.order_id", "changed", ctx=ctx)
    assert holds("ticket.custom_fields.order_id", "changed_from", None, ctx=ctx)
    assert holds("ticket.assignee", "changed_to", 12, ctx=ctx)
    assert holds("ticket.assignee", "changed_to", "12", ctx=ctx)
    # A "change" to the same value is no change.
    assert not holds("ticket.status", "changed", ctx=ctx)


def test_changed_ops_on_non_ticket_fields_are_false() -> None:
    ctx = changed_ctx(field="name", before="a", after="b")
    assert not holds("contact.name", "changed", ctx=ctx)


# --------------------------------------------------------------------------- groups


def test_all_any_none_nested() -> None:
    vip = Condition("ticket.tags", Op.CONTAINS, "vip")
    urgent = Condition("ticket.priority", Op.IS, "urgent")
    vietnamese = Condition("contact.language", Op.IS, "vi")
    spam = Condition("ticket.is_spam", Op.IS, True)
    ctx = context()
    assert evaluate(Group(), ctx)
    assert evaluate(Group(all=(vip, vietnamese)), ctx)
    assert not evaluate(Group(all=(vip, urgent)), ctx)
    assert evaluate(Group(any=(urgent, vip)), ctx)
    assert not evaluate(Group(any=(urgent, spam)), ctx)
    assert evaluate(Group(all=(vip,), none=(spam, urgent)), ctx)
    assert not evaluate(Group(none=(vip,)), ctx)
    nested = Group(all=(vietnamese, Group(any=(urgent, Group(all=(vip, Group(none=(spam,))))))))
    assert evaluate(nested, ctx)
    assert not evaluate(Group(all=(vietnamese, Group(any=(urgent, Group(all=(vip, spam)))))), ctx)


def test_groups_short_circuit_before_a_failing_condition() -> None:
    # The business-hours condition would raise without a calendar; it is never reached.
    no_calendar = Condition("time.within_business_hours", Op.IS, True)
    never = Condition("ticket.priority", Op.IS, "urgent")
    assert not evaluate(Group(all=(never, no_calendar)), context())
    with pytest.raises(ConditionError):
        evaluate(Group(all=(no_calendar,)), context())


# --------------------------------------------------------------------------- business hours


def test_business_hours_uses_the_injected_calendar() -> None:
    seen: list[datetime] = []

    def nine_to_five(at: datetime) -> bool:
        seen.append(at)
        return 9 <= at.hour < 17

    inside = context(is_business_hours=nine_to_five)
    assert holds("time.within_business_hours", "is", True, ctx=inside)
    assert seen == [NOW]
    outside = context(is_business_hours=nine_to_five, now=NOW + timedelta(hours=10))
    assert holds("time.within_business_hours", "is", False, ctx=outside)


# --------------------------------------------------------------------------- resolution safety


@dataclass
class TicketRow:
    status: str
    secret: str = "s3cret"

    def method(self) -> str:
        return "called"


def test_paths_reach_only_mapping_keys_and_dataclass_fields() -> None:
    ctx = context(ticket={"row": TicketRow("open"), "custom_fields": {"_private": 1}})
    assert resolve(ctx, "ticket.row.status") == "open"
    assert resolve(ctx, "ticket.row.method") is MISSING
    assert resolve(ctx, "ticket.row.__class__") is MISSING
    assert resolve(ctx, "ticket.row.__dict__") is MISSING
    assert resolve(ctx, "ticket.custom_fields._private") is MISSING
    assert resolve(ctx, "settings.SECRET_KEY") is MISSING
    assert resolve(ctx, "is_business_hours") is MISSING


@given(st.text(max_size=30), st.text(max_size=10))
def test_contains_agrees_with_folded_substring(haystack: str, needle: str) -> None:
    ctx = context(ticket={"subject": haystack})
    result = holds("ticket.subject", "contains", needle, ctx=ctx)
    from tessera.rules.text import fold

    assert result == (fold(needle) in fold(haystack))
    # Accent-insensitive matching only ever finds more.
    if result:
        assert holds("ticket.subject", "contains", needle, ctx=ctx, accents=True)


def test_not_a_number_never_compares() -> None:
    ctx = context(ticket={"custom_fields": {"score": float("nan"), "text": "NaN"}})
    for op in ("greater", "less", "greater_or_equal", "less_or_equal", "is"):
        assert not holds("ticket.custom_fields.score", op, 1, ctx=ctx)
        assert not holds("ticket.custom_fields.text", op, 1, ctx=ctx)
