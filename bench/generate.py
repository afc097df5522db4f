"""Bulk data generator: N tickets with a realistic shape, written to the app's own tables.

Usage (the database must be migrated; the suite does that itself)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tessera_bench \\
        .venv/bin/python -m bench.generate --n 100000

Small reference tables (departments, agents, tags, tokens) go through the ORM; the big ones
(organisations, contacts, identities, tickets, messages, timeline entries, ticket tags) go
through ``COPY ... FROM STDIN`` on PostgreSQL and ``executemany`` on SQLite, because
per-object saves would make a million tickets take hours. Column lists come from the models'
metadata, so a column added later with a default needs no change here; one without a default
stops the generator with a message naming it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import text

STATUS_RECENT = (("new", 20), ("open", 35), ("pending", 18), ("on_hold", 5), ("resolved", 22))
STATUS_OLD = (("closed", 85), ("resolved", 9), ("open", 3), ("pending", 2), ("on_hold", 1))
# The newest share of tickets is "live" work; older ones are mostly closed, as in a real desk.
RECENT_SHARE = 0.08
PRIORITIES = (("low", 20), ("normal", 60), ("high", 16), ("urgent", 4))
TYPES = (("question", 45), ("incident", 25), ("service_request", 20), ("problem", 5), ("change_request", 5))
CHANNELS = (
    ("email", 55), ("web_form", 15), ("portal", 8), ("chat", 10), ("phone", 5),
    ("facebook", 3), ("line", 2), ("whatsapp", 2),
)
MESSAGES_PER_TICKET = ((1, 30), (2, 25), (3, 15), (4, 10), (5, 8), (6, 5), (7, 4), (8, 3))
HISTORY_DAYS = 730
TICKETS_PER_CONTACT = 4
CONTACTS_PER_ORGANISATION = 12
AGENTS_PER_DEPARTMENT = 4
BATCH = 5000
BENCH_AGENT = "bench-agent"


def configure_django(database_url: str, data_dir: str) -> None:
    """Point Tessera's settings at the bench database; must run before Django is imported."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("TESSERA_SECRET_KEY", "bench-" + "k" * 40)
    os.environ.setdefault("TESSERA_DEBUG", "false")
    os.environ.setdefault("TESSERA_DATA_DIR", data_dir)
    # Workloads that run actions in-process must not print every planned mail to stdout.
    os.environ.setdefault("TESSERA_EMAIL_URL", "locmem:")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tessera.settings")
    import django

    django.setup()


def _weighted(pairs: Sequence[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


class Table:
    """A model's table with the columns we fill, plus constant defaults for all the others."""

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        self.name: str = model._meta.db_table
        self.given = list(columns)
        extra_cols: list[str] = []
        extra_vals: list[Any] = []
        for f in model._meta.concrete_fields:
            if f.column in self.given:
                continue
            if f.primary_key and f.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"}:
                continue  # the database numbers the rows
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.empty_strings_allowed and f.get_internal_type() in {"CharField", "TextField", "SlugField", "EmailField"}:
                value = ""
            else:
                raise SystemExit(
                    f"bench.generate: {self.name}.{f.column} has no default; teach the generator to fill it"
                )
            extra_cols.append(f.column)
            extra_vals.append(json.dumps(value) if isinstance(value, (dict, list)) else value)
        self.columns = self.given + extra_cols
        self.extra = tuple(extra_vals)


class Writer:
    """Appends rows to tables by the engine's bulk path; one transaction per batch."""

    def __init__(self) -> None:
        from django.db import connection

        connection.ensure_connection()
        self.connection = connection
        self.vendor = connection.vendor
        self.rows = 0
        self.session_settings: list[str] = []
        if self.vendor == "postgresql":
            raw: Any = connection.connection
            # The rows are consistent by construction, so the per-row deferred foreign-key
            # checks (the bulk of the server's work in a COPY) are skipped, as pg_restore
            # --disable-triggers does; that needs a superuser, so it is tried, not assumed.
            for setting in ("synchronous_commit = off", "session_replication_role = replica"):
                try:
                    raw.execute(f"SET {setting}")
                    raw.commit()
                    self.session_settings.append(setting.split(" =")[0])
                except Exception:
                    raw.rollback()

    def close(self) -> None:
        raw: Any = self.connection.connection
        for name in self.session_settings:
            raw.execute(f"RESET {name}")
        raw.commit()

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        full = [r + table.extra for r in rows] if table.extra else rows
        cols = ", ".join(table.columns)
        raw: Any = self.connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
                for row in full:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in table.columns)
            raw.executemany(
                f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", [_sqlite_row(r) for r in full]
            )
        self.rows += len(rows)

    def commit(self) -> None:
        self.connection.connection.commit()


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # Django stores aware datetimes on SQLite as naive UTC text; match it so the ORM reads them.
    return tuple(
        v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v
        for v in row
    )


def _next_id(model: Any) -> int:
    from django.db.models import Max

    top = model.objects.aggregate(m=Max("pk"))["m"]
    return int(top or 0) + 1


@dataclass
class Reference:
    """The small tables every generated ticket points into."""

    departments: list[tuple[int, str]]
    agents_by_department: dict[int, list[tuple[int, str]]]
    tags: list[int]
    bench_agent_id: int
    contacts_by_language: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    tag_names: dict[int, str] = field(default_factory=dict)
    # What a ticket's search document says about its requester: name, then addresses.
    contact_words: dict[int, tuple[str, ...]] = field(default_factory=dict)


def _reference(rng: random.Random) -> Reference:
    from tessera.accounts.models import Department, Membership, Role, User
    from tessera.tickets.models import Tag

    departments = []
    for name, email in text.DEPARTMENTS:
        dept, _ = Department.objects.get_or_create(name=name, defaults={"email_address": email})
        departments.append((dept.pk, dept.name))
    agents: dict[int, list[tuple[int, str]]] = {d: [] for d, _ in departments}
    for d_index, (dept_id, _) in enumerate(departments):
        for k in range(AGENTS_PER_DEPARTMENT):
            language = text.LANGUAGES[(d_index + k) % len(text.LANGUAGES)]
            username = f"bench-agent-{dept_id}-{k}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=Role.AGENT, email=f"{username}@desk.example.com",
                            display_name=text.person_name(rng, language), language=language)
                user.set_unusable_password()
                user.save()
            Membership.objects.get_or_create(user=user, department_id=dept_id)
            agents[dept_id].append((user.pk, user.label))
    # The API caller: an agent in every department, so lists go through the real scoping.
    bench = User.objects.filter(username=BENCH_AGENT).first()
    if bench is None:
        bench = User(username=BENCH_AGENT, role=Role.AGENT, email="bench@desk.example.com",
                     display_name="Bench Agent")
        bench.set_unusable_password()
        bench.save()
    for dept_id, _ in departments:
        Membership.objects.get_or_create(user=bench, department_id=dept_id)
    tags = []
    tag_names = {}
    for name in text.TAGS:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag.pk)
        tag_names[tag.pk] = tag.name
    return Reference(departments, agents, tags, bench.pk, tag_names=tag_names)


def _people(writer: Writer, rng: random.Random, n_tickets: int, now: datetime, ref: Reference) -> None:
    """Organisations, contacts and their identities; fills the contacts per language."""
    from tessera.accounts.models import Contact, ContactIdentity, Organisation

    n_contacts = max(10, n_tickets // TICKETS_PER_CONTACT)
    n_orgs = max(2, n_contacts // CONTACTS_PER_ORGANISATION)
    org_table = Table(Organisation, ["id", "name", "domains", "created_at"])
    contact_table = Table(Contact, ["id", "name", "organisation_id", "language", "time_zone", "created_at", "updated_at"])
    ident_table = Table(ContactIdentity, ["id", "contact_id", "kind", "value", "is_primary", "created_at"])
    org0, contact0, ident0 = _next_id(Organisation), _next_id(Contact), _next_id(ContactIdentity)
    zones = {"en": "Europe/London", "vi": "Asia/Ho_Chi_Minh", "th": "Asia/Bangkok", "pl": "Europe/Warsaw"}
    phone_cc = {"en": "+44", "vi": "+84", "th": "+66", "pl": "+48"}
    org_lang: list[str] = []
    orgs = []
    for i in range(n_orgs):
        language = rng.choices(text.LANGUAGES, text.LANGUAGE_WEIGHTS)[0]
        org_lang.append(language)
        oid = org0 + i
        orgs.append((oid, f"{rng.choice(text.ORG_WORDS[language])} {oid}", json.dumps([f"org{oid}.example"]), now))
    writer.write(org_table, orgs)
    by_language: dict[str, list[tuple[int, int | None]]] = {lang: [] for lang in text.LANGUAGES}
    contacts: list[tuple[Any, ...]] = []
    idents: list[tuple[Any, ...]] = []
    ident_id = ident0
    for i in range(n_contacts):
        cid = contact0 + i
        org_index = rng.randrange(n_orgs) if rng.random() < 0.7 else None
        language = org_lang[org_index] if org_index is not None else rng.choices(text.LANGUAGES, text.LANGUAGE_WEIGHTS)[0]
        org_id = org0 + org_index if org_index is not None else None
        name = text.person_name(rng, language)
        contacts.append((cid, name, org_id, language, zones[language], now, now))
        domain = f"org{org_id}.example" if org_id is not None else "mail.example.net"
        address = f"customer{cid}@{domain}"
        idents.append((ident_id, cid, "email", address, True, now))
        ident_id += 1
        if rng.random() < 0.3:
            phone = f"{phone_cc[language]}{cid:09d}"
            idents.append((ident_id, cid, "phone", phone, False, now))
            ident_id += 1
            ref.contact_words[cid] = (name, address, phone)
        else:
            ref.contact_words[cid] = (name, address)
        by_language[language].append((cid, org_id))
        if len(contacts) >= BATCH:
            writer.write(contact_table, contacts)
            writer.write(ident_table, idents)
            contacts, idents = [], []
    writer.write(contact_table, contacts)
    writer.write(ident_table, idents)
    writer.commit()
    for language in text.LANGUAGES:
        if not by_language[language]:  # tiny N: every language still needs someone to write
            by_language[language].append((contact0, None))
    ref.contacts_by_language = by_language


class Progress:
    """One self-overwriting line on stderr."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.start = label, total, time.perf_counter()

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed else 0.0
        eta = (self.total - done) / rate if rate else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} "
            f"{rate:,.0f}/s eta {eta:,.0f}s "
        )
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def _tickets(writer: Writer, rng: random.Random, n: int, ref: Reference, now: datetime,
             progress: bool) -> tuple[int, float]:
    """The tickets with their conversations, timelines, tags and search documents; returns the
    last ticket number written and the seconds spent on search documents."""
    from tessera.search.index import MAX_NOTE_CHARS, MAX_PUBLIC_CHARS
    from tessera.search.models import SearchDocument
    from tessera.search.text import compose
    from tessera.tickets.models import Message, Ticket, TicketEvent

    ticket_table = Table(Ticket, [
        "id", "number", "subject", "type", "status", "priority", "department_id", "assignee_id",
        "requester_id", "organisation_id", "channel", "custom_fields", "first_response_at",
        "resolved_at", "closed_at", "status_changed_at", "last_customer_message_at",
        "last_agent_reply_at", "version", "created_at", "updated_at",
    ])
    message_table = Table(Message, [
        "id", "ticket_id", "kind", "author_kind", "author_user_id", "author_contact_id",
        "body_text", "full_text", "channel", "external_id", "created_at",
    ])
    event_table = Table(TicketEvent, [
        "id", "ticket_id", "kind", "field", "before", "after", "actor_user_id",
        "actor_contact_id", "actor_label", "via_channel", "message_id", "created_at",
    ])
    tag_table = Table(Ticket.tags.through, ["ticket_id", "tag_id"])
    # The documents tessera.search.index builds, from the same parts in the same order
    # (subject, requester name and addresses, tag names, then messages oldest first, notes
    # apart); bench/test_generate.py compares them with the app's own build_documents().
    search_table = Table(SearchDocument, ["ticket_id", "public_text", "note_text", "indexed_at"])
    search_seconds = 0.0

    from django.db.models import Max

    ticket0, message0, event0 = _next_id(Ticket), _next_id(Message), _next_id(TicketEvent)
    number0 = max(999, int(Ticket.objects.aggregate(m=Max("number"))["m"] or 0)) + 1
    subjects = {lang: text.subject_pool(rng, lang, 400) for lang in text.LANGUAGES}
    customer_bodies = {lang: text.body_pool(rng, text.SENTENCES[lang], 600) for lang in text.LANGUAGES}
    agent_bodies = {lang: text.body_pool(rng, text.AGENT_SENTENCES[lang], 300) for lang in text.LANGUAGES}
    local_department = {"vi": ref.departments[3][0], "th": ref.departments[4][0], "pl": ref.departments[5][0]}
    general = [d for d, _ in ref.departments[:3]]
    dept_name = dict(ref.departments)
    statuses_recent, weights_recent = _weighted(STATUS_RECENT)
    statuses_old, weights_old = _weighted(STATUS_OLD)
    priorities, w_priority = _weighted(PRIORITIES)
    types, w_type = _weighted(TYPES)
    channels, w_channel = _weighted(CHANNELS)
    msg_counts, w_msgs = _weighted(MESSAGES_PER_TICKET)
    start = now - timedelta(days=HISTORY_DAYS)
    step = (now - start) / max(n, 1)
    recent_from = int(n * (1 - RECENT_SHARE))

    bar = Progress("tickets", n) if progress else None
    message_id, event_id = message0, event0
    tickets: list[tuple[Any, ...]] = []
    messages: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    ticket_tags: list[tuple[Any, ...]] = []
    documents: list[tuple[Any, ...]] = []
    for i in range(n):
        tid = ticket0 + i
        language = rng.choices(text.LANGUAGES, text.LANGUAGE_WEIGHTS)[0]
        if language != "en" and rng.random() < 0.6:
            dept = local_department[language]
        else:
            dept = rng.choice(general)
        requester, org_id = rng.choice(ref.contacts_by_language[language])
        created = start + step * i + timedelta(seconds=rng.uniform(0, step.total_seconds()))
        if i >= recent_from:
            status = rng.choices(statuses_recent, weights_recent)[0]
        else:
            status = rng.choices(statuses_old, weights_old)[0]
        channel = rng.choices(channels, w_channel)[0]
        agents = ref.agents_by_department[dept]
        assignee = None if status == "new" or rng.random() < 0.15 else rng.choice(agents)
        n_msgs = 1 if status == "new" else rng.choices(msg_counts, w_msgs)[0]
        subject = rng.choice(subjects[language])
        at = created
        first_response = last_customer = last_agent = None
        ticket_events: list[tuple[Any, ...]] = []
        public: list[str] = []
        notes: list[str] = []
        for k in range(n_msgs):
            if k:
                at = min(at + timedelta(minutes=rng.uniform(10, 2880)), now)
            mid = message_id
            message_id += 1
            if k % 2 == 0:
                body = rng.choice(customer_bodies[language])
                external = f"<gen-{tid}-{k}@mail.example.org>" if channel == "email" else ""
                messages.append((mid, tid, "public", "contact", None, requester, body, body, channel, external, at))
                public.append(body)
                ticket_events.append((tid, "message", "", None, None, None, requester, "", channel, mid, at))
                last_customer = at
            else:
                agent = assignee or rng.choice(agents)
                note = rng.random() < 0.1
                body = rng.choice(agent_bodies[language])
                messages.append((mid, tid, "note" if note else "public", "agent", agent[0], None, body, body, "agent", "", at))
                (notes if note else public).append(body)
                ticket_events.append((tid, "note" if note else "reply", "", None, None, agent[0], None, agent[1], "agent", mid, at))
                if not note:
                    first_response = first_response or at
                    last_agent = at
        updated = at
        created_after = {"subject": subject, "status": "new", "priority": "normal", "department": dept_name[dept], "channel": channel}
        events.append((event_id, tid, "created", "", None, json.dumps(created_after, ensure_ascii=False),
                       None, requester, "", channel, None, created))
        event_id += 1
        for row in ticket_events:
            events.append((event_id, *row))
            event_id += 1
        if assignee is not None:
            events.append((event_id, tid, "assigned", "assignee", None, json.dumps(assignee[1], ensure_ascii=False),
                           None, None, "Tessera", "system", None, created))
            event_id += 1
        if status != "new":
            events.append((event_id, tid, "status", "status", json.dumps("new"), json.dumps(status),
                           assignee[0] if assignee else None, None, assignee[1] if assignee else "Tessera",
                           "agent", None, updated))
            event_id += 1
        tickets.append((
            tid, number0 + i, subject, rng.choices(types, w_type)[0], status,
            rng.choices(priorities, w_priority)[0], dept, assignee[0] if assignee else None,
            requester, org_id, channel, "{}", first_response,
            updated if status in ("resolved", "closed") else None,
            updated if status == "closed" else None,
            updated, last_customer, last_agent, 1 + n_msgs, created, updated,
        ))
        tag_words: list[str] = []
        if rng.random() < 0.5:
            for tag in rng.sample(ref.tags, rng.randint(1, 3)):
                ticket_tags.append((tid, tag))
                tag_words.append(ref.tag_names[tag])
        t_search = time.perf_counter()
        documents.append((
            tid,
            compose([subject, *ref.contact_words[requester], *sorted(tag_words), *public], MAX_PUBLIC_CHARS),
            compose(notes, MAX_NOTE_CHARS),
            now,
        ))
        search_seconds += time.perf_counter() - t_search
        if len(tickets) >= BATCH or i == n - 1:
            # Parents first: the tables' foreign keys are checked per statement on SQLite.
            writer.write(ticket_table, tickets)
            writer.write(message_table, messages)
            writer.write(event_table, events)
            writer.write(tag_table, ticket_tags)
            t_search = time.perf_counter()
            writer.write(search_table, documents)
            search_seconds += time.perf_counter() - t_search
            writer.commit()
            tickets, messages, events, ticket_tags, documents = [], [], [], [], []
            if bar:
                bar.update(i + 1)
    if bar:
        bar.finish()
    return number0 + n - 1, search_seconds


def _drop_search_indexes() -> list[str]:
    """Drop the search documents' GIN (trigram) indexes for the load; returns how to rebuild them.

    Building a GIN index once over all rows is faster than growing it row by row under COPY
    (100k documents: 24 s for the whole search part instead of 32 s). The definitions are read
    from the catalog, so whatever the migrations define is what comes back.
    """
    from django.db import connection

    from tessera.search.models import SearchDocument

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [SearchDocument._meta.db_table, "% USING gin %"],
        )
        found = cur.fetchall()
        for name, _ in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _settle_search_index(definitions: list[str]) -> float:
    """The dropped indexes built again over all rows, then what ``tessera reindex_search`` does
    after a bulk rebuild: vacuum and analyse, so the planner sees the indexes' statistics."""
    from django.db import connection

    from tessera.search.models import SearchDocument

    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            for definition in definitions:
                cur.execute(definition)
            cur.execute("RESET maintenance_work_mem")
            cur.execute(f"VACUUM (ANALYZE) {SearchDocument._meta.db_table}")
    return time.perf_counter() - t0


def _fix_sequences(top_number: int) -> None:
    """Move every id sequence and the ticket-number sequence past what was written."""
    from django.db import connection

    from tessera.accounts.models import Contact, ContactIdentity, Organisation
    from tessera.tickets.models import Message, Ticket, TicketEvent

    models: list[Any] = [Organisation, Contact, ContactIdentity, Ticket, Message, TicketEvent, Ticket.tags.through]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for model in models:
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))", [table]
                )
            cur.execute("SELECT setval('tessera_ticket_number_seq', %s)", [top_number])
            cur.execute("ANALYZE")
        else:
            # AUTOINCREMENT tables already advanced sqlite_sequence; the number lives in a row.
            cur.execute(
                "INSERT INTO core_counter (name, value) VALUES ('ticket_number', %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [top_number],
            )
            cur.execute("ANALYZE")


def make_api_tokens(user_id: int, count: int) -> list[str]:
    """Write-scope personal tokens for the bench agent; the raw values exist only in memory."""
    from tessera.accounts.models import ApiToken

    raws = [ApiToken.generate() for _ in range(count)]
    ApiToken.objects.bulk_create(
        ApiToken(user_id=user_id, name=f"bench {i}", prefix=raw[:12], digest=ApiToken.hash(raw), scope="write")
        for i, raw in enumerate(raws)
    )
    return raws


def generate(n: int, *, seed: int = 20261122, progress: bool = True) -> dict[str, Any]:
    """Write N tickets (plus their people) into the configured database; returns a summary."""
    from django.db import transaction

    rng = random.Random(seed)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    with transaction.atomic():
        ref = _reference(rng)
    writer = Writer()
    try:
        t_drop = time.perf_counter()
        search_indexes = _drop_search_indexes()
        drop_seconds = time.perf_counter() - t_drop
        _people(writer, rng, n, now, ref)
        top, search_seconds = _tickets(writer, rng, n, ref, now, progress)
    finally:
        writer.close()
    _fix_sequences(top)
    search_seconds += drop_seconds + _settle_search_index(search_indexes)
    seconds = time.perf_counter() - t0
    return {
        "tickets": n,
        "rows": writer.rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(writer.rows / seconds),
        "tickets_per_s": round(n / seconds),
        # Of ``seconds``: folding the text of every ticket into its search document (the
        # app's own compose), writing those rows and settling their trigram indexes.
        "search_documents": n,
        "search_seconds": round(search_seconds, 2),
        "departments": [d for d, _ in ref.departments],
        "bench_agent_id": ref.bench_agent_id,
        "engine": writer.vendor,
    }


def iter_sizes(raw: str) -> Iterator[int]:
    for part in raw.split(","):
        part = part.strip().lower().replace("_", "")
        if part:
            mult = 1_000_000 if part.endswith("m") else 1000 if part.endswith("k") else 1
            yield int(part.rstrip("mk")) * mult


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate N realistic tickets into DATABASE_URL")
    parser.add_argument("--n", default="10000", help="tickets, e.g. 10000, 100k, 1m")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")
    configure_django(args.database_url, os.path.abspath("bench/work/data"))
    summary = generate(next(iter_sizes(args.n)), seed=args.seed)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
