from __future__ import annotations

import pytest

from tessera.tickets.states import (
    TRANSITIONS,
    Status,
    after_agent_reply,
    after_customer_message,
    can_transition,
)


def test_every_status_has_a_row_in_the_transition_table() -> None:
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("status", list(Status))
def test_new_is_never_reentered(status: Status) -> None:
    assert not can_transition(status, Status.NEW)


def test_closed_is_final() -> None:
    assert all(not can_transition(Status.CLOSED, s) for s in Status)


def test_resolved_can_reopen_or_close_only() -> None:
    assert {s for s in Status if can_transition(Status.RESOLVED, s)} == {Status.OPEN, Status.CLOSED}


def test_customer_message_reopens_waiting_tickets() -> None:
    assert after_customer_message(Status.PENDING) == Status.OPEN
    assert after_customer_message(Status.RESOLVED) == Status.OPEN
    assert after_customer_message(Status.NEW) == Status.NEW


def test_agent_reply_waits_on_customer_unless_told_otherwise() -> None:
    assert after_agent_reply(Status.OPEN, None) == Status.PENDING
    assert after_agent_reply(Status.NEW, None) == Status.PENDING
    assert after_agent_reply(Status.OPEN, Status.RESOLVED) == Status.RESOLVED
    assert after_agent_reply(Status.ON_HOLD, None) == Status.ON_HOLD
