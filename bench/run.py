"""The whole benchmark suite in one command; writes bench/results/<date>-<mode>.{md,json}.

    .venv/bin/python -m bench.run --quick                # 10k tickets, short runs, < 10 min
    .venv/bin/python -m bench.run                        # 10k and 100k, longer runs
    .venv/bin/python -m bench.run --sizes 10k,100k,1m --runs 5

For every size: a fresh database cloned from a freshly migrated template, the generator,
then each workload in rounds that alternate django-helpdesk and Tessera, so that a noisy
neighbour hurts both sides alike. Medians over rounds are reported, and ratios are taken
between medians of the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench import mail, peer
from bench.generate import configure_django, generate, iter_sizes, make_api_tokens
from bench.paths import RESULTS, ROOT, VENV, WORK
from bench.report import write_reports
from bench.server import Uvicorn, wait_port_free
from bench.stats import median_of
from bench.workloads import email_ingest, http_create, limit, reads, rules, search

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tessera_bench"
TOKENS = 64
LAT_KEYS = ("p50_ms", "p95_ms", "p99_ms")


def log(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


# -- databases ---------------------------------------------------------------------------------


def _with_db(url: str, name: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


def _db_name(url: str) -> str:
    return url.rpartition("/")[2].split("?")[0]


def _admin(url: str, *statements: sql.Composed) -> None:
    with psycopg.connect(_with_db(url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def build_template(url: str) -> str:
    """A freshly migrated database to clone each size from (CREATE DATABASE ... TEMPLATE)."""
    template = _db_name(url) + "_tmpl"
    _admin(
        url,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(template)),
        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)),
    )
    env = dict(os.environ, DATABASE_URL=_with_db(url, template), TESSERA_SECRET_KEY="bench-" + "m" * 40,
               TESSERA_DEBUG="false", TESSERA_DATA_DIR=str(WORK / "data"))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([str(VENV / "bin" / "tessera"), "migrate", "--noinput", "-v", "0"], env=env, check=True)
    return template


def fresh_database(url: str, template: str) -> None:
    from django.db import connections

    connections.close_all()
    for conn in connections.all():
        # With Django's connection pool, close_all() only hands connections back to the pool;
        # the DROP below would then kill them under the pool's feet.
        close_pool = getattr(conn, "close_pool", None)
        if close_pool is not None:
            close_pool()
    name = _db_name(url)
    _admin(
        url,
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)),
    )


# -- machine -----------------------------------------------------------------------------------


def _first_line(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "unavailable"


def machine_facts(url: str) -> dict[str, Any]:
    import django

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
    with psycopg.connect(_with_db(url, "postgres")) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg_settings = {k: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(k))).fetchone()[0]  # type: ignore[index]
                       for k in ("shared_buffers", "synchronous_commit", "max_connections")}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": row[0] if row else "unknown",
        "postgresql_settings": pg_settings,
        "uvicorn": _first_line([str(VENV / "bin" / "uvicorn"), "--version"]),
        "wrk": _first_line(["wrk", "--version"]),
        "tessera_commit": _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
    }


# -- workloads ---------------------------------------------------------------------------------


def pick_targets(user_id: int) -> dict[str, Any]:
    """The department the list filters on, a requester for creates, a ticket for the page."""
    from django.db.models import Count

    from tessera.accounts.models import Contact, Department
    from tessera.tickets.models import Ticket

    dept = Department.objects.get(name="Technical support")
    contact = Contact.objects.filter(organisation__isnull=False).order_by("id").first()
    assert contact is not None
    # A long conversation near the top of the list: what an agent opens most.
    ticket = (
        Ticket.objects.filter(department=dept).annotate(m=Count("messages")).filter(m__gte=5)
        .order_by("-updated_at").first()
    )
    assert ticket is not None
    return {
        "department": dept.pk,
        "matching_open": Ticket.objects.filter(department=dept, status="open").count(),
        "requester": contact.pk,
        "organisation": contact.organisation_id,
        "ticket_number": ticket.number,
        "ticket_messages": ticket.m,  # type: ignore[attr-defined]
        "user": user_id,
    }


def tessera_reads(server: Uvicorn, token: str, t: dict[str, Any], reps: int) -> dict[str, Any]:
    list_path = f"/api/v1/tickets?status=open&department={t['department']}&limit=25"
    page_paths = [f"/api/v1/tickets/{t['ticket_number']}", f"/api/v1/tickets/{t['ticket_number']}/messages"]
    listing = reads.http_get_series(server.base, token, [list_path], reps=reps)
    rows = len(listing.pop("last")[0]["items"])
    page = reads.http_get_series(server.base, token, page_paths, reps=reps)
    page.pop("last")
    found = {
        name: search.summarise(reads.http_get_series(server.base, token, [search.path(query)], reps=reps))
        for name, query in search.SEARCHES.items()
    }
    return {"list": {**listing, "rows": rows}, "page": page, "search": found}


def aggregate(runs: list[dict[str, Any]], keys: tuple[str, ...] = LAT_KEYS) -> dict[str, Any]:
    return {"runs": runs, "median": median_of(runs, keys)}


def peer_list_round(n: int, reps: int, first: bool) -> dict[str, Any]:
    endpoints = "datatables_status_queue_filter,datatables_keyword_search_hit,ticket_detail_page"
    if first:
        # Seconds per request and O(N): one round shows its size; three would cost minutes.
        endpoints += ",api_tickets_list_status1"
    data = peer.run(n, "list", ["--endpoints", endpoints, "--reps", str(reps), "--slow-reps", "2"], log)
    return {k: v for k, v in data["list"].items() if isinstance(v, dict) and "p50_ms" in v}


def run_size(n: int, args: argparse.Namespace, url: str, template: str, peer_ok: bool,
             do_create: bool, out: dict[str, Any]) -> None:
    fresh_database(url, template)
    log(f"N={n:,}: generating")
    gen = generate(n)
    log(f"N={n:,}: {gen['rows']:,} rows in {gen['seconds']} s ({gen['rows_per_s']:,} rows/s), of which "
        f"{gen['search_seconds']} s for {gen['search_documents']:,} search documents")
    tokens = make_api_tokens(gen["bench_agent_id"], TOKENS)
    t = pick_targets(gen["bench_agent_id"])
    size: dict[str, Any] = {"generate": gen, "targets": t}
    out["sizes"][str(n)] = size
    if do_create:
        search_reindex(size)
    run_peer = peer_ok and n <= args.peer_max_size
    if peer_ok and not run_peer:
        size["peer_skipped"] = f"N={n:,} is above --peer-max-size {args.peer_max_size:,}"
    if run_peer:
        log(f"N={n:,}: peer bulk load")
        loaded = peer.run(n, "load", ["--runs", "1", "--save-n", "0"], log)
        size["peer_load"] = {"median_bulk_rows_per_s": loaded["load"]["median_bulk_rows_per_s"],
                             "counts_after": loaded["load"]["counts_after"]}

    from django.db import connections

    tessera_runs: list[dict[str, Any]] = []
    peer_runs: list[dict[str, Any]] = []
    for r in range(args.runs):
        if run_peer:
            peer_runs.append(peer_list_round(n, args.reps, first=(r == 0)))
            log(f"N={n:,} reads round {r + 1}: peer filtered list p50 "
                f"{peer_runs[-1]['datatables_status_queue_filter']['p50_ms']:.0f} ms")
        connections.close_all()
        wait_port_free(args.port)
        with Uvicorn(url, port=args.port, workers=args.workers) as server:
            tessera_runs.append(tessera_reads(server, tokens[0], t, args.reps))
        log(f"N={n:,} reads round {r + 1}: tessera list p50 {tessera_runs[-1]['list']['p50_ms']:.1f} ms, "
            f"page p50 {tessera_runs[-1]['page']['p50_ms']:.1f} ms")
    size["tessera_list_http"] = aggregate([x["list"] for x in tessera_runs])
    size["tessera_search_http"] = {
        name: {**aggregate([x["search"][name] for x in tessera_runs]), "query": query,
               "rows": tessera_runs[-1]["search"][name]["rows"]}
        for name, query in search.SEARCHES.items()
    }
    for name, hits in search.hit_counts().items():
        size["tessera_search_http"][name]["hits"] = hits
    size["tessera_list_http"]["rows"] = tessera_runs[-1]["list"]["rows"]
    size["tessera_page_http"] = aggregate([x["page"] for x in tessera_runs])
    size["tessera_list_inprocess"] = aggregate(
        [reads.inprocess_list(t["user"], t["department"], reps=args.reps) for _ in range(args.runs)]
    )
    size["tessera_sql_per_request"] = reads.query_counts(tokens[0], {
        "list": f"/api/v1/tickets?status=open&department={t['department']}&limit=25",
        "ticket": f"/api/v1/tickets/{t['ticket_number']}",
        "messages": f"/api/v1/tickets/{t['ticket_number']}/messages",
        "search": search.path(search.SEARCHES["vi_unaccented"]),
    })
    if run_peer:
        size["peer_reads"] = {
            name: {"runs": [p[name] for p in peer_runs if name in p],
                   "median": median_of([p[name] for p in peer_runs if name in p], ("p50_ms", "p95_ms")),
                   "sql_queries": peer_runs[0][name].get("sql_queries")}
            for name in peer_runs[0]
        }
    if do_create:
        email_workload(n, args, url, t, run_peer, size)
        rules_workload(args, t, size)
        create_workloads(n, args, url, t, tokens, run_peer, size)


def search_reindex(size: dict[str, Any]) -> None:
    """Tessera's own rebuild (``tessera reindex_search``) over the generated tickets, timed: what
    an operator runs after an import. It rewrites the documents the generator wrote."""
    from django.core.management import call_command

    from tessera.search.models import SearchDocument

    t0 = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("reindex_search", stdout=quiet)
    seconds = time.perf_counter() - t0
    documents = SearchDocument.objects.count()
    size["search_reindex"] = {"documents": documents, "seconds": round(seconds, 2),
                              "per_s": round(documents / seconds)}
    log(f"reindex_search: {documents:,} documents in {seconds:.1f} s")


def email_workload(n: int, args: argparse.Namespace, url: str, t: dict[str, Any], run_peer: bool,
                   size: dict[str, Any]) -> None:
    from django.db import connections

    from tessera.jobs.models import Job

    rng = random.Random(20261122)
    mailbox = email_ingest.setup(t["department"])
    pending = Job.objects.filter(status="READY").count()
    senders = email_ingest.senders(rng, 2000)
    per_round = round((email_ingest.K - email_ingest.K // 2) * mail.REPLY_TO_DATA_SHARE)
    threads = email_ingest.data_threads(rng, per_round * args.email_rounds)
    tessera_runs: list[dict[str, Any]] = []
    limit_runs: list[dict[str, Any]] = []
    peer_runs: list[dict[str, Any]] = []
    for r in range(args.email_rounds):
        if run_peer:
            data = peer.run(n, "email", ["--runs", "1", "--k", str(email_ingest.K), "--probe", "0"], log)
            peer_runs.append(data["email"]["runs"][0])
            log(f"email round {r + 1}: peer {peer_runs[-1]['all_msgs_per_s']:.1f} messages/s")
        # The tag makes every Message-ID new: stored mail is deduplicated by it.
        batch = mail.plan_batch(rng, email_ingest.K, f"{int(time.time())}r{r}", senders,
                                threads[r * per_round:(r + 1) * per_round])
        limit_runs.append(email_ingest.limit_parse(batch))
        connections.close_all()
        res = email_ingest.tessera_round(url, mailbox, batch, concurrency=args.worker_concurrency,
                                         processes=args.worker_processes)
        tessera_runs.append(res)
        check = res["check"]
        log(f"email round {r + 1}: tessera {res['per_s']:.1f} messages/s (store {res['store_seconds']:.1f} s, "
            f"worker {res['process_seconds']:.1f} s), process_inbound p50 {res['p50_ms']:.0f} ms; replies threaded "
            f"right {check['replies_threaded_right']}/{check['replies']}; stdlib parse {limit_runs[-1]['per_s']:.0f}/s")
    size["tessera_email"] = aggregate(tessera_runs, ("per_s", *LAT_KEYS))
    size["tessera_email"]["worker_concurrency"] = args.worker_concurrency
    size["tessera_email"]["worker_processes"] = args.worker_processes
    size["tessera_email"]["ready_jobs_before"] = pending
    size["limit_email_parse"] = aggregate(limit_runs, ("per_s", *LAT_KEYS))
    if peer_runs:
        size["peer_email"] = {"runs": peer_runs, "median": median_of(
            peer_runs, ("all_msgs_per_s", "new_msgs_per_s", "reply_msgs_per_s", "sql_per_new_msg", "sql_per_reply_msg"))}


def rules_workload(args: argparse.Namespace, t: dict[str, Any], size: dict[str, Any]) -> None:
    from django.db.models import Max

    from tessera.accounts.models import Department
    from tessera.jobs.models import Job

    rng = random.Random(7)
    first_job = (Job.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    departments = list(Department.objects.values_list("pk", flat=True))
    active_before = rules.active_rule_ids()
    rules.setup(rng, departments)
    kinds = ("customer_replied", "ticket_created")
    warmup = 2
    # 0 rules; the 1,000 with none of them firing; the 1,000 with the few that always match.
    configs = {"rules_0": (False, False), "rules_1000_none_firing": (True, False), "rules_1000": (True, True)}
    pool = rules.ticket_pool(rng, args.runs * len(configs) * (args.rules_reps + warmup) + 20)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {k: {c: [] for c in configs} for k in kinds}
    try:
        for r in range(args.runs):
            for config, (active, firing) in configs.items():
                rules.set_active(active, firing=firing)
                for kind in kinds:
                    runs[kind][config].append(
                        rules.measure(kind, rng, pool, t["department"], reps=args.rules_reps, warmup=warmup))
            reply = runs["customer_replied"]
            log(f"rules round {r + 1}: customer reply p50 {reply['rules_0'][-1]['p50_ms']:.0f} ms with 0 rules, "
                f"{reply['rules_1000_none_firing'][-1]['p50_ms']:.0f} ms with 1,000 none firing, "
                f"{reply['rules_1000'][-1]['p50_ms']:.0f} ms with 1,000")
        out: dict[str, Any] = {"rules": rules.RULES, "always_matching": rules.ALWAYS_MATCHING}
        for kind in kinds:
            blocks = {config: aggregate(runs[kind][config]) for config in configs}
            base = blocks["rules_0"]["median"]["p50_ms"]
            out[kind] = {
                **blocks,
                "ratio_p50": blocks["rules_1000"]["median"]["p50_ms"] / base,
                "ratio_p50_none_firing": blocks["rules_1000_none_firing"]["median"]["p50_ms"] / base,
            }
        if max(out[k]["ratio_p50"] for k in kinds) > rules.TARGET_RATIO:
            rules.set_active(True)
            out["profile_customer_replied_1000"] = rules.profile(
                "customer_replied", rng, pool, t["department"], events=8)
        size["rules"] = out
    finally:
        rules.restore(active_before)
        size.setdefault("rules", {})["jobs_dropped"] = rules.cleanup_jobs(first_job)


def create_workloads(n: int, args: argparse.Namespace, url: str, t: dict[str, Any], tokens: list[str],
                     run_peer: bool, size: dict[str, Any]) -> None:
    from django.db import connections

    from tessera.tickets.models import Ticket

    body = http_create.create_body(t["department"], t["requester"])
    try:
        # One create in-process first: a create that fails must be reported, not timed.
        sql_per_create = _tessera_create_queries(tokens[0], t)
    except Exception as exc:
        size["tessera_create_http"] = {"status": "not measured", "why": f"a single create failed: {exc}"}
        log(size["tessera_create_http"]["why"])
        return
    tessera_runs: list[dict[str, Any]] = []
    limit_runs: list[dict[str, Any]] = []
    peer_runs: list[dict[str, Any]] = []
    created_before = Ticket.objects.count()
    for r in range(args.runs):
        if run_peer:
            data = peer.run(n, "http", ["--runs", "1", "--seconds", str(args.seconds), "--conc", str(args.concurrency),
                                        "--workers", str(args.workers), "--conc1-seconds", "0"], log)
            http = data["http"]
            peer_runs.append({
                "api_post_ticket": http["api_post_ticket"]["runs"][0],
                "public_form_submit": http["public_form_submit"]["runs"][0],
                "sql_per_create": http["sql_per_create"],
            })
            log(f"create round {r + 1}: peer API {peer_runs[-1]['api_post_ticket']['rps']:.1f} req/s")
        connections.close_all()
        wait_port_free(args.port)
        with Uvicorn(url, port=args.port, workers=args.workers) as server:
            if r == 0:
                http_create.run_wrk(server.base, "/api/v1/tickets", body, tokens, concurrency=args.concurrency, seconds=3)
            res = http_create.run_wrk(server.base, "/api/v1/tickets", body, tokens,
                                      concurrency=args.concurrency, seconds=args.seconds)
        tessera_runs.append(res)
        log(f"create round {r + 1}: tessera API {res['per_s']:.1f} req/s, p50 {res['p50_ms']:.0f} ms, "
            f"non-2xx {res['non_2xx_3xx']}")
        lim = limit.raw_insert(_psycopg_url(url), concurrency=args.concurrency, seconds=args.seconds,
                               dept=t["department"], requester=t["requester"], org=t["organisation"], user=t["user"])
        limit_runs.append(lim)
        if lim["errors"]:
            raise RuntimeError(f"the raw-insert limit failed: {lim['errors'][0]}")
        log(f"create round {r + 1}: raw psycopg limit {lim['per_s']:.1f} tickets/s, p50 {lim['p50_ms']:.1f} ms")
    size["tessera_create_http"] = aggregate(tessera_runs, ("per_s", "ok_per_s", *LAT_KEYS))
    size["tessera_create_http"]["non_2xx_total"] = sum(x["non_2xx_3xx"] for x in tessera_runs)
    size["tessera_create_http"]["tickets_created_incl_warmup_and_limit"] = Ticket.objects.count() - created_before
    size["tessera_create_http"]["sql_per_create"] = sql_per_create
    size["limit_create_raw"] = aggregate(limit_runs, ("per_s", *LAT_KEYS))
    if run_peer:
        size["peer_create"] = {
            name: {"runs": [p[name] for p in peer_runs],
                   "median": median_of([p[name] for p in peer_runs], ("rps", "p50_ms", "p95_ms", "p99_ms")),
                   "sql_per_create": peer_runs[-1]["sql_per_create"][name]["queries"]}
            for name in ("api_post_ticket", "public_form_submit")
        }


def _psycopg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _tessera_create_queries(token: str, t: dict[str, Any]) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    body = http_create.create_body(t["department"], t["requester"]).replace("@SEQ@", "qc")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    client.post("/api/v1/tickets", body, content_type="application/json")
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/tickets", body, content_type="application/json")
    if response.status_code != 201:
        raise RuntimeError(f"create returned {response.status_code}: {response.content[:300]!r}")
    return len(ctx.captured_queries)


# -- entry point -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="10k tickets, short runs (under 10 minutes)")
    p.add_argument("--sizes", help="ticket counts, e.g. 10k,100k,1m (default 10k,100k; --quick: 10k)")
    p.add_argument("--runs", type=int, help="rounds per workload, medians reported (default 3)")
    p.add_argument("--seconds", type=int, help="seconds per create run (default 15; --quick 8)")
    p.add_argument("--reps", type=int, help="sequential requests per read round (default 50; --quick 20)")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--workers", type=int, default=2, help="server worker processes, both sides")
    p.add_argument("--port", type=int, default=8766)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--no-peer", action="store_true", help="skip django-helpdesk")
    p.add_argument("--peer-max-size", type=int, default=100_000, help="largest N the peer is loaded with")
    p.add_argument("--tag", default="", help="suffix for the results file name")
    p.add_argument("--email-rounds", type=int,
                   help="rounds of 1,000 messages per side (default --runs; --quick 1)")
    p.add_argument("--worker-concurrency", type=int, default=email_ingest.WORKER_CONCURRENCY,
                   help="threads of each `tessera worker` process that processes the mail (default 2)")
    p.add_argument("--worker-processes", type=int, default=email_ingest.WORKER_PROCESSES,
                   help="`tessera worker` processes (default 2: one per core, as deployed)")
    p.add_argument("--rules-reps", type=int, help="events per kind, rule configuration and round (default 40; --quick 12)")
    a = p.parse_args(argv)
    a.sizes = list(iter_sizes(a.sizes or ("10k" if a.quick else "10k,100k")))
    a.runs = a.runs or 3
    a.seconds = a.seconds or (8 if a.quick else 15)
    a.reps = a.reps or (20 if a.quick else 50)
    a.email_rounds = a.email_rounds or (1 if a.quick else a.runs)
    a.rules_reps = a.rules_reps or (12 if a.quick else 40)
    if not a.database_url.startswith(("postgres://", "postgresql://")):
        p.error("the suite runs on PostgreSQL (the peer comparison needs the same engine)")
    return a


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.time()
    WORK.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    log("building the migrated template database")
    template = build_template(url)
    configure_django(url, str(WORK / "data"))
    out: dict[str, Any] = {
        "meta": {**machine_facts(url), "mode": "quick" if args.quick else "full",
                 "args": {k: v for k, v in vars(args).items() if k != "database_url"}},
        "sizes": {},
    }
    peer_ok = False
    if args.no_peer:
        out["meta"]["peer"] = "skipped (--no-peer)"
    else:
        try:
            out["meta"]["peer"] = peer.prepare(log)
            peer_ok = True
        except peer.PeerUnavailable as exc:
            out["meta"]["peer"] = f"not run: {exc}"
            log(out["meta"]["peer"])
    if not http_create.wrk_available():
        raise SystemExit("wrk is needed for the create workload: apt-get install wrk")
    for i, n in enumerate(args.sizes):
        try:
            run_size(n, args, url, template, peer_ok, do_create=(i == 0), out=out)
        except peer.PeerUnavailable as exc:
            # The peer failing mid-run must not cost Tessera's numbers: say why, go on without it.
            out["meta"]["peer"] = f"stopped: {exc}"
            log(out["meta"]["peer"])
            peer_ok = False
            run_size(n, args, url, template, peer_ok, do_create=(i == 0), out=out)
    out["meta"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    out["meta"]["wall_seconds"] = round(time.time() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = datetime.now(UTC).strftime("%Y-%m-%d") + ("-quick" if args.quick else "-full") + args.tag
    md, js = write_reports(out, RESULTS / stem)
    log(f"done in {out['meta']['wall_seconds']} s: {md} and {js}")
    print(md.read_text())


if __name__ == "__main__":
    main()

