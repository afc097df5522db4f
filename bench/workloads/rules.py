"""Rules: the cost of processing one ticket event with 0 and with 1,000 active trigger rules.

The event is what happens most on a desk: a customer's reply to an open ticket, made through
the ticket action (``add_customer_message``); and, second, a new ticket (``create_ticket``). What
is timed is ``tickets.tasks.process_ticket_events`` on the timeline entries that action wrote,
called as the worker calls it (inside a transaction, commit included): notifications, the
rules runner, assignment, SLA clocks and the search document. The action itself is not timed.

The 1,000 rules are shaped like a large desk's: each listens to one event, tests one to four
conditions on status, priority, tags, subject words, department, the sender's domain or the
message text, and most never match; a handful match every event of their kind and add a tag
or set the priority, so the cost of acting is in the number too. Rounds alternate 0 and 1,000
active rules, each on fresh tickets of the generated data.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time
from typing import Any

from bench import text
from bench.paths import ROOT, VENV
from bench.stats import latency_summary

RULES = 1000
TARGET_RATIO = 1.5  # 1,000 rules may cost at most this much more per event than none
ALWAYS_MATCHING = {"customer_replied": 3, "ticket_created": 2}
BENCH_PREFIX = "bench rule "
ALWAYS_SUFFIX = " always"
OPEN_STATUSES = ("new", "open", "pending", "on_hold", "resolved")
EVENTS = (
    ("customer_replied", 35), ("ticket_created", 30), ("status_changed", 10), ("field_changed", 10),
    ("agent_replied", 10), ("note_added", 5),
)
STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
TYPES = ("question", "incident", "service_request", "problem", "change_request")


def _common(rng: random.Random, departments: list[int]) -> dict[str, Any]:
    """A condition on the ticket's state: holds for a good share of tickets."""
    roll = rng.randrange(4)
    if roll == 0:
        return {"field": "ticket.status", "operator": "in", "value": rng.sample(STATUSES, rng.randint(1, 3))}
    if roll == 1:
        return {"field": "ticket.priority", "operator": "is", "value": rng.choice(PRIORITIES)}
    if roll == 2:
        return {"field": "ticket.department", "operator": "is", "value": rng.choice(departments)}
    return {"field": "ticket.type", "operator": "in", "value": rng.sample(TYPES, 2)}


def _selective(rng: random.Random, k: int) -> dict[str, Any]:
    """A condition on a word, tag, customer domain or phrase that only some tickets have (none
    of the generated ones): what makes a rule about one customer or one product rare."""
    roll = rng.randrange(4)
    if roll == 0:
        return {"field": "ticket.tags", "operator": "contains", "value": f"{rng.choice(text.TAGS)}-{k}"}
    if roll == 1:
        return {"field": "ticket.subject", "operator": "contains", "value": f"order-{k:04d}"}
    if roll == 2:
        return {"field": "contact.email", "operator": "ends_with", "value": f"@partner{k}.example"}
    return {"field": "message.body_text", "operator": "contains", "value": f"contract {k:04d}"}


def rule_documents(rng: random.Random, count: int, departments: list[int]) -> list[dict[str, Any]]:
    """``count`` trigger rule documents (schema 1): a few always match, the rest rarely or never.

    Every other rule combines one to three conditions on the ticket's state with one on a rare
    word, tag or domain, in any order, so the engine evaluates part or all of it before passing
    it over; a quarter add an "any" group.
    """
    names, weights = zip(*EVENTS, strict=True)
    documents: list[dict[str, Any]] = []
    for event, n in ALWAYS_MATCHING.items():
        for i in range(n):
            action: dict[str, Any] = (
                {"type": "set_field", "field": "priority", "value": "high"}
                if i == 0 else {"type": "add_tags", "tags": [f"bench-{event.replace('_', '-')}-{i}"]}
            )
            documents.append({
                "schema": 1, "name": f"{BENCH_PREFIX}{len(documents):04d} {event}{ALWAYS_SUFFIX}", "kind": "trigger",
                "events": [event],
                "conditions": {"all": [
                    {"field": "ticket.status", "operator": "in", "value": list(OPEN_STATUSES)},
                    {"field": "ticket.department", "operator": "in", "value": departments},
                ]},
                "actions": [action], "stop_processing": False,
            })
    while len(documents) < count:
        k = len(documents)
        event = rng.choices(names, weights)[0]
        conditions_all = [_common(rng, departments) for _ in range(rng.randint(1, 3))]
        conditions_all.insert(rng.randint(0, len(conditions_all)), _selective(rng, k))
        conditions: dict[str, Any] = {"all": conditions_all}
        if rng.random() < 0.25:
            conditions["any"] = [_common(rng, departments), _selective(rng, k)]
        documents.append({
            "schema": 1, "name": f"{BENCH_PREFIX}{k:04d} {event}", "kind": "trigger", "events": [event],
            "conditions": conditions,
            "actions": [rng.choice([
                {"type": "set_field", "field": "priority", "value": rng.choice(PRIORITIES)},
                {"type": "add_tags", "tags": [f"rule-{k}"]},
                {"type": "set_field", "field": "type", "value": "incident"},
            ])],
            "stop_processing": False,
        })
    return documents


def setup(rng: random.Random, departments: list[int]) -> int:
    """The 1,000 rules, stored inactive in canonical form as ``rules.store.save_rule`` stores them."""
    from tessera.rules import schema
    from tessera.rules.models import Rule

    Rule.objects.filter(name__startswith=BENCH_PREFIX).delete()
    rows = []
    for position, document in enumerate(rule_documents(rng, RULES, departments)):
        canonical = schema.rule_to_dict(schema.rule_from_dict(document))
        rows.append(Rule(name=canonical["name"], kind=canonical["kind"], document=canonical,
                         position=10_000 + position, is_active=False))
    Rule.objects.bulk_create(rows)
    return len(rows)


def set_active(bench_rules: bool, *, firing: bool = True) -> None:
    """Only the bench's rules (or none at all) active: "0 rules" means no active rule whatsoever.

    Without ``firing`` the rules that match every event are off too, which leaves the cost of
    evaluating the others, apart from the cost of what matching rules do.
    """
    from tessera.rules.models import Rule

    Rule.objects.exclude(name__startswith=BENCH_PREFIX).update(is_active=False)
    Rule.objects.filter(name__startswith=BENCH_PREFIX).update(is_active=bench_rules)
    if not firing:
        Rule.objects.filter(name__startswith=BENCH_PREFIX, name__endswith=ALWAYS_SUFFIX).update(is_active=False)


def active_rule_ids() -> list[int]:
    from tessera.rules.models import Rule

    return list(Rule.objects.filter(is_active=True).values_list("pk", flat=True))


def restore(active_ids: list[int]) -> None:
    """The rules that were active before (the defaults the email workload installed), no others."""
    from tessera.rules.models import Rule

    Rule.objects.exclude(pk__in=active_ids).update(is_active=False)
    Rule.objects.filter(pk__in=active_ids).update(is_active=True)


def ticket_pool(rng: random.Random, count: int) -> list[int]:
    """Open tickets that did not come by email (the email workload answers those)."""
    from tessera.tickets.models import Ticket

    ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
        .exclude(channel="email").values_list("pk", flat=True)
    )
    return rng.sample(ids, min(count, len(ids)))


def _event(kind: str, rng: random.Random, ticket_id: int | None, department_id: int) -> list[int]:
    """Make one event through the ticket actions; returns the ids of the timeline entries."""
    from django.db.models import Max

    from tessera.accounts.actor import Actor
    from tessera.accounts.models import Contact, Department
    from tessera.tickets.actions import add_customer_message, create_ticket
    from tessera.tickets.models import Ticket, TicketEvent

    language = rng.choices(text.LANGUAGES, text.LANGUAGE_WEIGHTS)[0]
    body = " ".join(rng.sample(text.SENTENCES[language], 2))
    watermark = TicketEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    if kind == "customer_replied":
        assert ticket_id is not None
        ticket = Ticket.objects.select_related("requester").get(pk=ticket_id)
        add_customer_message(Actor.customer(ticket.requester, "web_form"), ticket, body_text=body,
                             channel="web_form")
        touched = ticket.pk
    else:
        contact = Contact.objects.filter(pk__gte=rng.randrange(1, 1000)).order_by("pk").first()
        assert contact is not None
        ticket = create_ticket(Actor.system(channel="web_form"), subject=rng.choice(text.SUBJECTS[language]),
                               requester=contact, department=Department.objects.get(pk=department_id),
                               channel="web_form", body_text=body)
        touched = ticket.pk
    return list(TicketEvent.objects.filter(pk__gt=watermark, ticket_id=touched).order_by("pk")
                .values_list("pk", flat=True))


def _process(event_ids: list[int]) -> float:
    from django.db import transaction

    from tessera.tickets.tasks import process_ticket_events

    t0 = time.perf_counter()
    with transaction.atomic():
        process_ticket_events.call(event_ids)
    return (time.perf_counter() - t0) * 1000


def measure(kind: str, rng: random.Random, tickets: list[int], department_id: int, *,
            reps: int, warmup: int = 2) -> dict[str, Any]:
    """``warmup + reps`` events of one kind; customer replies take their tickets from ``tickets``."""
    latencies: list[float] = []
    for i in range(warmup + reps):
        ids = _event(kind, rng, tickets.pop() if kind == "customer_replied" else None, department_id)
        ms = _process(ids)
        if i >= warmup:
            latencies.append(ms)
    return latency_summary(latencies)


def profile(kind: str, rng: random.Random, tickets: list[int], department_id: int, *, events: int,
            top: int = 15) -> list[str]:
    """cProfile over ``events`` processed events: the functions with the most time of their own
    and below them, as text lines for the results."""
    profiler = cProfile.Profile()
    for _ in range(events):
        ids = _event(kind, rng, tickets.pop() if kind == "customer_replied" else None, department_id)
        profiler.enable()
        _process(ids)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    # Tessera's own functions by time spent in and below them; then anything by its own time.
    stats.sort_stats("cumulative").print_stats(r"tessera/", top)
    stats.sort_stats("tottime").print_stats(top // 2)
    site = str(VENV / "lib") + "/"
    lines = []
    for line in out.getvalue().splitlines():
        line = line.rstrip().replace(str(ROOT / "src") + "/", "").replace(site, "")
        if line.strip() and "List reduced" not in line and "due to restriction" not in line:
            lines.append(line)
    return lines


def cleanup_jobs(first_job: int) -> int:
    """The job rows the measured actions enqueued: their work was done (or was the bench's)."""
    from tessera.jobs.models import Job

    deleted, _ = Job.objects.filter(pk__gte=first_job, status="READY").delete()
    return deleted
