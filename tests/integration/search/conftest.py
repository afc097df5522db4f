"""A small multilingual desk whose tickets have been through the worker, so they are indexed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.tickets import actions
from tests.integration.search.helpers import work


@pytest.fixture
def corpus(desk: dict[str, Any], make_ticket: Callable[..., Any]) -> dict[str, Any]:
    t: dict[str, Any] = {}
    t["en"] = make_ticket(subject="Printer on fire", body_text="The invoice total is wrong as well.")
    t["vi"] = make_ticket(
        subject="Yêu cầu hoàn tiền",
        body_text="Tôi không đăng nhập được vào tài khoản.",
        requester=desk["contact_b"],
    )
    # "hoàn" and "tiền" both occur, but not side by side: words match, the phrase does not.
    t["vi_apart"] = make_ticket(subject="Câu hỏi", body_text="Tiền đã nhận, không cần hoàn lại.", requester=desk["contact_b"])
    t["th"] = make_ticket(subject="ขอคืนเงินค่าสินค้า", body_text="สินค้าเสียหายระหว่างการขนส่ง")
    t["pl"] = make_ticket(subject="Zwrot pieniędzy", body_text="Oddział w Łódź nie odpowiada na maile.")
    t["pl_ascii"] = make_ticket(subject="Delivery to Lodz office", body_text="Parcel stuck in Lodz since Monday.")
    t["billing"] = make_ticket(subject="Hoàn tiền hóa đơn", body_text="Zwrot za fakturę", department=desk["billing"])
    actions.add_note(Actor.of(desk["agent"]), t["en"], body_text="Escalated: codeword ZEBRA, do not tell the customer.")
    work()
    for ticket in t.values():
        ticket.refresh_from_db()
    return t
