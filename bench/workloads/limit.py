"""The machine's limit for ticket creation: the same rows, raw psycopg, no framework.

Each transaction writes what ``POST /api/v1/tickets`` writes: the next ticket number from the
sequence, the ticket row, the first message, two timeline entries (created, message) and the
job row that hands the events to the background worker. Column lists come from the models so
every column the ORM would send is sent here too. Threads with one connection each, at the
same concurrency as the HTTP workload; psycopg releases the GIL while it waits on the server,
so the threads overlap their round trips the way server workers would.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench.generate import Table
from bench.stats import latency_summary


def _insert_sql(table: Table, returning: bool = True) -> str:
    cols = ", ".join(table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    return f"INSERT INTO {table.name} ({cols}) VALUES ({marks})" + (" RETURNING id" if returning else "")


class Statements:
    def __init__(self) -> None:
        from tessera.jobs.models import Job
        from tessera.tickets.models import Message, Ticket, TicketEvent

        self.ticket = Table(Ticket, [
            "number", "subject", "type", "status", "priority", "department_id", "requester_id",
            "organisation_id", "channel", "custom_fields", "status_changed_at",
            "last_customer_message_at", "created_at", "updated_at",
        ])
        self.message = Table(Message, [
            "ticket_id", "kind", "author_kind", "author_contact_id", "body_text", "channel",
            "thread_reason", "created_at",
        ])
        self.event = Table(TicketEvent, [
            "ticket_id", "kind", "after", "actor_user_id", "actor_label", "via_channel",
            "message_id", "created_at",
        ])
        self.job = Table(Job, ["task_path", "queue_name", "args", "status", "run_after", "enqueued_at"])
        self.ticket_sql = _insert_sql(self.ticket)
        self.message_sql = _insert_sql(self.message)
        # bulk_create writes both timeline entries in one statement; so does this.
        cols = ", ".join(self.event.columns)
        row = "(" + ", ".join(["%s"] * len(self.event.columns)) + ")"
        self.events_sql = f"INSERT INTO {self.event.name} ({cols}) VALUES {row}, {row} RETURNING id"
        self.job_sql = _insert_sql(self.job)


def _one_ticket(conn: psycopg.Connection[Any], st: Statements, seq: int, dept: int, requester: int,
                org: int | None, user: int) -> None:
    now = datetime.now(UTC)
    subject = f"Không in được hóa đơn - drukarka nie działa raw-{seq}"
    body = "Máy in không hoạt động từ sáng nay. เครื่องพิมพ์ไม่ทำงาน. Drukarka nie drukuje faktur."
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT nextval('tessera_ticket_number_seq')")
        number = cur.fetchone()[0]  # type: ignore[index]
        cur.execute(st.ticket_sql, (number, subject, "question", "new", "normal", dept, requester, org,
                                    "api", "{}", now, now, now, now, *st.ticket.extra))
        ticket_id = cur.fetchone()[0]  # type: ignore[index]
        cur.execute(st.message_sql, (ticket_id, "public", "contact", requester, body, "api", "{}", now,
                                     *st.message.extra))
        message_id = cur.fetchone()[0]  # type: ignore[index]
        created = json.dumps({"subject": subject, "type": "question", "priority": "normal", "status": "new",
                              "channel": "api"}, ensure_ascii=False)
        cur.execute(st.events_sql, (
            ticket_id, "created", created, user, "Bench Agent", "api", None, now, *st.event.extra,
            ticket_id, "message", None, user, "Bench Agent", "api", message_id, now, *st.event.extra,
        ))
        event_ids = [r[0] for r in cur.fetchall()]
        cur.execute(st.job_sql, ("tessera.tickets.tasks.process_ticket_events", "default",
                                 json.dumps([event_ids]), "READY", now, now, *st.job.extra))


def raw_insert(dsn: str, *, concurrency: int, seconds: float, dept: int, requester: int,
               org: int | None, user: int) -> dict[str, Any]:
    st = Statements()
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors: list[str] = []
    stop_at = 0.0
    ready = threading.Barrier(concurrency + 1)
    go = threading.Event()

    def worker(k: int) -> None:
        try:
            with psycopg.connect(dsn) as conn:
                ready.wait()
                go.wait()
                seq = 0
                while time.perf_counter() < stop_at:
                    seq += 1
                    t0 = time.perf_counter()
                    _one_ticket(conn, st, k * 10_000_000 + seq, dept, requester, org, user)
                    latencies[k].append((time.perf_counter() - t0) * 1000)
        except Exception as exc:  # reported, never hidden: a failed limit run is not a limit
            errors.append(repr(exc))
            if not ready.broken:
                ready.abort()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()  # a worker that failed to connect broke it; its error is reported below
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    flat = [x for per in latencies for x in per]
    out = latency_summary(flat, elapsed)
    out["errors"] = errors[:3]
    return out
