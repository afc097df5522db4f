"""The desk's report page and its CSV exports. Parse the filters, call one query, render."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from tessera.core.errors import TesseraError, ValidationFailed
from tessera.reports import queries
from tessera.reports.csvout import Cell, to_csv
from tessera.reports.period import PRESETS, Period, checked, last_days, parse_period
from tessera.web.decorators import agent_required, request_actor

DEFAULT_DAYS = 30
CHART_WIDTH = 720
CHART_HEIGHT = 160
BAR_WIDTH = 120


@dataclass(frozen=True)
class Filters:
    period: Period
    range: str  # "7", "30", "90" or "custom"
    department: int | None


def parse_filters(params: QueryDict, today: date) -> Filters:
    """The page's query string; anything unusable is a ValidationFailed naming the field."""
    department_raw = params.get("department", "").strip()
    department: int | None = None
    if department_raw:
        if not department_raw.isdigit() or len(department_raw) > 18:
            raise ValidationFailed(_("Choose a department from the list"), field="department")
        department = int(department_raw)
    chosen = params.get("range", "").strip()
    if chosen == "custom" or (not chosen and (params.get("from") or params.get("to"))):
        return Filters(parse_period(params.get("from"), params.get("to"), today=today), "custom", department)
    if not chosen:
        chosen = str(DEFAULT_DAYS)
    if chosen not in {str(days) for days in PRESETS}:
        raise ValidationFailed(_("Choose a period from the list"), field="range")
    return Filters(checked(last_days(int(chosen), today)), chosen, department)


# ----------------------------------------------------------------------------- CSV tables


Table = tuple[list[str], list[Sequence[Cell]]]


def _daily(s: queries.Summary) -> Table:
    return [_("Day"), _("Created"), _("Resolved")], [(d.day.isoformat(), d.created, d.resolved) for d in s.volume.days]


def _rows(rows: list[queries.Row], what: str) -> Table:
    return [what, _("Created"), _("Resolved")], [(r.label, r.created, r.resolved) for r in rows]


def _indicators(s: queries.Summary) -> Table:
    v, k = s.volume, s.indicators
    rows: list[Sequence[Cell]] = [
        (_("Tickets created"), v.created), (_("Tickets resolved"), v.resolved), (_("Reopened"), v.reopened),
        (_("Backlog at the end"), v.backlog),
        (_("First response, median (hours)"), k.first_response.median_hours),
        (_("First response, 90th percentile (hours)"), k.first_response.p90_hours),
        (_("Resolution, median (hours)"), k.resolution.median_hours),
        (_("Resolution, 90th percentile (hours)"), k.resolution.p90_hours),
        (_("First response SLA breach rate"), k.sla.first_response_rate),
        (_("Resolution SLA breach rate"), k.sla.resolution_rate),
        (_("Ratings"), k.satisfaction.count), (_("Average rating"), k.satisfaction.average),
    ]
    rows += [(_("Rated %(score)d") % {"score": score}, n) for score, n in k.satisfaction.distribution.items()]
    return [_("Indicator"), _("Value")], rows


def _tags(s: queries.Summary) -> Table:
    return [_("Tag"), _("Tickets"), _("Previous period"), _("Change"), _("Change (%)")], [
        (t.name, t.tickets, t.previous, t.change, t.change_percent) for t in s.tags
    ]


def _problems(s: queries.Summary) -> Table:
    return [_("Ticket"), _("Subject"), _("Status"), _("Incidents in the period"), _("Incidents in all")], [
        (p.display_number, p.subject, p.status, p.incidents, p.incidents_total) for p in s.problems.problems
    ]


def _words(s: queries.Summary) -> Table:
    return [_("Word"), _("Tickets")], [(w.word, w.tickets) for w in s.problems.words]


def _agents(s: queries.Summary) -> Table:
    return [_("Agent"), _("Resolved"), _("First responses"), _("Median first response (hours)"), _("Ratings"),
            _("Average rating")], [
        (a.name, a.resolved, a.first_responses, a.median_first_response_hours, a.ratings, a.average_rating)
        for a in s.agents
    ]


TABLES: dict[str, Callable[[queries.Summary], Table]] = {
    "indicators": _indicators,
    "daily": _daily,
    "departments": lambda s: _rows(s.volume.by_department, _("Department")),
    "channels": lambda s: _rows(s.volume.by_channel, _("Channel")),
    "priorities": lambda s: _rows(s.volume.by_priority, _("Priority")),
    "tags": _tags,
    "problems": _problems,
    "words": _words,
    "agents": _agents,
}


def _csv(summary: queries.Summary, table: str) -> HttpResponse:
    header, rows = TABLES[table](summary)
    response = HttpResponse(to_csv(header, rows), content_type="text/csv; charset=utf-8")
    name = f"tessera-{table}-{summary.period.start.isoformat()}-{summary.period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ----------------------------------------------------------------------------- charts


def _day_chart(days: list[queries.Day]) -> dict[str, Any]:
    """Coordinates for an inline SVG: per day a created bar and a resolved bar side by side."""
    peak = max([1] + [max(d.created, d.resolved) for d in days])
    slot = CHART_WIDTH / max(1, len(days))
    bar = max(slot / 2 - 0.5, 0.5)
    bars = []
    for i, d in enumerate(days):
        created_h = CHART_HEIGHT * d.created / peak
        resolved_h = CHART_HEIGHT * d.resolved / peak
        bars.append({
            "day": d, "x": round(i * slot, 2), "x2": round(i * slot + bar, 2), "width": round(bar, 2),
            "created_y": round(CHART_HEIGHT - created_h, 2), "created_h": round(created_h, 2),
            "resolved_y": round(CHART_HEIGHT - resolved_h, 2), "resolved_h": round(resolved_h, 2),
        })
    return {"bars": bars, "peak": peak, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def _with_bars(rows: Sequence[Any], value: Callable[[Any], int | float | None]) -> list[tuple[Any, float]]:
    peak = max([1.0] + [float(value(r) or 0) for r in rows])
    return [(r, round(BAR_WIDTH * float(value(r) or 0) / peak, 1)) for r in rows]


# ----------------------------------------------------------------------------- page


@agent_required
def report_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    today = queries.desk_today()
    context: dict[str, Any] = {
        "presets": PRESETS, "tables": list(TABLES), "bar_width": BAR_WIDTH, "params": request.GET,
        "range": request.GET.get("range", "") or ("custom" if request.GET.get("from") else str(DEFAULT_DAYS)),
    }
    try:
        filters = parse_filters(request.GET, today)
        context["range"] = filters.range
        summary = queries.summary(actor, filters.period, filters.department)
    except TesseraError as exc:
        # A page answers bad input with 400; NotFound and PermissionDenied keep 404 and 403.
        status = 400 if isinstance(exc, ValidationFailed) else exc.status
        if request.GET.get("format") == "csv":
            return HttpResponse(exc.message, status=status, content_type="text/plain; charset=utf-8")
        context.update(error=exc.message, choices=queries.report_scope(actor).choices)
        return render(request, "reports/page.html", context, status=status)

    export = request.GET.get("format", "")
    if export:
        table = request.GET.get("table", "")
        if export != "csv" or table not in TABLES:
            return HttpResponse(_("Unknown export; use format=csv and a table: %(tables)s") % {
                "tables": ", ".join(TABLES)}, status=400, content_type="text/plain; charset=utf-8")
        return _csv(summary, table)

    v = summary.volume
    context.update(
        s=summary,
        choices=summary.scope.choices,
        filters=filters,
        chart=_day_chart(v.days),
        departments=_with_bars(v.by_department, lambda r: r.created),
        channels=_with_bars(v.by_channel, lambda r: r.created),
        priorities=_with_bars(v.by_priority, lambda r: r.created),
        distribution=_with_bars(list(summary.indicators.satisfaction.distribution.items()), lambda kv: kv[1]),
        tag_rows=_with_bars(summary.tags, lambda t: t.tickets),
        problem_rows=_with_bars(summary.problems.problems, lambda p: p.incidents),
        word_rows=_with_bars(summary.problems.words, lambda w: w.tickets),
        query=_query_without_format(request.GET),
    )
    return render(request, "reports/page.html", context)


def _query_without_format(params: QueryDict) -> str:
    kept = params.copy()
    for key in ("format", "table"):
        kept.pop(key, None)
    return kept.urlencode()
