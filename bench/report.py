"""Turn one run's results into the committed Markdown table and JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _lat(m: dict[str, Any] | None, keys: tuple[str, ...] = ("p50_ms", "p95_ms", "p99_ms")) -> str:
    if not m:
        return "-"
    return " / ".join(_ms(m.get(k)) for k in keys) + " ms"


def _ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "-"
    return f"{a / b:.1f}x" if a / b >= 1 else f"{a / b:.2f}x"


def _median(block: dict[str, Any] | None) -> dict[str, Any] | None:
    return block.get("median") if block else None


def rows(out: dict[str, Any]) -> list[list[str]]:
    """Workload | N | Tessera | django-helpdesk | Tessera vs peer | limit / efficiency."""
    table: list[list[str]] = []
    sizes = out["sizes"]
    for n, s in sizes.items():
        label = f"{int(n):,}"
        create = _median(s.get("tessera_create_http"))
        if s.get("tessera_create_http", {}).get("status") == "not measured":
            table.append(["Ticket create, HTTP API, 16 concurrent", label,
                          "not measured: " + s["tessera_create_http"]["why"], "-", "-", "-"])
        if create:
            peer = _median(s.get("peer_create", {}).get("api_post_ticket"))
            lim = _median(s.get("limit_create_raw"))
            table.append([
                "Ticket create, HTTP API, 16 concurrent", label,
                f"{create['ok_per_s']:.1f} created/s ({_lat(create)})"
                + (f"; plus {s['tessera_create_http']['non_2xx_total']} failed requests over all rounds"
                   if s["tessera_create_http"].get("non_2xx_total") else "; every response 201"),
                f"{peer['rps']:.1f} req/s ({_lat(peer)})" if peer else "not run",
                f"{_ratio(create['ok_per_s'], peer['rps'] if peer else None)} throughput",
                f"raw psycopg {lim['per_s']:.0f} tickets/s ({_lat(lim)}); Tessera at "
                f"{100 * create['ok_per_s'] / lim['per_s']:.0f}% of it" if lim else "-",
            ])
        tl = _median(s.get("tessera_list_http"))
        peer_reads = s.get("peer_reads", {})
        pl = _median(peer_reads.get("datatables_status_queue_filter"))
        table.append([
            "Agent list: status=open + department, 25 rows (HTTP)", label, _lat(tl),
            f"{_lat(pl, ('p50_ms', 'p95_ms'))} (staff list JSON, status+queue)" if pl else "not run",
            f"{_ratio(pl['p50_ms'], tl['p50_ms'])} faster (p50)" if pl and tl else "-", "-",
        ])
        pa = _median(peer_reads.get("api_tickets_list_status1"))
        if pa and tl:
            table.append([
                "  same, against the peer's REST list (?status=1)", label, _lat(tl),
                _lat(pa, ("p50_ms", "p95_ms")), f"{_ratio(pa['p50_ms'], tl['p50_ms'])} faster (p50)", "-",
            ])
        tp = _median(s.get("tessera_page_http"))
        pp = _median(peer_reads.get("ticket_detail_page"))
        table.append([
            "Ticket page: ticket + its messages (HTTP)", label, _lat(tp),
            f"{_lat(pp, ('p50_ms', 'p95_ms'))} (HTML ticket page)" if pp else "not run",
            f"{_ratio(pp['p50_ms'], tp['p50_ms'])} faster (p50)" if pp and tp else "-", "-",
        ])
        ti = _median(s.get("tessera_list_inprocess"))
        table.append(["Agent list, in-process `ticket_list()`", label, _lat(ti), "-", "-", "-"])
        table += search_rows(s, label)
        table += email_rows(s, label)
        table += rules_rows(s, label)
    return table


SEARCH_LABELS = {
    "en_word": "Keyword search (HTTP, 25 rows): English word",
    "vi_unaccented": "  Vietnamese typed without accents",
    "th_substring": "  Thai substring inside a word",
}


def search_rows(s: dict[str, Any], label: str) -> list[list[str]]:
    found = s.get("tessera_search_http")
    ps = _median(s.get("peer_reads", {}).get("datatables_keyword_search_hit"))
    if not found:
        # A results file from before search was measured.
        return [["Keyword search", label, "not measured in this run",
                 _lat(ps, ("p50_ms", "p95_ms")) if ps else "not run", "-", "-"]]
    table = []
    for name, title in SEARCH_LABELS.items():
        block = found.get(name)
        if not block:
            continue
        m = block["median"]
        hits = block.get("hits", {})
        cell = (f"{_lat(m)}; {block['rows']} rows on the page, {hits.get('total', '?'):,} matching in all"
                if isinstance(hits.get("total"), int) else f"{_lat(m)}; {block['rows']} rows")
        peer = ps if name == "en_word" else None
        table.append([
            f"{title} `{block['query']}`", label, cell,
            f"{_lat(ps, ('p50_ms', 'p95_ms'))} (staff list JSON, keyword `printer`)" if peer else "-",
            f"{_ratio(peer['p50_ms'], m['p50_ms'])} faster (p50)" if peer and m.get("p50_ms") else "-",
            "-",
        ])
    return table


def email_rows(s: dict[str, Any], label: str) -> list[list[str]]:
    block = s.get("tessera_email")
    if not block:
        return []
    m = block["median"]
    runs = block["runs"]
    right = sum(r["check"]["replies_threaded_right"] for r in runs)
    replies = sum(r["check"]["replies"] for r in runs)
    peer = _median(s.get("peer_email"))
    peer_runs = s.get("peer_email", {}).get("runs", [])
    lim = _median(s.get("limit_email_parse"))
    peer_threading = ", ".join(
        f"{r['threaded_by_in_reply_to']} by In-Reply-To + {r['threaded_by_subject_tag']} by subject tag" for r in peer_runs
    )
    return [[
        f"Email ingestion, {runs[0]['messages']:,} messages (half new, half replies), "
        f"{block.get('worker_processes', 1)} x `tessera worker --concurrency {block.get('worker_concurrency', '?')}`",
        label,
        f"{m['per_s']:.1f} messages/s end to end; per message (its ingest job) {_lat(m)}; "
        f"replies on the right ticket {right}/{replies}",
        f"{peer['all_msgs_per_s']:.1f} messages/s ({peer_threading})" if peer else "not run",
        f"{_ratio(m['per_s'], peer['all_msgs_per_s'])} throughput" if peer else "-",
        f"stdlib parse {lim['per_s']:,.0f} messages/s; Tessera at {100 * m['per_s'] / lim['per_s']:.1f}% of it"
        if lim else "-",
    ]]


RULE_EVENTS = {"customer_replied": "a customer reply", "ticket_created": "a new ticket"}


def rules_rows(s: dict[str, Any], label: str) -> list[list[str]]:
    block = s.get("rules")
    if not block:
        return []
    table = []
    for kind, what in RULE_EVENTS.items():
        entry = block.get(kind)
        if not entry:
            continue
        zero, full = entry["rules_0"]["median"], entry["rules_1000"]["median"]
        quiet = _median(entry.get("rules_1000_none_firing"))
        keys = ("p50_ms", "p95_ms")
        fired = block["always_matching"].get(kind, 0)
        table.append([
            f"Rules: processing {what} (process_ticket_events), 0 vs {block['rules']:,} active", label,
            f"{_lat(zero, keys)} with 0; {_lat(full, keys)} with {block['rules']:,} ({fired} of them fire)"
            + (f"; {_lat(quiet, keys)} with the same rules, none firing" if quiet else ""),
            "no rules engine", "-",
            f"{entry['ratio_p50']:.1f}x the cost with {block['rules']:,} rules (p50; target at most 1.5x)"
            + (f"; {entry['ratio_p50_none_firing']:.1f}x when none fires" if quiet else ""),
        ])
    return table


def scaling(out: dict[str, Any]) -> list[list[str]]:
    sizes = list(out["sizes"].items())
    if not sizes:
        return []
    base = _median(sizes[0][1].get("tessera_list_http"))
    table = []
    for n, s in sizes:
        m = _median(s.get("tessera_list_http"))
        pl = _median(s.get("peer_reads", {}).get("datatables_status_queue_filter"))
        table.append([
            f"{int(n):,}", _lat(m),
            f"{m['p95_ms'] / base['p95_ms']:.2f}x" if m and base else "-",
            str(s["targets"]["matching_open"]), _lat(pl, ("p50_ms", "p95_ms")) if pl else "-",
        ])
    return table


def search_scaling(out: dict[str, Any]) -> list[list[str]]:
    """Per N: each query's latency, the worst p95 against the smallest N, and the peer's search."""
    sizes = [(n, s) for n, s in out["sizes"].items() if s.get("tessera_search_http")]
    if not sizes:
        return []

    def worst_p95(s: dict[str, Any]) -> float:
        return max(b["median"]["p95_ms"] or 0 for b in s["tessera_search_http"].values())

    base = worst_p95(sizes[0][1])
    table = []
    for n, s in sizes:
        found = s["tessera_search_http"]
        ps = _median(s.get("peer_reads", {}).get("datatables_keyword_search_hit"))
        table.append([
            f"{int(n):,}",
            *(f"{_lat(found[name]['median'])} ({found[name].get('hits', {}).get('total', '?')} hits)"
              if name in found else "-" for name in SEARCH_LABELS),
            f"{worst_p95(s) / base:.2f}x" if base else "-",
            _lat(ps, ("p50_ms", "p95_ms")) if ps else "-",
        ])
    return table


def email_details(out: dict[str, Any]) -> list[str]:
    lines = []
    for n, s in out["sizes"].items():
        block = s.get("tessera_email")
        if not block:
            continue
        for i, r in enumerate(block["runs"], 1):
            c = r["check"]
            jobs = ", ".join(f"{k} {v['jobs']} ({v['seconds']:.1f} s)" for k, v in r["jobs"].items())
            lines.append(
                f"- N={int(n):,}, round {i}: stored in {r['store_seconds']:.1f} s (store p50 "
                f"{r['store']['p50_ms']:.1f} ms), worker {r['process_seconds']:.1f} s: {jobs}. Outcome "
                f"{c['statuses']}; {c['new_on_distinct_tickets']}/{c['new_messages']} new messages on distinct "
                f"new tickets; replies right by kind {c['by_kind']}; charsets {c['charsets']}; languages "
                f"{c['languages']}." + (f" Jobs not successful: {r['jobs_not_successful']}."
                                       if r["jobs_not_successful"] else "")
            )
        peer = s.get("peer_email")
        if peer:
            p = peer["median"]
            lines.append(
                f"- N={int(n):,}, peer: new {p['new_msgs_per_s']:.1f}/s, replies {p['reply_msgs_per_s']:.1f}/s, "
                f"SQL per new / reply message {p['sql_per_new_msg']:.1f} / {p['sql_per_reply_msg']:.1f} "
                "(`extract_email_metadata` in-line, one message at a time, mail to its dummy backend)."
            )
    return lines


def rules_details(out: dict[str, Any]) -> list[str]:
    lines = []
    for n, s in out["sizes"].items():
        block = s.get("rules")
        if not block or "customer_replied" not in block:
            continue
        lines.append(
            f"- N={int(n):,}: {block['rules']:,} trigger rules, of which "
            f"{sum(block['always_matching'].values())} match every event of their kind "
            f"({', '.join(f'{k} {v}' for k, v in block['always_matching'].items())}); every event on a ticket "
            f"of its own; {block.get('jobs_dropped', 0)} follow-up job rows of the measured events dropped after."
        )
        profile = block.get("profile_customer_replied_1000")
        if profile:
            lines += ["", "cProfile of a customer reply with 1,000 active rules (cumulative, then own time):", "",
                      "```", *profile, "```"]
    return lines


def _md_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def markdown(out: dict[str, Any]) -> str:
    m = out["meta"]
    a = m["args"]
    parts = [
        f"# Benchmark results: {m['date']} ({m['mode']})",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB RAM, kernel {m['kernel']}; "
        f"load average at start {' '.join(m['loadavg_start'])}, at end {' '.join(m.get('loadavg_end', []))}. "
        f"Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']} "
        f"({', '.join(f'{k}={v}' for k, v in m['postgresql_settings'].items())}), {m['uvicorn']}, {m['wrk']}. "
        f"Tessera commit {m['tessera_commit']} (plus uncommitted work in progress). Peer: {m['peer']}.",
        "",
        f"Command: `.venv/bin/python -m bench.run{' --quick' if m['mode'] == 'quick' else ''}` "
        f"(sizes {', '.join(f'{s:,}' for s in a['sizes'])}; {a['runs']} rounds per workload, peer and Tessera "
        f"alternating; creates {a['seconds']} s per round at concurrency {a['concurrency']}; reads "
        f"{a['reps']} sequential requests per round; {a['workers']} server workers on both sides: "
        f"uvicorn for Tessera, gunicorn sync for the peer). Wall time {m['wall_seconds']} s.",
        "",
        "Medians over rounds; latencies p50 / p95 / p99 (the peer harness reports p50 / p95 for reads). "
        "The machine is shared and noisy: quote the ratios, which come from the same run, not the "
        "absolute times.",
        "",
        _md_table(["workload", "N", "Tessera", "django-helpdesk 2.6.1", "Tessera vs peer", "limit / efficiency"],
                  rows(out)),
        "",
        "## Scaling of the agent list (HTTP, status=open + department, 25 rows)",
        "",
        _md_table(["N tickets", "Tessera p50 / p95 / p99", "p95 vs smallest N", "open tickets in that department",
                   "peer p50 / p95"], scaling(out)),
        "",
    ]
    if search_scaling(out):
        parts += [
            "## Scaling of keyword search (HTTP, 25 rows)",
            "",
            _md_table(["N tickets", *(f"`{q}` p50 / p95 / p99" for q in ("printer", "don hang", "พิมพ์")),
                       "worst p95 vs smallest N", "peer `printer` p50 / p95"], search_scaling(out)),
            "",
        ]
    for title, lines in (("Email ingestion, round by round", email_details(out)), ("Rules", rules_details(out))):
        if lines:
            parts += [f"## {title}", "", *lines, ""]
    parts += [
        "## SQL statements per request (counted in-process)",
        "",
    ]
    for n, s in out["sizes"].items():
        q = s.get("tessera_sql_per_request", {})
        create = s.get("tessera_create_http", {}).get("sql_per_create")
        peer_q = {k: v.get("sql_queries") for k, v in s.get("peer_reads", {}).items()}
        peer_c = {k: v.get("sql_per_create") for k, v in s.get("peer_create", {}).items()}
        parts.append(
            f"- N={int(n):,}: Tessera list {q.get('list')}, ticket {q.get('ticket')}, messages {q.get('messages')}"
            + (f", search {q['search']}" if "search" in q else "")
            + (f", create {create}" if create is not None else "")
            + (f"; peer {', '.join(f'{k} {v}' for k, v in {**peer_q, **peer_c}.items())}" if peer_q else "")
        )
    parts += ["", "## Data generated", ""]
    for n, s in out["sizes"].items():
        g = s["generate"]
        pl = s.get("peer_load")
        parts.append(
            f"- N={int(n):,}: {g['rows']:,} rows (tickets, messages, timeline entries, tags, contacts, "
            f"identities, organisations) in {g['seconds']} s, {g['rows_per_s']:,} rows/s by COPY"
            + (f"; of that, {g['search_seconds']} s for the {g['search_documents']:,} search documents (folded by "
               "the app's own `compose`, written by COPY, then VACUUM ANALYZE)" if "search_seconds" in g else "")
            + (f"; Tessera's own `reindex_search` over the same tickets: {s['search_reindex']['seconds']} s "
               f"({s['search_reindex']['per_s']:,} documents/s)" if s.get("search_reindex") else "")
            + (f"; the peer's own loader (ORM bulk_create, 4 rows per ticket): {pl['median_bulk_rows_per_s']:,.0f} rows/s"
               if pl else "")
            + (f"; {s['peer_skipped']}" if s.get("peer_skipped") else "")
        )
    if out.get("pending"):
        # Results files from before every workload was measured.
        parts += ["", "## Not yet measured", ""]
        parts += [f"- **{k}**: {v['why']}." for k, v in out["pending"].items()]
    parts += ["", "Raw numbers, every round: the JSON file of the same name.", ""]
    return "\n".join(parts)


def main() -> None:
    """Re-render a results JSON as Markdown: ``python -m bench.report bench/results/X.json``."""
    import sys

    js = Path(sys.argv[1])
    js.with_suffix(".md").write_text(markdown(json.loads(js.read_text())))


def write_reports(out: dict[str, Any], stem: Path) -> tuple[Path, Path]:
    md, js = stem.with_suffix(".md"), stem.with_suffix(".json")
    js.write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str) + "\n")
    md.write_text(markdown(out))
    return md, js


if __name__ == "__main__":
    main()
