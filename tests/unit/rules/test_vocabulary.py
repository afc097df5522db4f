"""The rules vocabulary stays in step with the ticket model, and the engine stays pure."""

from __future__ import annotations

import subprocess
import sys

from tessera.rules.vocabulary import CHANNELS, PRIORITIES, STATUSES, TICKET_TYPES, field_spec


def test_choices_match_the_ticket_model() -> None:
    from tessera.tickets.models import Channel, Priority, TicketType
    from tessera.tickets.states import Status

    assert set(STATUSES) == {s.value for s in Status}
    assert set(PRIORITIES) == set(Priority.values)
    assert set(TICKET_TYPES) == set(TicketType.values)
    assert set(CHANNELS) == set(Channel.values)


def test_context_fields_exist_on_the_ticket_model() -> None:
    from tessera.tickets.models import Ticket

    names = {f.name for f in Ticket._meta.get_fields()}
    for path in ("ticket.status", "ticket.priority", "ticket.type", "ticket.department", "ticket.assignee",
                 "ticket.requester", "ticket.tags", "ticket.channel", "ticket.due_at", "ticket.created_at",
                 "ticket.status_changed_at", "ticket.last_customer_message_at", "ticket.is_spam"):
        spec = field_spec(path)
        assert spec is not None
        assert path.removeprefix("ticket.") in names


def test_dynamic_paths() -> None:
    spec = field_spec("ticket.custom_fields.order_id")
    assert spec is not None
    assert spec.change_key == "custom_fields.order_id"
    assert spec.settable
    assert field_spec("ticket.custom_fields.") is None
    assert field_spec("ticket.custom_fields.a.b") is None
    assert field_spec("ticket.custom_fields.__class__") is None
    assert field_spec("contact.attributes.tier") is not None


def test_pure_modules_import_no_database_code() -> None:
    code = (
        "import sys\n"
        "import tessera.rules.engine, tessera.rules.schema, tessera.routing.strategies\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('django', 'tessera.tickets', 'tessera.accounts')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
