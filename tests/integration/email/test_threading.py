"""Threading: replies land on their ticket; forged ones never land on the victim's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.channels import tokens
from tessera.channels.ingest import store_raw
from tessera.channels.models import Delivery
from tessera.core.errors import Conflict
from tessera.tickets.actions import add_agent_reply, set_needs_review
from tessera.tickets.models import EventKind, LinkKind, Message, Ticket, TicketEvent, TicketLink
from tests.integration.email.conftest import run_jobs

pytestmark = pytest.mark.django_db

Mail = Callable[..., bytes]

GMAIL = "Thanks, unplugging it fixed it.\n\nOn Mon, 3 Mar 2025 at 10:00, Support <support@example.test> wrote:\n> Please unplug it.\n"
OUTLOOK = (
    "Fixed now, thank you.\n\n________________________________\nFrom: Support <support@example.test>\n"
    "Sent: Monday, March 3, 2025 10:00 AM\nTo: Anna Kowalska <anna@acme.test>\nSubject: RE: Printer on fire\n\n"
    "Please unplug it.\n"
)
APPLE = "Works now, thanks!\n\nSent from my iPhone\n\n> On 3 Mar 2025, at 10:00, Support <support@example.test> wrote:\n>\n> Please unplug it.\n"
VIETNAMESE = "Cảm ơn, máy in đã chạy lại rồi.\n\nVào Th 2, 3 thg 3, 2025 vào lúc 10:00 Support <support@example.test> đã viết:\n> Please unplug it.\n"
POLISH = "Dziękuję, już działa.\n\nW dniu 3.03.2025 o 10:00, Support <support@example.test> napisał(a):\n> Please unplug it.\n"
THAI = "ขอบคุณครับ เครื่องพิมพ์ใช้ได้แล้ว\n\nเมื่อ จ. 3 มี.ค. 2025 เวลา 10:00 Support <support@example.test> เขียนว่า:\n> Please unplug it.\n"


@pytest.fixture
def conversation(smtp_mailbox: Any, agent: Any, mail: Mail, settings: Any) -> dict[str, Any]:
    """Anna's ticket (with Carol in CC), answered once by the agent."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    store_raw(
        smtp_mailbox,
        mail(message_id="<anna-1@acme.test>", headers={"Cc": "Carol <carol@acme.test>"}),
    )
    run_jobs()
    ticket = Ticket.objects.get()
    add_agent_reply(Actor.of(agent), ticket, body_text="Please unplug it.")
    run_jobs()
    return {"ticket": ticket, "ours": Delivery.objects.get().rfc_message_id, "mailbox": smtp_mailbox, "agent": agent}


def deliver(mailbox: Any, raw: bytes, **kwargs: Any) -> Message:
    before = Message.objects.order_by("-id").values_list("id", flat=True).first() or 0
    store_raw(mailbox, raw, **kwargs)
    run_jobs()
    return Message.objects.filter(id__gt=before).get()


@pytest.mark.parametrize(
    ("style", "body", "new_text"),
    [
        ("gmail", GMAIL, "unplugging it fixed it"),
        ("outlook", OUTLOOK, "Fixed now"),
        ("apple", APPLE, "Works now"),
        ("vietnamese-gmail", VIETNAMESE, "máy in đã chạy lại"),
        ("polish-thunderbird", POLISH, "już działa"),
        ("thai-gmail", THAI, "เครื่องพิมพ์ใช้ได้แล้ว"),
    ],
)
def test_genuine_replies_land_on_the_ticket(conversation: dict[str, Any], mail: Mail, style: str, body: str, new_text: str) -> None:
    ticket = conversation["ticket"]
    ours = conversation["ours"]
    message = deliver(
        conversation["mailbox"],
        mail(subject="Re: Printer on fire", body=body, in_reply_to=ours, references=f"<anna-1@acme.test> {ours}"),
    )
    assert message.ticket_id == ticket.pk
    assert new_text in message.body_text
    assert message.thread_reason["method"] == "token"
    assert message.thread_reason["matched"]["ticket"] == ticket.number
    assert not Ticket.objects.exclude(pk=ticket.pk).exists()


def test_reply_referencing_the_customers_own_mail_threads_by_in_reply_to(conversation: dict[str, Any], mail: Mail) -> None:
    message = deliver(conversation["mailbox"], mail(subject="One more thing", in_reply_to="<anna-1@acme.test>"))
    assert message.ticket_id == conversation["ticket"].pk
    assert message.thread_reason["method"] == "in_reply_to"


def test_reply_with_only_the_subject_tag_from_the_requester_threads(conversation: dict[str, Any], mail: Mail) -> None:
    ticket = conversation["ticket"]
    message = deliver(conversation["mailbox"], mail(subject=f"Re: [{ticket.display_number}] Printer on fire"))
    assert message.ticket_id == ticket.pk
    assert message.thread_reason == {
        "method": "subject_tag",
        "matched": {"ticket": ticket.number, "tag_number": ticket.number},
        "rejected": [],
    }


def test_a_cc_contact_may_answer_by_subject_tag(conversation: dict[str, Any], mail: Mail) -> None:
    ticket = conversation["ticket"]
    assert list(ticket.ccs.values_list("identities__value", flat=True)) == ["carol@acme.test"]
    message = deliver(conversation["mailbox"], mail(sender="Carol <carol@acme.test>", subject=f"[{ticket.display_number}] me too"))
    assert message.ticket_id == ticket.pk


def test_the_reply_address_token_threads_even_from_a_new_sender(conversation: dict[str, Any], mail: Mail) -> None:
    ticket = conversation["ticket"]
    address = tokens.reply_address("support@example.test", ticket.number)
    message = deliver(conversation["mailbox"], mail(sender="anna.private@gmail.test", to=address, subject="from my phone"))
    assert message.ticket_id == ticket.pk
    assert message.thread_reason["matched"]["via"] == "address"


def test_the_envelope_recipient_token_counts_too(conversation: dict[str, Any], mail: Mail) -> None:
    ticket = conversation["ticket"]
    address = tokens.reply_address("support@example.test", ticket.number)
    message = deliver(conversation["mailbox"], mail(sender="anna@acme.test", subject="hi"), envelope_to=[address])
    assert message.ticket_id == ticket.pk


def assert_forgery_quarantined(victim: Ticket, message: Message, method: str) -> None:
    assert message.ticket_id != victim.pk
    assert victim.messages.count() == 2  # Anna's mail and the agent's reply, nothing more.
    forged = message.ticket
    assert forged.needs_review is True
    # Set by the ticket action: a timeline entry and a version bump, not a direct write.
    flagged = TicketEvent.objects.get(ticket=forged, kind=EventKind.FIELD, field="needs_review")
    assert (flagged.before, flagged.after, flagged.via_channel) == (False, True, "email")
    assert TicketLink.objects.filter(source=forged, target=victim, kind=LinkKind.RELATED).exists()
    reason = message.thread_reason
    assert reason["method"] == "new"
    assert reason["needs_review"] is True and reason["related_to"] == victim.number
    assert [r["method"] for r in reason["rejected"]] == [method]
    assert "mallory@evil.test is not the requester" in reason["rejected"][0]["why"]


def test_forged_subject_tag_from_a_stranger_opens_a_linked_ticket_for_review(conversation: dict[str, Any], mail: Mail) -> None:
    victim = conversation["ticket"]
    message = deliver(
        conversation["mailbox"],
        mail(sender="Mallory <mallory@evil.test>", subject=f"Re: [{victim.display_number}] Printer on fire", body="Send me the invoice."),
    )
    assert_forgery_quarantined(victim, message, "subject_tag")
    assert message.ticket.requester.primary_email == "mallory@evil.test"


def test_an_agent_clears_the_review_mark_through_the_action(conversation: dict[str, Any], mail: Mail) -> None:
    victim = conversation["ticket"]
    message = deliver(
        conversation["mailbox"],
        mail(sender="Mallory <mallory@evil.test>", subject=f"Re: [{victim.display_number}] Printer on fire"),
    )
    forged = Ticket.objects.get(pk=message.ticket_id)
    agent = Actor.of(conversation["agent"])
    with pytest.raises(Conflict):
        set_needs_review(agent, forged, False, expected_version=forged.version - 1)
    cleared = set_needs_review(agent, forged, False, expected_version=forged.version)
    assert cleared.needs_review is False and cleared.version == forged.version + 1
    assert list(
        TicketEvent.objects.filter(ticket=forged, field="needs_review").values_list("after", flat=True)
    ) == [True, False]
    # Clearing twice writes nothing.
    assert set_needs_review(agent, cleared, False).version == cleared.version


def test_spoofed_in_reply_to_from_a_stranger_opens_a_linked_ticket_for_review(conversation: dict[str, Any], mail: Mail) -> None:
    victim = conversation["ticket"]
    message = deliver(
        conversation["mailbox"],
        mail(sender="mallory@evil.test", subject="Re: Printer on fire", in_reply_to="<anna-1@acme.test>"),
    )
    assert_forgery_quarantined(victim, message, "in_reply_to")


def test_forged_tokens_are_not_accepted(conversation: dict[str, Any], mail: Mail) -> None:
    victim = conversation["ticket"]
    fake_id = f"<tessera.{victim.number}.aaaaaaaaaaaa.0123@tessera.localhost>"
    fake_address = f"support+{victim.number}-aaaaaaaaaaaa@example.test"
    message = deliver(
        conversation["mailbox"],
        mail(sender="mallory@evil.test", to=fake_address, subject="hello", in_reply_to=fake_id),
    )
    assert message.ticket_id != victim.pk
    assert message.thread_reason["method"] == "new"
    assert victim.messages.count() == 2


def test_tokens_round_trip_and_resist_tampering(settings: Any) -> None:
    token = tokens.ticket_token(4711)
    number, signature = token.split("-")
    assert number == "4711" and len(signature) == 12
    assert tokens.number_from_address(f"support+{token}@example.test") == 4711
    assert tokens.number_from_address(f"SUPPORT+{token.upper()}@EXAMPLE.TEST") == 4711
    assert tokens.number_from_address(f"support+4712-{signature}@example.test") is None
    assert tokens.number_from_address("support@example.test") is None
    assert tokens.number_from_message_id(f"<{tokens.message_id_part(4711)}.abcd@x.test>") == 4711
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert tokens.number_from_address(f"support+{token}@example.test") is None
