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
        ps = _median(peer_reads.get("datatables_keyword_search_hit"))
        table.append([
            "Keyword search", label, "not yet measured",
            _lat(ps, ("p50_ms", "p95_ms")) if ps else "not run", "-", "-",
        ])
    first = next(iter(sizes), None)
    for name, label in (("email_ingest", "Email ingestion, 1,000 messages"), ("rules", "Rules: 0 vs 1,000 active")):
        table.append([label, f"{int(first):,}" if first else "-", "not yet measured",
                      "not run in this suite yet" if name == "email_ingest" else "no rules engine", "-", "-"])
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
            + (f"; the peer's own loader (ORM bulk_create, 4 rows per ticket): {pl['median_bulk_rows_per_s']:,.0f} rows/s"
               if pl else "")
            + (f"; {s['peer_skipped']}" if s.get("peer_skipped") else "")
        )
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
