"""Email ingestion: 1,000 messages through Tessera's own inbound path, as a deployment runs it.

A round does what a production site does with a burst of mail (docs/operations.md):

1. **Store.** ``channels.ingest.store_raw`` for each message, in arrival order, in this process:
   what the SMTP listener (``tessera smtp_server``) or the IMAP fetcher does before it answers
   250 or flags the mail. The raw bytes and their processing job commit together.
2. **Process.** ``tessera worker --burst --concurrency 2 --no-scheduler`` in two processes, one
   per core as operations.md deploys workers (threads of one process share one core's worth of
   Python, so a host runs a worker process per core), run until no job is due: the
   ``process_inbound`` jobs (parse, classify, contact, threading, one ticket action) and every
   job they lead to (``process_ticket_events``: the default rules, which acknowledge new
   requests by mail, assignment, SLA clocks, the search document; and the ``deliver`` jobs of
   those mails, sent through Django's in-memory backend in place of an SMTP relay).

Throughput is messages over (store time + processing time), processing time being the span from
the first job's claim to the last job's end as the job rows record it, so the worker's start-up
is not counted. Per-message latency is the ``process_inbound`` job's, claim to end. After each
round every reply is checked: it must be on the ticket of the message it answers.

The limit: the standard library's parser on the same bytes (``email.message_from_bytes`` with
``policy.default``, reading the headers a desk needs and the text body), nothing stored.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from bench import mail, text
from bench.paths import VENV, WORK
from bench.server import tessera_env
from bench.stats import latency_summary

K = 1000
WORKER_CONCURRENCY = 2  # threads per worker process
WORKER_PROCESSES = 2  # docs/operations.md: one ``tessera worker`` process per core
OPEN_STATUSES = ("new", "open", "pending", "on_hold", "resolved")


def setup(department_id: int) -> int:
    """The mailbox the mail arrives at, and the rules a new desk starts with; returns its id."""
    from tessera.channels.models import Mailbox, MailboxKind
    from tessera.rules.defaults import install_defaults

    mailbox, _ = Mailbox.objects.get_or_create(
        name="Support inbox (bench)",
        defaults={"department_id": department_id, "address": mail.SUPPORT_ADDRESS, "kind": MailboxKind.SMTP},
    )
    install_defaults()
    return mailbox.pk


def senders(rng: random.Random, count: int) -> list[mail.Sender]:
    """Existing contacts with an email address, sampled over the whole id range."""
    from django.db.models import Max

    from tessera.accounts.models import ContactIdentity

    top = ContactIdentity.objects.aggregate(m=Max("pk"))["m"] or 0
    ids = rng.sample(range(1, top + 1), min(top, count * 2))
    rows = (
        ContactIdentity.objects.filter(pk__in=ids, kind="email")
        .values_list("value", "contact__name", "contact__language")[:count]
    )
    return [mail.Sender(a, name, lang if lang in text.LANGUAGES else "en") for a, name, lang in rows]


def data_threads(rng: random.Random, count: int) -> list[mail.DataThread]:
    """Open email conversations of the generated data, in random order, each with its chain of
    customer Message-IDs and the requester's address (a participant, so threading accepts it)."""
    from tessera.accounts.models import ContactIdentity
    from tessera.tickets.models import Message, Ticket

    candidates = list(
        Ticket.objects.filter(channel="email", status__in=OPEN_STATUSES, merged_into__isnull=True)
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(candidates, min(count, len(candidates)))
    tickets = {
        pk: (subject, requester, name, language)
        for pk, subject, requester, name, language in Ticket.objects.filter(pk__in=chosen).values_list(
            "pk", "subject", "requester_id", "requester__name", "requester__language"
        )
    }
    ids: dict[int, list[str]] = {}
    for ticket_id, external_id in (
        Message.objects.filter(ticket_id__in=chosen).exclude(external_id="").order_by("created_at", "id")
        .values_list("ticket_id", "external_id")
    ):
        ids.setdefault(ticket_id, []).append(external_id)
    addresses = dict(
        ContactIdentity.objects.filter(contact_id__in=[t[1] for t in tickets.values()], kind="email")
        .values_list("contact_id", "value")
    )
    out = []
    for pk in chosen:
        subject, requester, name, language = tickets[pk]
        if pk in ids and requester in addresses:
            sender = mail.Sender(addresses[requester], name, language if language in text.LANGUAGES else "en")
            out.append(mail.DataThread(pk, sender, subject, tuple(ids[pk])))
    return out


def limit_parse(batch: list[mail.Planned]) -> dict[str, Any]:
    """The standard library parsing the same bytes: headers a desk reads and the text body."""
    latencies = []
    t0 = time.perf_counter()
    for item in batch:
        t1 = time.perf_counter()
        msg = message_from_bytes(item.raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        for name in ("from", "to", "subject", "message-id", "in-reply-to", "references", "date"):
            str(msg.get(name, ""))
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            body.get_content()
        latencies.append((time.perf_counter() - t1) * 1000)
    elapsed = time.perf_counter() - t0
    return latency_summary(latencies, elapsed)


def run_worker_until_drained(database_url: str, concurrency: int, processes: int = WORKER_PROCESSES) -> dict[str, Any]:
    """The deployed worker command, in ``processes`` processes of its own, until no job is due."""
    WORK.mkdir(parents=True, exist_ok=True)
    env = tessera_env(database_url)
    t0 = time.perf_counter()
    with open(WORK / "worker.log", "ab") as log:
        running = [
            subprocess.Popen(
                [str(VENV / "bin" / "tessera"), "worker", "--burst", "--no-scheduler",
                 "--concurrency", str(concurrency)],
                env=env, stdout=subprocess.PIPE, stderr=log,
            )
            for _ in range(processes)
        ]
        outputs = [proc.communicate()[0].decode().strip() for proc in running]
    failed = [proc.returncode for proc in running if proc.returncode != 0]
    if failed:
        raise RuntimeError(f"tessera worker exited with {failed[0]}; see {WORK / 'worker.log'}")
    return {"wall_seconds": time.perf_counter() - t0, "summary": " | ".join(outputs)}


def tessera_round(database_url: str, mailbox_id: int, batch: list[mail.Planned], *,
                  concurrency: int = WORKER_CONCURRENCY, processes: int = WORKER_PROCESSES) -> dict[str, Any]:
    from django.db import connections
    from django.db.models import Max

    from tessera.channels.ingest import store_raw
    from tessera.channels.models import Mailbox
    from tessera.jobs.models import Job

    mailbox = Mailbox.objects.get(pk=mailbox_id)
    first_job = (Job.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    store_ms: list[float] = []
    raw_ids: dict[str, int] = {}
    t0 = time.perf_counter()
    for item in batch:
        t1 = time.perf_counter()
        row, created = store_raw(mailbox, item.raw, envelope_to=[mail.SUPPORT_ADDRESS])
        store_ms.append((time.perf_counter() - t1) * 1000)
        if not created:
            raise RuntimeError(f"{item.message_id} was already stored: the batch must be new mail")
        raw_ids[item.message_id] = row.pk
    store_seconds = time.perf_counter() - t0
    connections.close_all()
    worker = run_worker_until_drained(database_url, concurrency, processes)
    jobs = list(
        Job.objects.filter(pk__gte=first_job).values_list(
            "task_path", "status", "args", "last_attempted_at", "finished_at"
        )
    )
    unfinished = Counter(path.rsplit(".", 1)[-1] for path, status, *_ in jobs if status != "SUCCESSFUL")
    spans = [(a, f) for _, _, _, a, f in jobs if a is not None and f is not None]
    process_seconds = (max(f for _, f in spans) - min(a for a, _ in spans)).total_seconds() if spans else 0.0
    per_task: dict[str, dict[str, Any]] = {}
    ingest_ms = []
    for path, _, _, started, finished in jobs:
        if started is None or finished is None:
            continue
        ms = (finished - started).total_seconds() * 1000
        name = path.rsplit(".", 1)[-1]
        entry = per_task.setdefault(name, {"jobs": 0, "seconds": 0.0})
        entry["jobs"] += 1
        entry["seconds"] += ms / 1000
        if name == "process_inbound":
            ingest_ms.append(ms)
    out = latency_summary(ingest_ms)
    total = store_seconds + process_seconds
    out.update(
        messages=len(batch),
        per_s=len(batch) / total if total else None,
        store_seconds=store_seconds,
        store=latency_summary(store_ms, store_seconds),
        process_seconds=process_seconds,
        worker=worker,
        jobs=per_task,
        jobs_not_successful=dict(unfinished),
        check=verify(batch, raw_ids),
    )
    return out


def verify(batch: list[mail.Planned], raw_ids: dict[str, int]) -> dict[str, Any]:
    """Where every message went: new ones on distinct new tickets, replies on their thread."""
    from tessera.channels.models import RawInbound

    rows = {
        pk: (status, ticket_id)
        for pk, status, ticket_id in RawInbound.objects.filter(pk__in=raw_ids.values()).values_list(
            "pk", "status", "ticket_id"
        )
    }
    ticket_of = {mid: rows[pk][1] for mid, pk in raw_ids.items()}
    statuses = Counter(status for status, _ in rows.values())
    new_tickets = [ticket_of[p.message_id] for p in batch if p.kind == "new"]
    replies = [p for p in batch if p.kind != "new"]
    right = [
        p for p in replies
        if ticket_of[p.message_id] is not None
        and ticket_of[p.message_id] == (ticket_of[p.parent] if p.kind == "reply" else p.expected_ticket)
    ]
    by_kind = Counter(p.kind for p in replies)
    right_by_kind = Counter(p.kind for p in right)
    return {
        "statuses": dict(statuses),
        "new_on_distinct_tickets": len({t for t in new_tickets if t is not None}),
        "new_messages": len(new_tickets),
        "replies_threaded_right": len(right),
        "replies": len(replies),
        "by_kind": {k: f"{right_by_kind[k]}/{n}" for k, n in by_kind.items()},
        "charsets": dict(Counter(p.charset for p in batch)),
        "languages": dict(Counter(p.language for p in batch)),
    }

