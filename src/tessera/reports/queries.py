"""The numbers of a report, scoped to what the actor may see, computed in the database.

Who sees what: admins every department; agents and light agents the departments they are
members of (tickets merely assigned to them elsewhere are not part of a department's
numbers); customers nothing (PermissionDenied). A department filter outside the actor's
departments is refused, an unknown one is NotFound.

Which tickets each number counts (one population per number, said once here):

- spam is left out everywhere;
- *created*: created in the period;
- *resolved*: solved now (resolved or closed) with the last resolution in the period; tickets
  closed by merging into another are not resolutions and are left out. A ticket resolved in
  the period and reopened since is not counted, and its time to resolution waits for the next
  resolution;
- *reopened*: moves from resolved back to open in the period (events, and distinct tickets);
- *backlog*: created before the end of the period and not solved at its end (a ticket solved
  now with its resolution after the end counts as open then);
- *first response time*: from creation to the first public agent reply, for tickets whose
  first reply fell in the period; *resolution time*: from creation to the resolution, for the
  resolved ones above. Both are calendar time (wall-clock hours): the SLA timers record due
  times and breaches, not elapsed business time, so business hours are not available;
- *SLA breaches*: first-response and resolution timers of tickets created in the period; a
  timer is breached if it was marked so, met after its due time, or is still running past it;
- *satisfaction*: ratings whose current score was given in the period;
- *per agent*: by the ticket's current assignee (who answered first is not recorded per
  ticket).

Query count is fixed (about twenty, whatever the number of tickets): every section is one
aggregate query, percentiles included (:mod:`tessera.reports.percentiles`). The only rows read
into Python are those of the subject words, capped at :data:`SUBJECT_SAMPLE` newest subjects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from tessera.accounts.access import require_staff
from tessera.accounts.actor import Actor
from tessera.accounts.models import Department
from tessera.core import time
from tessera.core.errors import NotFound, PermissionDenied
from tessera.reports.percentiles import duration_percentiles, elapsed, hours
from tessera.reports.period import Period
from tessera.reports.words import WordCount, common_words
from tessera.sla.models import Metric, SlaTimer
from tessera.tickets.models import (
    RATING_MAX,
    RATING_MIN,
    Channel,
    EventKind,
    LinkKind,
    Priority,
    SatisfactionRating,
    Ticket,
    TicketEvent,
    TicketLink,
)
from tessera.tickets.states import ACTIVE, SOLVED, Status

FRACTIONS = (0.5, 0.9)
TOP = 20
# Subjects of new tickets read for the word counts: the newest ones, so a busy desk's report
# reads a bounded number of rows. ``Words.sampled`` says when the cut applied.
SUBJECT_SAMPLE = 5000


# ----------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    # None: every department (admins without a filter).
    department_ids: frozenset[int] | None
    # What the actor may choose from, for the filter.
    choices: list[Department]
    selected: Department | None

    def tickets(self) -> QuerySet[Ticket]:
        qs = Ticket.objects.filter(is_spam=False)
        if self.department_ids is not None:
            qs = qs.filter(department_id__in=self.department_ids)
        return qs

    def q(self, prefix: str) -> Q:
        """The same scope as a condition on a related ticket (``prefix`` e.g. "ticket")."""
        q = Q(**{f"{prefix}__is_spam": False})
        if self.department_ids is not None:
            q &= Q(**{f"{prefix}__department_id__in": self.department_ids})
        return q


def report_scope(actor: Actor, department_id: int | None = None) -> Scope:
    """Who may see which departments' numbers. Two queries at most."""
    require_staff(actor)
    everything = actor.is_system or actor.is_admin
    qs = Department.objects.order_by("name")
    if not everything:
        qs = qs.filter(pk__in=actor.department_ids)
    choices = list(qs)
    if department_id is None:
        return Scope(None if everything else frozenset(d.pk for d in choices), choices, None)
    selected = next((d for d in choices if d.pk == department_id), None)
    if selected is None:
        if everything or not Department.objects.filter(pk=department_id).exists():
            raise NotFound(_("Department not found"))
        raise PermissionDenied(_("You may see reports of your own departments only"))
    return Scope(frozenset({selected.pk}), choices, selected)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a department, a channel or a priority."""

    key: str
    label: str
    created: int
    resolved: int


@dataclass(frozen=True)
class Day:
    day: date
    created: int
    resolved: int


@dataclass(frozen=True)
class Volume:
    created: int
    resolved: int
    reopened: int
    reopened_tickets: int
    backlog: int
    days: list[Day]
    by_department: list[Row]
    by_channel: list[Row]
    by_priority: list[Row]


@dataclass(frozen=True)
class Duration:
    """Hours, calendar time; None when no ticket is in the population."""

    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class Sla:
    first_response_total: int
    first_response_breached: int
    resolution_total: int
    resolution_breached: int

    @property
    def first_response_rate(self) -> float | None:
        return _rate(self.first_response_breached, self.first_response_total)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolution_breached, self.resolution_total)


@dataclass(frozen=True)
class Satisfaction:
    count: int
    average: float | None
    # score → count, every score from RATING_MIN to RATING_MAX present.
    distribution: dict[int, int]


@dataclass(frozen=True)
class Indicators:
    first_response: Duration
    resolution: Duration
    sla: Sla
    satisfaction: Satisfaction
    time_basis: str = "calendar"


@dataclass(frozen=True)
class TagRow:
    name: str
    tickets: int
    previous: int

    @property
    def change(self) -> int:
        return self.tickets - self.previous

    @property
    def change_percent(self) -> float | None:
        return None if self.previous == 0 else round(100 * (self.tickets - self.previous) / self.previous, 1)


@dataclass(frozen=True)
class ProblemRow:
    number: int
    display_number: str
    subject: str
    status: str
    incidents: int  # linked incidents created in the period
    incidents_total: int


@dataclass(frozen=True)
class Problems:
    problems: list[ProblemRow]
    words: list[WordCount]
    subjects_read: int
    sampled: bool


@dataclass(frozen=True)
class AgentRow:
    id: int
    name: str
    resolved: int
    first_responses: int
    median_first_response_hours: float | None
    ratings: int
    average_rating: float | None


@dataclass(frozen=True)
class Summary:
    period: Period
    previous: Period
    scope: Scope
    volume: Volume
    indicators: Indicators
    tags: list[TagRow]
    problems: Problems
    agents: list[AgentRow] = field(default_factory=list)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


# ----------------------------------------------------------------------------- sections


def _between(name: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _resolved_q(start: datetime, end: datetime, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status__in": [str(s) for s in SOLVED],
            f"{prefix}resolved_at__gte": start,
            f"{prefix}resolved_at__lt": end,
            f"{prefix}merged_into__isnull": True,
        }
    )


def _zone() -> Any:
    return timezone.get_default_timezone()


def volume(scope: Scope, period: Period) -> Volume:
    start, end = period.bounds(_zone())
    tickets = scope.tickets()
    created_q = _between("created_at", start, end)
    resolved_q = _resolved_q(start, end)
    totals = tickets.aggregate(
        created=Count("pk", filter=created_q),
        resolved=Count("pk", filter=resolved_q),
        backlog=Count(
            "pk",
            filter=Q(created_at__lt=end)
            & (Q(status__in=[str(s) for s in ACTIVE]) | Q(resolved_at__gte=end, merged_into__isnull=True)),
        ),
    )
    # Only resolved → open exists in the status machine (closed is final).
    reopened = TicketEvent.objects.filter(
        scope.q("ticket"), _between("created_at", start, end),
        kind=EventKind.STATUS, before=str(Status.RESOLVED), after=str(Status.OPEN),
    ).aggregate(events=Count("pk"), tickets=Count("ticket_id", distinct=True))

    zone = _zone()
    created_by_day = dict(
        tickets.filter(created_q).order_by()
        .annotate(day=TruncDate("created_at", tzinfo=zone)).values("day")
        .annotate(n=Count("pk")).values_list("day", "n")
    )
    resolved_by_day = dict(
        tickets.filter(resolved_q).order_by()
        .annotate(day=TruncDate("resolved_at", tzinfo=zone)).values("day")
        .annotate(n=Count("pk")).values_list("day", "n")
    )
    days = [Day(d, created_by_day.get(d, 0), resolved_by_day.get(d, 0)) for d in period.dates()]

    def breakdown(key: str, name: str | None, labels: dict[str, str] | None) -> list[Row]:
        fields = [key] + ([name] if name else [])
        rows = (
            tickets.filter(created_q | resolved_q).order_by().values(*fields)
            .annotate(created=Count("pk", filter=created_q), resolved=Count("pk", filter=resolved_q))
        )
        out = [
            Row(str(r[key]), str(r[name]) if name else str((labels or {}).get(r[key], r[key])), r["created"], r["resolved"])
            for r in rows
        ]
        return sorted(out, key=lambda r: (-r.created, -r.resolved, r.label))

    by_priority = breakdown("priority", None, {k: str(v) for k, v in Priority.choices})
    rank = {p.value: i for i, p in enumerate(Priority)}
    by_priority.sort(key=lambda r: rank.get(r.key, len(rank)))
    return Volume(
        created=totals["created"],
        resolved=totals["resolved"],
        reopened=reopened["events"],
        reopened_tickets=reopened["tickets"],
        backlog=totals["backlog"],
        days=days,
        by_department=breakdown("department_id", "department__name", None),
        by_channel=breakdown("channel", None, {k: str(v) for k, v in Channel.choices}),
        by_priority=by_priority,
    )


def _duration(qs: QuerySet[Ticket], start_field: str, end_field: str) -> Duration:
    found = duration_percentiles(qs, elapsed(start_field, end_field), FRACTIONS).get(None)
    if found is None:
        return Duration(0, None, None)
    n, quantiles = found
    return Duration(n, hours(quantiles[0.5]), hours(quantiles[0.9]))


def indicators(scope: Scope, period: Period) -> Indicators:
    start, end = period.bounds(_zone())
    tickets = scope.tickets()
    first_response = _duration(tickets.filter(_between("first_response_at", start, end)), "created_at", "first_response_at")
    resolution = _duration(tickets.filter(_resolved_q(start, end)), "created_at", "resolved_at")

    now = time.now()
    breached = (
        Q(breached_at__isnull=False)
        | Q(stopped_at__gt=F("due_at"))
        | Q(stopped_at__isnull=True, paused=False, due_at__lt=now)
    )
    first, resolved = Q(metric=Metric.FIRST_RESPONSE), Q(metric=Metric.RESOLUTION)
    sla = SlaTimer.objects.filter(
        scope.q("ticket"), _between("ticket__created_at", start, end), is_active=True,
    ).aggregate(
        fr_total=Count("pk", filter=first),
        fr_breached=Count("pk", filter=first & breached),
        res_total=Count("pk", filter=resolved),
        res_breached=Count("pk", filter=resolved & breached),
    )

    scores = range(RATING_MIN, RATING_MAX + 1)
    ratings = SatisfactionRating.objects.filter(scope.q("ticket"), _between("updated_at", start, end)).aggregate(
        count=Count("pk"), average=Avg("score"), **{f"s{s}": Count("pk", filter=Q(score=s)) for s in scores}
    )
    return Indicators(
        first_response=first_response,
        resolution=resolution,
        sla=Sla(sla["fr_total"], sla["fr_breached"], sla["res_total"], sla["res_breached"]),
        satisfaction=Satisfaction(
            count=ratings["count"],
            average=None if ratings["average"] is None else round(float(ratings["average"]), 2),
            distribution={s: ratings[f"s{s}"] for s in scores},
        ),
    )


def tags(scope: Scope, period: Period, *, limit: int = TOP) -> list[TagRow]:
    """Tags of the tickets created in the period, with their count in the period before."""
    zone = _zone()
    start, end = period.bounds(zone)
    previous_start, _ = period.previous().bounds(zone)
    current = Q(ticket__created_at__gte=start)
    rows = (
        Ticket.tags.through.objects.filter(scope.q("ticket"), _between("ticket__created_at", previous_start, end))
        .values("tag__name")
        .annotate(in_period=Count("pk", filter=current), previous=Count("pk", filter=~current))
        # The stubs do not see annotations on an auto-created through model.
        .filter(in_period__gt=0)  # type: ignore[misc]
        .order_by("-in_period", "tag__name")[:limit]
    )
    return [TagRow(r["tag__name"], r["in_period"], r["previous"]) for r in rows]


def problems(scope: Scope, period: Period, *, limit: int = TOP) -> Problems:
    """Problem tickets by their incidents created in the period, and the words many new
    tickets' subjects share."""
    start, end = period.bounds(_zone())
    links = (
        TicketLink.objects.filter(scope.q("source"), kind=LinkKind.PROBLEM_INCIDENT, target__is_spam=False)
        .values("source__number", "source__subject", "source__status")
        .annotate(
            incidents=Count("pk", filter=_between("target__created_at", start, end)),
            incidents_total=Count("pk"),
        )
        .filter(incidents__gt=0)
        .order_by("-incidents", "-incidents_total", "source__number")[:limit]
    )
    prefix = settings.TESSERA["TICKET_PREFIX"]
    rows = [
        ProblemRow(
            number=r["source__number"], display_number=f"{prefix}{r['source__number']}",
            subject=r["source__subject"], status=r["source__status"],
            incidents=r["incidents"], incidents_total=r["incidents_total"],
        )
        for r in links
    ]
    subjects = list(
        scope.tickets().filter(_between("created_at", start, end))
        .order_by("-created_at", "-id").values_list("subject", flat=True)[:SUBJECT_SAMPLE]
    )
    return Problems(rows, common_words(subjects, limit=limit), len(subjects), len(subjects) >= SUBJECT_SAMPLE)


def agents(scope: Scope, period: Period) -> list[AgentRow]:
    start, end = period.bounds(_zone())
    tickets = scope.tickets().filter(assignee__isnull=False)
    responded = _between("first_response_at", start, end)
    rated = _between("rating__updated_at", start, end)
    rows = (
        tickets.order_by()
        .values("assignee_id", "assignee__username", "assignee__display_name", "assignee__first_name", "assignee__last_name")
        .annotate(
            resolved=Count("pk", filter=_resolved_q(start, end)),
            responses=Count("pk", filter=responded),
            ratings=Count("rating", filter=rated),
            average=Avg("rating__score", filter=rated),
        )
        .filter(Q(resolved__gt=0) | Q(responses__gt=0) | Q(ratings__gt=0))
    )
    medians = duration_percentiles(
        tickets.filter(responded), elapsed("created_at", "first_response_at"), (0.5,), group="assignee_id"
    )
    out = []
    for r in rows:
        full = f"{r['assignee__first_name']} {r['assignee__last_name']}".strip()
        median = medians.get(r["assignee_id"])
        out.append(AgentRow(
            id=r["assignee_id"],
            name=r["assignee__display_name"] or full or r["assignee__username"],
            resolved=r["resolved"],
            first_responses=r["responses"],
            median_first_response_hours=hours(median[1][0.5]) if median else None,
            ratings=r["ratings"],
            average_rating=None if r["average"] is None else round(float(r["average"]), 2),
        ))
    return sorted(out, key=lambda a: (-a.resolved, a.name.casefold()))


def summary(actor: Actor, period: Period, department_id: int | None = None) -> Summary:
    """The whole report: what the desk page and the API show."""
    scope = report_scope(actor, department_id)
    return Summary(
        period=period,
        previous=period.previous(),
        scope=scope,
        volume=volume(scope, period),
        indicators=indicators(scope, period),
        tags=tags(scope, period),
        problems=problems(scope, period),
        agents=agents(scope, period),
    )


def desk_today() -> date:
    """Today in the desk's time zone: where "the last 7 days" end."""
    return timezone.localtime(time.now(), _zone()).date()



def desk_zone_name() -> str:
    return str(_zone())
