"""The spam filter against the database: counting, learning from agents' marks, scoring new mail."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from tessera.accounts.actor import Actor
from tessera.channels.ingest import process_raw, store_raw
from tessera.channels.models import Mailbox, MailboxKind
from tessera.jobs.models import Job
from tessera.spam import store
from tessera.spam.models import TOTALS_TOKEN, LearnedTicket, TokenCount
from tessera.spam.tokens import MailText, tokenize
from tessera.tickets.actions import mark_spam
from tessera.tickets.models import Ticket
from tests.integration.automation_fixtures import drain

pytestmark = pytest.mark.django_db
__all__ = ["drain"]

SPAM_WORDS = ["viagra", "cheap", "pills", "offer", "winner", "casino", "bonus", "unsubscribe", "lottery", "prize", "mortgage", "rates", "investment", "guaranteed"]
HAM_WORDS = ["printer", "invoice", "order", "delivery", "refund", "account", "password", "login", "broken", "error", "screen", "update", "thanks"]


def _counts() -> dict[str, tuple[int, int]]:
    return {t: (s, h) for t, s, h in TokenCount.objects.values_list("token", "spam", "ham")}


def _spam_mail(i: int, rng: random.Random) -> MailText:
    words = " ".join(rng.choices(SPAM_WORDS, k=25))
    return MailText(
        subject=f"{rng.choice(SPAM_WORDS)} {rng.choice(SPAM_WORDS)} now",
        text=f"{words}\nclick http://deal{i}.promo-{i % 5}.example/go",
        sender=f"offers{i}@bulk{i % 7}.example",
    )


def _ham_mail(i: int, rng: random.Random) -> MailText:
    words = " ".join(rng.choices(HAM_WORDS, k=25))
    return MailText(
        subject=f"My {rng.choice(HAM_WORDS)} {rng.choice(HAM_WORDS)}",
        text=f"Hello, {words}. Regards",
        sender=f"customer{i}@client{i % 9}.test",
    )


def _train(n: int = 30) -> None:
    rng = random.Random(7)
    for i in range(n):
        store.learn(tokenize(_spam_mail(i, rng)), is_spam=True)
        store.learn(tokenize(_ham_mail(i, rng)), is_spam=False)


def test_learn_and_unlearn_upsert_counts() -> None:
    store.learn(["a", "b", "b"], is_spam=True)
    store.learn(["b", "c"], is_spam=False)
    assert _counts() == {TOTALS_TOKEN: (1, 1), "a": (1, 0), "b": (1, 1), "c": (0, 1)}
    assert store.totals().spam == 1 and store.totals().ham == 1

    store.unlearn(["a", "b"], is_spam=True)
    # A token no message has any more is gone; the totals row stays.
    assert _counts() == {TOTALS_TOKEN: (0, 1), "b": (0, 1), "c": (0, 1)}
    store.unlearn(["b", "never"], is_spam=True)
    assert _counts() == {TOTALS_TOKEN: (0, 1), "b": (0, 1), "c": (0, 1)}


def test_many_tokens_are_learned_in_batches() -> None:
    tokens = [f"t{i}" for i in range(1000)]
    store.learn(tokens, is_spam=True)
    store.learn(tokens, is_spam=True)
    assert TokenCount.objects.count() == 1001
    assert set(TokenCount.objects.exclude(token=TOTALS_TOKEN).values_list("spam", flat=True)) == {2}
    assert store.counts(["t5", "t999", "missing"]) == {"t5": (2, 0), "t999": (2, 0)}


def test_classify_is_silent_until_trained(settings: Any) -> None:
    rng = random.Random(1)
    spammy = tokenize(_spam_mail(999, rng))
    _train(19)
    assert store.classify(spammy) is None
    _train(20)
    verdict = store.classify(spammy)
    assert verdict is not None and verdict.probability > 0.99
    settings.TESSERA = {**settings.TESSERA, "SPAM_MIN_EXAMPLES": 100}
    assert store.classify(spammy) is None


def test_an_agents_mark_teaches_the_filter_once(
    desk: dict[str, Any], make_ticket: Callable[..., Ticket], drain: Callable[[], int]
) -> None:
    ticket = make_ticket(subject="Cheap pills", body_text="viagra casino bonus")
    agent = Actor.of(desk["agent"])

    mark_spam(agent, ticket)
    assert Job.objects.filter(task_path__endswith="learn_from_ticket").count() == 1
    drain()
    learned = LearnedTicket.objects.get(ticket=ticket)
    assert learned.is_spam
    assert {"subj:cheap", "subj:pills", "viagra", "casino", "from:acme.test"} <= set(learned.tokens)
    counts = _counts()
    assert counts[TOTALS_TOKEN] == (1, 0)
    assert counts["viagra"] == (1, 0)

    # Marking again changes nothing; a second job for an unchanged mark counts nothing twice.
    mark_spam(agent, ticket)
    from tessera.spam.tasks import learn_from_ticket

    learn_from_ticket.enqueue(ticket.pk)
    drain()
    assert _counts()[TOTALS_TOKEN] == (1, 0)

    # Unmarking takes the spam count back and counts the ticket as ham instead.
    mark_spam(agent, ticket, is_spam=False)
    drain()
    counts = _counts()
    assert counts[TOTALS_TOKEN] == (0, 1)
    assert counts["viagra"] == (0, 1)
    assert LearnedTicket.objects.get(ticket=ticket).is_spam is False


def test_marks_by_rules_and_the_system_teach_nothing(make_ticket: Callable[..., Ticket], drain: Callable[[], int]) -> None:
    first = make_ticket()
    second = make_ticket()
    drain()
    mark_spam(Actor.system(rule="Spam words"), first)
    mark_spam(Actor.system(channel="email"), second)
    assert not Job.objects.filter(task_path__endswith="learn_from_ticket").exists()
    drain()
    assert not LearnedTicket.objects.exists()
    assert not TokenCount.objects.exists()


def _raw(sender: str, subject: str, body: str, message_id: str, extra: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@example.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n{extra}Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def _ingest(mailbox: Mailbox, raw: bytes) -> Any:
    row, created = store_raw(mailbox, raw)
    assert created
    process_raw(row.pk)
    row.refresh_from_db()
    return row


def test_new_mail_is_scored_and_spam_is_marked(desk: dict[str, Any]) -> None:
    mailbox = Mailbox.objects.create(name="Support", department=desk["support"], address="support@example.test", kind=MailboxKind.SMTP)
    untrained = _ingest(mailbox, _raw("x@bulk1.example", "casino bonus", "viagra cheap pills", "u1@bulk1.example"))
    assert untrained.ticket is not None and not untrained.ticket.is_spam
    assert "spam_probability" not in untrained.message.thread_reason

    _train(30)
    spam = _ingest(
        mailbox,
        _raw("promo@bulk3.example", "winner lottery prize", "cheap viagra casino bonus offer, guaranteed investment.\nhttp://deal3.promo-3.example/go", "s1@bulk3.example"),
    )
    ham = _ingest(
        mailbox,
        _raw("Anna <anna@acme.test>", "Printer error", "Hello, my printer shows an error after the update. Thanks", "h1@acme.test"),
    )
    assert spam.ticket is not None and ham.ticket is not None
    spam_ticket = Ticket.objects.get(pk=spam.ticket.pk)
    ham_ticket = Ticket.objects.get(pk=ham.ticket.pk)
    assert spam_ticket.is_spam
    assert not ham_ticket.is_spam
    spam_reason = spam_ticket.messages.get().thread_reason
    ham_reason = ham_ticket.messages.get().thread_reason
    assert spam_reason["spam_probability"] >= 0.99
    assert len(spam_reason["spam_clues"]) == 5
    assert {c.removeprefix("subj:") for c in spam_reason["spam_clues"]} & set(SPAM_WORDS)
    assert ham_reason["spam_probability"] < 0.5
    # The filter's own mark is on the timeline as the system's, and teaches nothing.
    assert spam_ticket.events.filter(field="is_spam", actor_user__isnull=True).exists()
    assert not LearnedTicket.objects.exists()
    from django.test import Client

    client = Client()
    client.force_login(desk["agent"])
    page = client.get(f"/desk/tickets/{spam_ticket.number}/").content.decode()
    assert 'class="spam-score"' in page
    assert f"{spam_reason['spam_probability']:.2f}" in page

    # A reply on an open ticket is never scored, however spammy it reads.
    reply = _ingest(
        mailbox,
        _raw(
            "Anna <anna@acme.test>", "Re: Printer error", "cheap viagra casino bonus offer winner lottery prize", "h2@acme.test",
            extra="In-Reply-To: <h1@acme.test>\r\n",
        ),
    )
    assert reply.ticket is not None and reply.ticket.pk == ham_ticket.pk
    assert "spam_probability" not in reply.message.thread_reason
    ham_ticket.refresh_from_db()
    assert not ham_ticket.is_spam


def test_a_ticket_from_mail_is_learned_from_its_raw_mail(desk: dict[str, Any], drain: Callable[[], int]) -> None:
    mailbox = Mailbox.objects.create(name="Support", department=desk["support"], address="support@example.test", kind=MailboxKind.SMTP)
    row = _ingest(
        mailbox,
        _raw("promo@bulk3.example", "Great offer", "cheap pills", "r1@bulk3.example", extra="X-Mailer: BulkBlaster 3.1\r\n"),
    )
    drain()
    mark_spam(Actor.of(desk["admin"]), row.ticket)
    drain()
    tokens = set(LearnedTicket.objects.get(ticket=row.ticket).tokens)
    # Headers exist only in the raw mail: the filter learns what it will later score.
    assert {"hdr:x-mailer:bulkblaster", "from:bulk3.example", "subj:great", "cheap"} <= tokens


def test_desk_buttons_mark_and_unmark(desk: dict[str, Any], make_ticket: Callable[..., Ticket], drain: Callable[[], int]) -> None:
    from django.test import Client

    ticket = make_ticket(subject="Cheap pills", body_text="viagra casino bonus")
    client = Client()
    client.force_login(desk["agent"])
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'name="is_spam" value="1"' in page
    # A message the filter never scored shows no score.
    assert "spam-score" not in page

    assert client.post(f"/desk/tickets/{ticket.number}/spam", {"is_spam": "1"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.is_spam
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert 'name="is_spam" value="0"' in page
    drain()
    assert LearnedTicket.objects.get(ticket=ticket).is_spam

    assert client.post(f"/desk/tickets/{ticket.number}/spam", {"is_spam": "0"}).status_code == 302
    ticket.refresh_from_db()
    assert not ticket.is_spam
    drain()
    assert LearnedTicket.objects.get(ticket=ticket).is_spam is False
    assert _counts()[TOTALS_TOKEN] == (0, 1)
