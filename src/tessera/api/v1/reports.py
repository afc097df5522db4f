"""Reports: the numbers of the desk's report page, as JSON (see :mod:`tessera.reports.queries`)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tessera.api.v1.auth import actor_of
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import Id
from tessera.reports import queries
from tessera.reports.period import MAX_DAYS, parse_period

router = Router()


class ReportQuery(Schema):
    # Strings, so that a bad date gets the same message as on the desk page.
    from_: str | None = Field(None, alias="from", max_length=40, description="First day, YYYY-MM-DD, desk time zone (default: 29 days before `to`)")
    to: str | None = Field(None, max_length=40, description=f"Last day, included (default: today); at most {MAX_DAYS} days in all")
    department: Id | None = Field(None, description="One of your departments (default: all of them)")


class ReportPeriodOut(Schema):
    start: date
    end: date
    previous_start: date
    previous_end: date
    time_zone: str


class ReportDayOut(Schema):
    day: date
    created: int
    resolved: int


class ReportRowOut(Schema):
    key: str
    label: str
    created: int
    resolved: int


class ReportVolumeOut(Schema):
    created: int
    resolved: int
    reopened: int
    reopened_tickets: int
    backlog: int
    days: list[ReportDayOut]
    by_department: list[ReportRowOut]
    by_channel: list[ReportRowOut]
    by_priority: list[ReportRowOut]


class ReportDurationOut(Schema):
    count: int
    median_hours: float | None
    p90_hours: float | None


class ReportSlaOut(Schema):
    first_response_total: int
    first_response_breached: int
    first_response_breach_rate: float | None
    resolution_total: int
    resolution_breached: int
    resolution_breach_rate: float | None


class ReportSatisfactionOut(Schema):
    count: int
    average: float | None
    distribution: dict[str, int]


class ReportIndicatorsOut(Schema):
    time_basis: str = Field(description="`calendar`: hours around the clock, not business hours")
    first_response: ReportDurationOut
    resolution: ReportDurationOut
    sla: ReportSlaOut
    satisfaction: ReportSatisfactionOut


class ReportTagOut(Schema):
    name: str
    tickets: int
    previous: int
    change: int
    change_percent: float | None


class ReportProblemOut(Schema):
    number: int
    display_number: str
    subject: str
    status: str
    incidents: int
    incidents_total: int


class ReportWordOut(Schema):
    word: str
    tickets: int


class ReportProblemsOut(Schema):
    problems: list[ReportProblemOut]
    words: list[ReportWordOut]
    subjects_read: int
    sampled: bool


class ReportAgentOut(Schema):
    id: int
    name: str
    resolved: int
    first_responses: int
    median_first_response_hours: float | None
    ratings: int
    average_rating: float | None


class ReportSummary(Schema):
    period: ReportPeriodOut
    departments: list[int]
    volume: ReportVolumeOut
    indicators: ReportIndicatorsOut
    tags: list[ReportTagOut]
    problems: ReportProblemsOut
    agents: list[ReportAgentOut]


def rows(items: list[queries.Row]) -> list[ReportRowOut]:
    return [ReportRowOut(key=r.key, label=r.label, created=r.created, resolved=r.resolved) for r in items]


def summary_out(s: queries.Summary) -> ReportSummary:
    v, k = s.volume, s.indicators
    return ReportSummary(
        period=ReportPeriodOut(start=s.period.start, end=s.period.end, previous_start=s.previous.start,
                         previous_end=s.previous.end, time_zone=queries.desk_zone_name()),
        departments=[d.pk for d in s.scope.choices] if s.scope.selected is None else [s.scope.selected.pk],
        volume=ReportVolumeOut(
            created=v.created, resolved=v.resolved, reopened=v.reopened, reopened_tickets=v.reopened_tickets,
            backlog=v.backlog, days=[ReportDayOut(day=d.day, created=d.created, resolved=d.resolved) for d in v.days],
            by_department=rows(v.by_department), by_channel=rows(v.by_channel), by_priority=rows(v.by_priority),
        ),
        indicators=ReportIndicatorsOut(
            time_basis=k.time_basis,
            first_response=ReportDurationOut(**vars(k.first_response)),
            resolution=ReportDurationOut(**vars(k.resolution)),
            sla=ReportSlaOut(
                first_response_total=k.sla.first_response_total, first_response_breached=k.sla.first_response_breached,
                first_response_breach_rate=k.sla.first_response_rate, resolution_total=k.sla.resolution_total,
                resolution_breached=k.sla.resolution_breached, resolution_breach_rate=k.sla.resolution_rate,
            ),
            satisfaction=ReportSatisfactionOut(
                count=k.satisfaction.count, average=k.satisfaction.average,
                distribution={str(score): n for score, n in k.satisfaction.distribution.items()},
            ),
        ),
        tags=[ReportTagOut(name=t.name, tickets=t.tickets, previous=t.previous, change=t.change,
                     change_percent=t.change_percent) for t in s.tags],
        problems=ReportProblemsOut(
            problems=[ReportProblemOut(**vars(p)) for p in s.problems.problems],
            words=[ReportWordOut(word=w.word, tickets=w.tickets) for w in s.problems.words],
            subjects_read=s.problems.subjects_read, sampled=s.problems.sampled,
        ),
        agents=[ReportAgentOut(**vars(a)) for a in s.agents],
    )


@router.get(
    "/reports/summary", response=responses({200: ReportSummary}), tags=["reports"], operation_id="report_summary",
    summary="Ticket volume, response and resolution times, SLA, satisfaction, tags, recurring problems, agents",
)
def report_summary(request: HttpRequest, params: Query[ReportQuery]) -> ReportSummary:
    actor = actor_of(request)
    period = parse_period(params.from_, params.to, today=queries.desk_today())
    return summary_out(queries.summary(actor, period, params.department))
