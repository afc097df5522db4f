"""Fill an empty desk with a believable past: people, organisations and two months of tickets.

Every ticket write goes through the ticket actions, with the clock frozen at the moment each
step "happened", so the timeline, first-response times and status history look like a real
desk's. People, departments and organisations are bootstrapped with the model managers.
"""

from __future__ import annotations

import random
import time as wallclock
from collections import Counter as Tally
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tessera.accounts.actor import Actor
from tessera.accounts.models import (
    ClosingPolicy,
    Contact,
    ContactIdentity,
    Department,
    IdentityKind,
    Membership,
    Organisation,
    Role,
    User,
)
from tessera.channels.models import Mailbox, MailboxKind
from tessera.core import time
from tessera.demo import content
from tessera.demo.content import (
    LANGUAGES,
    Gender,
    Language,
    PersonName,
    Scenario,
    Voice,
    render,
)
from tessera.tickets import actions
from tessera.tickets.models import Channel, LinkKind, Message, MessageKind, Priority, Ticket
from tessera.tickets.states import Status

PORTAL_PASSWORD = "demo"  # noqa: S105 - a published demo login, not a secret
ARRIVAL_CHANNELS = frozenset(
    {
        "email",
        "web_form",
        "portal",
        "chat",
        "phone",
        "sms",
        "facebook",
        "line",
        "telegram",
        "whatsapp",
    }
)
# Channels that need an email identity to reply to (or, for the portal, an account).
EMAIL_CHANNELS = frozenset({"email", "web_form", "chat"})
MESSAGING = {
    "facebook": IdentityKind.FACEBOOK,
    "line": IdentityKind.LINE,
    "telegram": IdentityKind.TELEGRAM,
    "whatsapp": IdentityKind.WHATSAPP,
}
PRIORITY_ORDER = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
FIRST_RESPONSE_MINUTES = {
    Priority.URGENT: (5, 30),
    Priority.HIGH: (15, 90),
    Priority.NORMAL: (30, 300),
    Priority.LOW: (60, 720),
}
# Share of final statuses, and how old a ticket in that status plausibly is (hours).
STATUS_MIX: tuple[tuple[str, float, tuple[float, float]], ...] = (
    (Status.CLOSED, 0.34, (9 * 24, 60 * 24)),
    (Status.RESOLVED, 0.24, (30, 9 * 24)),
    (Status.OPEN, 0.12, (2, 6 * 24)),
    (Status.PENDING, 0.12, (4, 8 * 24)),
    (Status.ON_HOLD, 0.06, (24, 14 * 24)),
    (Status.NEW, 0.12, (0.2, 30)),
)


AUTO_CLOSE_DAYS = 5
AUTO_CLOSE_RULE = f"Close resolved tickets after {AUTO_CLOSE_DAYS} days"


class DemoConflict(Exception):
    """The database already holds people or departments the demo would collide with."""


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    who: str


@dataclass
class DemoSummary:
    created: bool
    tickets: int = 0
    messages: int = 0
    notes: int = 0
    contacts: int = 0
    organisations: int = 0
    agents: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    logins: list[Login] = field(default_factory=list)


@dataclass
class Person:
    """A demo contact and what the loader needs to know to write in their voice."""

    contact: Contact
    name: PersonName
    language: Language
    business: bool
    channels: frozenset[str]
    user: User | None = None


@dataclass
class Desk:
    departments: dict[str, Department]
    agents: dict[str, User]
    specs: dict[str, content.AgentSpec]
    people: list[Person]
    operations: Contact
    actors: dict[tuple[int, str], Actor] = field(default_factory=dict)

    def actor(self, user: User, channel: str = "agent") -> Actor:
        # One Actor per agent, so its department ids are read once, not at every step.
        key = (user.pk, channel)
        if key not in self.actors:
            self.actors[key] = Actor.of(user, channel)
        return self.actors[key]

    def gender(self, user: User) -> Gender:
        return self.specs[user.username].gender


@dataclass
class Plan:
    scenario: Scenario
    language: Language
    person: Person
    status: str
    channel: str
    priority: str
    created_at: datetime
    ref: str


@dataclass
class Made:
    plan: Plan
    ticket: Ticket
    assignee: User | None


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def demo_loaded() -> bool:
    return Department.objects.filter(email_address__iendswith="@" + content.DEMO_DOMAIN).exists()


def load_demo(*, tickets: int = 300, seed: int = 7) -> DemoSummary:
    """Create the demo desk once; a second call changes nothing and says so."""
    if tickets < 1:
        raise ValueError("tickets must be at least 1")
    started = wallclock.monotonic()
    if demo_loaded():
        return summarise(created=False, seconds=wallclock.monotonic() - started)
    clashes = sorted(
        set(
            User.objects.filter(
                username__in=[a.username for a in content.AGENTS] + list(PORTAL_USERS)
            ).values_list("username", flat=True)
        )
        | set(
            Department.objects.filter(name__in=[d.name for d in content.DEPARTMENTS]).values_list(
                "name", flat=True
            )
        )
    )
    if clashes:
        raise DemoConflict(
            "The database already has "
            + ", ".join(clashes)
            + "; load the demo into an empty database."
        )
    rng = random.Random(seed)
    now = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        desk = _build_desk(rng, contacts=max(24, min(120, tickets * 2 // 5)))
        loader = _TicketLoader(desk, rng, now)
        loader.run(tickets)
    return summarise(created=True, seconds=wallclock.monotonic() - started)


def summarise(*, created: bool, seconds: float = 0.0) -> DemoSummary:
    departments = Department.objects.filter(email_address__iendswith="@" + content.DEMO_DOMAIN)
    tickets = Ticket.objects.filter(department__in=departments)
    messages = Message.objects.filter(ticket__in=tickets)
    by_language = dict(
        tickets.values_list("requester__language")
        .annotate(n=Count("id"))
        .order_by("requester__language")
    )
    return DemoSummary(
        created=created,
        tickets=tickets.count(),
        messages=messages.filter(kind=MessageKind.PUBLIC).count(),
        notes=messages.filter(kind=MessageKind.NOTE).count(),
        contacts=Contact.objects.count(),
        organisations=Organisation.objects.filter(
            name__in=[o.name for o in content.ORGANISATIONS]
        ).count(),
        agents=User.objects.filter(
            role__in=[Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT],
            username__in=[a.username for a in content.AGENTS],
        ).count(),
        by_status=dict(tickets.values_list("status").annotate(n=Count("id")).order_by("status")),
        by_channel=dict(tickets.values_list("channel").annotate(n=Count("id")).order_by("channel")),
        by_language=by_language,
        seconds=round(seconds, 2),
        logins=logins(),
    )


def logins() -> list[Login]:
    rows = [
        Login(
            a.username,
            a.password,
            a.role,
            a.display_name + (f" ({', '.join(a.departments)})" if a.departments else ""),
        )
        for a in content.AGENTS
    ]
    rows += [
        Login(username, PORTAL_PASSWORD, Role.CUSTOMER, f"{spec[0]} (customer portal)")
        for username, spec in PORTAL_USERS.items()
    ]
    return rows


# --------------------------------------------------------------------------------------------
# People, departments, organisations
# --------------------------------------------------------------------------------------------

# username -> (name, language, gender, email, phone)
PORTAL_USERS: dict[str, tuple[str, Language, Gender, str, str]] = {
    "customer": ("Emily Carter", "en", "f", "emily.carter@inbox.example", "+447700900123"),
    "mai": ("Phạm Ngọc Mai", "vi", "f", "mai.pham@thu.example", "+84901234567"),
}


class _Passwords:
    """Hash each demo password once: a strong hash costs seconds, and there are only two."""

    def __init__(self) -> None:
        self._hashed: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        if raw not in self._hashed:
            self._hashed[raw] = make_password(raw)
        return self._hashed[raw]


def _build_desk(rng: random.Random, *, contacts: int) -> Desk:
    passwords = _Passwords()
    departments: dict[str, Department] = {}
    for spec in content.DEPARTMENTS:
        departments[spec.key] = Department.objects.create(
            name=spec.name,
            email_address=spec.email,
            closing_policy=ClosingPolicy.CUSTOMER_ONLY
            if spec.customer_closes
            else ClosingPolicy.AGENTS_MAY_CLOSE,
        )
        # Mail for the department's address, delivered by `tessera smtp_server` (Settings, Mailboxes).
        Mailbox.objects.create(
            name=f"{spec.name} (SMTP)", department=departments[spec.key], address=spec.email, kind=MailboxKind.SMTP
        )
    agents: dict[str, User] = {}
    for agent in content.AGENTS:
        user = User.objects.create(
            username=agent.username,
            email=f"{agent.username}@{content.DEMO_DOMAIN}",
            password=passwords(agent.password),
            first_name=agent.first_name,
            last_name=agent.last_name,
            display_name=agent.display_name,
            role=agent.role,
            language=agent.language,
            time_zone=agent.time_zone,
            is_staff=agent.role == Role.ADMIN,
            is_superuser=agent.role == Role.ADMIN,
        )
        Membership.objects.bulk_create(
            [Membership(user=user, department=departments[d]) for d in agent.departments]
        )
        agents[agent.username] = user

    organisations = {
        spec.name: Organisation.objects.create(
            name=spec.name, domains=[spec.domain], shares_tickets=spec.shares_tickets
        )
        for spec in content.ORGANISATIONS
    }
    people = _make_people(rng, contacts, organisations, passwords)
    operations = Contact.objects.create(name="Tessera Operations (internal)", language="en")
    ContactIdentity.objects.create(
        contact=operations,
        kind=IdentityKind.EMAIL,
        value=f"operations@{content.DEMO_DOMAIN}",
        is_primary=True,
    )
    return Desk(
        departments=departments,
        agents=agents,
        specs={a.username: a for a in content.AGENTS},
        people=people,
        operations=operations,
    )


def _make_people(
    rng: random.Random, total: int, organisations: dict[str, Organisation], passwords: _Passwords
) -> list[Person]:
    people: list[Person] = []
    taken: set[tuple[str, str]] = set()
    identities: list[ContactIdentity] = []
    with_primary: set[int] = set()

    def add(contact: Contact, kind: str, value: str) -> None:
        if (kind, value) in taken:
            return
        taken.add((kind, value))
        # The first way we learned to reach someone is their primary one.
        primary = contact.pk not in with_primary
        with_primary.add(contact.pk)
        identities.append(
            ContactIdentity(contact=contact, kind=kind, value=value, is_primary=primary)
        )

    for username, (full, language, portal_gender, email, phone) in PORTAL_USERS.items():
        contact = Contact.objects.create(
            name=full, language=language, time_zone=content.CONTACT_TIME_ZONES[language]
        )
        add(contact, IdentityKind.EMAIL, email)
        add(contact, IdentityKind.PHONE, phone)
        user = User.objects.create(
            username=username,
            email=email,
            password=passwords(PORTAL_PASSWORD),
            role=Role.CUSTOMER,
            display_name=full,
            contact=contact,
            language=language,
            time_zone=content.CONTACT_TIME_ZONES[language],
        )
        given = full.split()[-1] if language == "vi" else full.split()[0]
        name = PersonName(full, given, email.split("@")[0], portal_gender)
        reachable = frozenset({"email", "web_form", "chat", "portal", "phone", "sms"})
        people.append(Person(contact, name, language, False, reachable, user))

    per_language = max(5, (total - len(people)) // len(LANGUAGES))
    used_names: set[str] = {p.name.full for p in people}
    for language in LANGUAGES:
        orgs = [o for o in content.ORGANISATIONS if o.language == language]
        for i in range(per_language):
            business = i % 5 < 2  # two in five customers write from work
            org_spec = orgs[i % len(orgs)] if business and orgs else None
            gender: Gender = "f" if rng.random() < 0.5 else "m"
            for _ in range(20):
                name = content.make_name(
                    language, gender, rng.randrange(1000), rng.randrange(1000), rng.randrange(1000)
                )
                if name.full not in used_names:
                    break
            used_names.add(name.full)
            contact = Contact.objects.create(
                name=name.full,
                organisation=organisations[org_spec.name] if org_spec else None,
                language=language,
                time_zone=content.CONTACT_TIME_ZONES[language],
            )
            channels = set[str]()
            domain = org_spec.domain if org_spec else content.FREE_MAIL[language]
            messaging_only = not business and language in {"th", "vi"} and rng.random() < 0.2
            if not messaging_only:
                local = name.email_local
                while (IdentityKind.EMAIL, f"{local}@{domain}") in taken:
                    local = f"{name.email_local}{rng.randrange(2, 99)}"
                add(contact, IdentityKind.EMAIL, f"{local}@{domain}")
                channels |= EMAIL_CHANNELS
            if business or rng.random() < 0.4:
                add(contact, IdentityKind.PHONE, _phone(rng, language))
                channels |= {"phone", "sms"}
            shares = {
                "vi": (0.4, 0.0, 0.05),
                "th": (0.3, 0.6, 0.05),
                "pl": (0.15, 0.0, 0.2),
                "en": (0.1, 0.0, 0.15),
            }
            facebook, line, telegram = shares[language]
            if rng.random() < facebook or (messaging_only and language == "vi"):
                add(contact, IdentityKind.FACEBOOK, str(rng.randrange(10**15, 10**16)))
                channels.add("facebook")
            if rng.random() < line or (messaging_only and language == "th"):
                add(
                    contact,
                    IdentityKind.LINE,
                    "U" + "".join(rng.choice("0123456789abcdef") for _ in range(32)),
                )
                channels.add("line")
            if rng.random() < telegram:
                add(contact, IdentityKind.TELEGRAM, str(rng.randrange(10**8, 10**10)))
                channels.add("telegram")
            if language == "vi" and rng.random() < 0.35:
                # Zalo is how many Vietnamese customers message; kept as an identity even before
                # a Zalo channel adapter exists, so the contact page shows it.
                add(contact, IdentityKind.ZALO, str(rng.randrange(10**17, 10**18)))
            people.append(Person(contact, name, language, business, frozenset(channels)))
    ContactIdentity.objects.bulk_create(identities)
    return people


def _phone(rng: random.Random, language: Language) -> str:
    if language == "vi":
        return f"+849{rng.randrange(10**7, 10**8)}"
    if language == "th":
        return f"+668{rng.randrange(10**7, 10**8)}"
    if language == "pl":
        return f"+48{rng.choice('567')}{rng.randrange(10**7, 10**8)}"
    return f"+447{rng.randrange(10**8, 10**9)}"


# --------------------------------------------------------------------------------------------
# Tickets
# --------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One thing that happens to a ticket, ``delay`` after the step before it."""

    delay: timedelta
    run: Callable[[Ticket], object]
    kind: str = ""


class _TicketLoader:
    def __init__(self, desk: Desk, rng: random.Random, now: datetime) -> None:
        self.desk = desk
        self.rng = rng
        # Ratings draw from their own generator, so adding them left every other demo
        # ticket exactly as it was.
        self.rating_rng = random.Random(rng.random())
        self.now = now
        self.made: list[Made] = []

    # ---- planning -------------------------------------------------------------------------

    def run(self, total: int) -> None:
        reserved = (len(content.PROBLEMS) if total >= 20 else 0) + (1 if total >= 10 else 0)
        plans = self._plans(total - reserved)
        problems = [
            k for k in content.PROBLEMS if total >= 20 and len(self._incidents(k, plans)[1]) >= 2
        ]
        merge = total >= 10 and bool(self._merge_candidates(plans))
        # A problem without two incidents, or no ticket worth merging into: ordinary tickets
        # fill the gap, so the desk has exactly as many tickets as asked for.
        shortfall = total - len(plans) - len(problems) - int(merge)
        if shortfall:
            plans += self._plans(shortfall)
        plans.sort(key=lambda p: p.created_at)
        for plan in plans:
            self.made.append(self._play(plan))
        for key in problems:
            self._problem(key)
        if merge:
            self._merge()
        self._skip_deliveries()

    def _spread(self, count: int, shares: Sequence[tuple[str, float]]) -> list[str]:
        """``count`` values in the given proportions (rounded), shuffled, each present if count allows."""
        out: list[str] = []
        for value, share in shares:
            out += [value] * max(1 if count >= len(shares) else 0, round(count * share))
        while len(out) < count:
            out.append(shares[0][0])
        out = out[:count]
        self.rng.shuffle(out)
        return out

    def _plans(self, count: int) -> list[Plan]:
        languages = self._spread(count, [(lang, 0.25) for lang in LANGUAGES])
        statuses = self._spread(count, [(s, share) for s, share, _ in STATUS_MIX])
        ages = {s: hours for s, _, hours in STATUS_MIX}
        weights = [s.weight for s in content.SCENARIOS]
        plans = []
        for language, status in zip(languages, statuses, strict=True):
            scenario = self.rng.choices(content.SCENARIOS, weights=weights)[0]
            person = self._requester(language, scenario)
            plans.append(
                Plan(
                    scenario=scenario,
                    language=language,  # type: ignore[arg-type]
                    person=person,
                    status=status,
                    channel=self._channel(scenario, person),
                    priority=self._priority(scenario.priority),
                    created_at=self._created_at(ages[status], person),
                    ref=str(self.rng.randrange(100000, 999999)),
                )
            )
        return plans

    def _requester(self, language: str, scenario: Scenario) -> Person:
        people = [p for p in self.desk.people if p.language == language]
        portal = [p for p in people if p.user is not None]
        # The portal customers get a handful of tickets each, so their portal is not empty.
        if portal and scenario.audience == "consumer" and self.rng.random() < 0.15:
            return self.rng.choice(portal)
        fitting = [p for p in people if p.business == (scenario.audience == "business")]
        return self.rng.choice(fitting or people)

    def _channel(self, scenario: Scenario, person: Person) -> str:
        possible = [c for c in scenario.channels if c in person.channels]
        # Someone with a portal account mostly uses it.
        if "portal" in possible and self.rng.random() < 0.6:
            return "portal"
        if not possible:
            possible = sorted(person.channels & ARRIVAL_CHANNELS)
        return self.rng.choice(possible)

    def _priority(self, usual: str) -> str:
        index = PRIORITY_ORDER.index(Priority(usual))
        roll = self.rng.random()
        if roll < 0.12:
            index = min(index + 1, len(PRIORITY_ORDER) - 1)
        elif roll < 0.22:
            index = max(index - 1, 0)
        return PRIORITY_ORDER[index]

    def _created_at(self, hours: tuple[float, float], person: Person) -> datetime:
        zone = ZoneInfo(person.contact.time_zone)
        moment = self.now - timedelta(hours=self.rng.uniform(*hours))
        local = moment.astimezone(zone)
        # People write while awake, and people at work write in working hours on weekdays.
        start, end = (8, 18) if person.business else (7, 23)
        local = local.replace(hour=self.rng.randrange(start, end), minute=self.rng.randrange(60))
        # Drawn whether needed or not, so the random stream (and the whole desk) never depends
        # on the minute the demo happens to be loaded at.
        fallback = self.now - timedelta(minutes=self.rng.randrange(10, 120))
        while person.business and local.weekday() >= 5:
            local -= timedelta(days=1)
        moment = local.astimezone(ZoneInfo("UTC"))
        return fallback if moment > self.now - timedelta(minutes=10) else moment

    # ---- playing one ticket ---------------------------------------------------------------

    def _assignee(self, department: str, language: str) -> User:
        members = [
            self.desk.agents[a.username]
            for a in content.AGENTS
            if a.role == Role.AGENT and department in a.departments
        ]
        speakers = [u for u in members if self.desk.specs[u.username].language == language]
        return self.rng.choice(speakers or members)

    def _voice(self, plan: Plan, agent: User | None) -> Voice:
        organisation = plan.person.contact.organisation
        return Voice(
            first=plan.person.name.given,
            org=organisation.name if organisation else "",
            ref=plan.ref,
            customer_gender=plan.person.name.gender,
            agent_gender=self.desk.gender(agent) if agent else "f",
        )

    def _customer_actor(self, person: Person, channel: str) -> Actor:
        if channel == "portal" and person.user is not None:
            return Actor.of(person.user)
        # The customer is the actor (not the ingest system), so the timeline names them.
        return Actor.customer(person.contact, channel)

    def _play(self, plan: Plan) -> Made:
        scenario, language = plan.scenario, plan.language
        conversation = scenario.conversations[language]
        stock = content.STOCK[language]
        department = self.desk.departments[scenario.department]
        agent = self._assignee(scenario.department, language)
        voice = self._voice(plan, agent)

        def say(text: str) -> str:
            return render(text, voice)

        agent_actor = self.desk.actor(agent)
        person = plan.person
        phone = plan.channel == "phone"

        with time.frozen_at(plan.created_at):
            ticket = actions.create_ticket(
                self.desk.actor(agent, "phone")
                if phone
                else self._customer_actor(person, plan.channel),
                subject=say(conversation.subject),
                requester=person.contact,
                department=department,
                body_text=say(conversation.opening),
                type=scenario.type,
                priority=plan.priority,
                channel=plan.channel,
                assignee=agent if phone else None,
                created_at=plan.created_at,
            )

        steps: list[Step] = []
        low, high = FIRST_RESPONSE_MINUTES[Priority(plan.priority)]
        first_response = timedelta(minutes=self.rng.uniform(low, high))
        customer_actor = self._customer_actor(person, plan.channel if not phone else "phone")

        def reply(text: str, status: str | None = None) -> Callable[[Ticket], object]:
            return lambda t: actions.add_agent_reply(
                agent_actor, t, body_text=say(text), status=status
            )

        def customer(text: str) -> Callable[[Ticket], object]:
            return lambda t: actions.add_customer_message(
                customer_actor, t, body_text=say(text), author=person.contact, created_at=time.now()
            )

        def note(text: str, by: User | None = None) -> Callable[[Ticket], object]:
            return lambda t: actions.add_note(self.desk.actor(by or agent), t, body_text=say(text))

        def minutes(low: float, high: float) -> timedelta:
            return timedelta(minutes=self.rng.uniform(low, high))

        if plan.status == Status.NEW:
            if self.rng.random() < 0.5 and conversation.tags:
                steps.append(Step(minutes(0, 1), self._rule_tag(conversation.tags[:1])))
            self._perform(ticket, plan.created_at, steps)
            return Made(plan, ticket, None)

        # Triage: someone takes the ticket and tags it.
        if not phone:
            if self.rng.random() < 0.5:
                steps.append(
                    Step(first_response * 0.3, lambda t: actions.assign(agent_actor, t, agent))
                )
            else:
                rule = Actor.system(rule=f"Round-robin: {department.name}")
                steps.append(Step(minutes(0.5, 3), lambda t: actions.assign(rule, t, agent)))
        if conversation.tags:
            if self.rng.random() < 0.7:
                steps.append(
                    Step(
                        minutes(1, 4),
                        lambda t: actions.tag(agent_actor, t, list(conversation.tags)),
                    )
                )
            else:
                steps.append(Step(minutes(0, 1), self._rule_tag(conversation.tags)))
        if phone and self.rng.random() < 0.5:
            steps.append(Step(minutes(1, 5), note(stock.phone_note)))

        follow = conversation.follow_ups
        respond = first_response * 0.7
        if plan.status == Status.OPEN:
            if len(follow) >= 2 and self.rng.random() < 0.7:
                steps.append(Step(respond, reply(follow[0]), "reply"))
                steps.append(Step(minutes(20, 900), customer(follow[1])))
            elif conversation.note:
                steps.append(Step(respond, note(conversation.note)))
        elif plan.status == Status.PENDING:
            steps.append(
                Step(respond, reply(follow[0] if len(follow) >= 2 else stock.ask), "reply")
            )
        elif plan.status == Status.ON_HOLD:
            if len(follow) >= 2 and self.rng.random() < 0.5:
                steps.append(Step(respond, reply(follow[0]), "reply"))
                steps.append(Step(minutes(20, 900), customer(follow[1])))
                respond = minutes(30, 240)
            steps.append(Step(respond, reply(stock.hold_reply, Status.ON_HOLD), "reply"))
            steps.append(Step(minutes(1, 10), note(stock.hold_note)))
        else:  # resolved or closed: the whole conversation
            for index, text in enumerate(follow):
                last = index == len(follow) - 1
                if index % 2 == 0:
                    delay = respond if index == 0 else minutes(15, 360)
                    steps.append(
                        Step(delay, reply(text, Status.RESOLVED if last else None), "reply")
                    )
                else:
                    steps.append(Step(minutes(20, 900), customer(text)))
            if len(follow) % 2 == 0:  # the script ends with the customer, or has no answer at all
                delay = respond if not follow else minutes(15, 240)
                steps.append(Step(delay, reply(stock.resolve, Status.RESOLVED), "reply"))
            rating = self._rating(plan)
            if rating is not None:
                steps.append(rating)
            if plan.status == Status.CLOSED:
                steps.append(self._closer(plan, agent))

        # Agents write the internal note once they have answered, as they learn the cause.
        replies = [i for i, step in enumerate(steps) if step.kind == "reply"]
        if conversation.note and replies and self.rng.random() < 0.6:
            steps.insert(replies[0] + 1, Step(minutes(5, 60), note(conversation.note)))
        if scenario.department in {"sales", "support"} and self.rng.random() < 0.12:
            # The light agent (sales) only comments; her notes are in Vietnamese or English.
            light = self.desk.agents["hoa"]
            text = content.STOCK["vi" if language == "vi" else "en"].light_note
            steps.insert(min(2, len(steps)), Step(minutes(10, 120), note(text, by=light)))
        self._perform(ticket, plan.created_at, steps)
        return Made(plan, ticket, agent)

    def _rule_tag(self, tags: Sequence[str]) -> Callable[[Ticket], object]:
        rule = Actor.system(rule="Auto-tag by keywords")
        return lambda t: actions.tag(rule, t, list(tags))

    def _rating(self, plan: Plan) -> Step | None:
        """About half of the customers answer the rating request of the resolve email, mostly
        satisfied; the unhappy ones say why."""
        rng = self.rating_rng
        if rng.random() >= 0.45:
            return None
        score = rng.choices([5, 4, 3, 2, 1], weights=[55, 25, 8, 7, 5])[0]
        praise, complaint = content.RATING_COMMENTS[plan.language]
        comment = complaint if score <= 2 else (praise if score == 5 and rng.random() < 0.4 else "")
        # The link in the resolve email: the contact rates, whatever channel they wrote from.
        actor = Actor.customer(plan.person.contact, Channel.EMAIL)
        delay = timedelta(minutes=rng.uniform(10, 600))
        return Step(delay, lambda t: actions.rate(actor, t, score, comment))

    def _closer(self, plan: Plan, agent: User) -> Step:
        department = self.desk.departments[plan.scenario.department]
        roll = self.rng.random()
        delay = timedelta(hours=self.rng.uniform(6, 72))
        if department.closing_policy == ClosingPolicy.CUSTOMER_ONLY and roll < 0.6:
            person = plan.person
            actor = (
                Actor.of(person.user) if person.user else Actor.customer(person.contact, "portal")
            )
        elif department.closing_policy == ClosingPolicy.AGENTS_MAY_CLOSE and roll < 0.3:
            actor = self.desk.actor(agent)
        else:
            # An automation that runs hourly: five days after resolution, within the hour.
            actor = Actor.system(rule=AUTO_CLOSE_RULE)
            delay = timedelta(days=AUTO_CLOSE_DAYS, minutes=self.rng.uniform(1, 60))
        return Step(delay, lambda t: actions.change_status(actor, t, Status.CLOSED))

    def _perform(self, ticket: Ticket, start: datetime, steps: list[Step]) -> None:
        """Run the steps at their moments, squeezed to end before now if they would overrun."""
        offsets: list[timedelta] = []
        elapsed = timedelta(0)
        for step in steps:
            elapsed += step.delay
            offsets.append(elapsed)
        latest = self.now - timedelta(minutes=2)
        if offsets and start + offsets[-1] > latest:
            scale = max(latest - start, timedelta(seconds=len(offsets))) / offsets[-1]
            offsets = [o * scale for o in offsets]
        for step, offset in zip(steps, offsets, strict=True):
            with time.frozen_at(start + offset):
                # Each action re-reads the ticket under a lock by id: a stale instance is fine.
                step.run(ticket)

    # ---- problems and merges --------------------------------------------------------------

    def _incidents(self, key: str, plans: Sequence[Plan]) -> tuple[Language, list[Plan]]:
        """The tickets a problem explains, and the language the problem is written in."""
        incidents = [p for p in plans if p.scenario.problem == key]
        counts = Tally(p.language for p in incidents)
        language = max(LANGUAGES, key=lambda lang: (counts[lang], -LANGUAGES.index(lang)))
        if key == "isp_node":
            # A street cabinet serves one city: only that city's customers share its outages.
            incidents = [p for p in incidents if p.language == language]
        return language, sorted(incidents, key=lambda p: p.created_at)

    def _problem(self, key: str) -> None:
        language, plans = self._incidents(key, [m.plan for m in self.made])
        by_plan = {id(m.plan): m for m in self.made}
        incidents = [by_plan[id(p)] for p in plans]
        text = content.PROBLEMS[key].texts[language]
        agent = self._assignee("support", language)
        actor = self.desk.actor(agent)
        # Opened as the first reports came in, so later incidents are linked as they arrive.
        opened = incidents[0].plan.created_at + timedelta(minutes=self.rng.uniform(30, 90))
        opened = min(opened, self.now - timedelta(minutes=30))
        with time.frozen_at(opened):
            problem = actions.create_ticket(
                actor,
                subject=text.subject,
                requester=self.desk.operations,
                department=self.desk.departments["support"],
                type="problem",
                priority=Priority.HIGH,
                channel=Channel.AGENT,
                assignee=agent,
                created_at=opened,
            )
        with time.frozen_at(opened + timedelta(minutes=2)):
            actions.add_note(actor, problem, body_text=text.note)
        last = opened
        for made in incidents[:12]:
            at = max(opened, made.plan.created_at) + timedelta(minutes=self.rng.uniform(5, 45))
            at = min(at, self.now - timedelta(minutes=5))
            last = max(last, at)
            with time.frozen_at(at):
                actions.link(actor, problem, made.ticket, LinkKind.PROBLEM_INCIDENT)
        final = Status.ON_HOLD if key == "isp_node" else Status.RESOLVED
        close_at = min(
            last + timedelta(hours=self.rng.uniform(4, 30)), self.now - timedelta(minutes=3)
        )
        with time.frozen_at(close_at):
            actions.change_status(actor, problem, final)

    def _merge_candidates(self, plans: Sequence[Plan]) -> list[Plan]:
        return [
            p
            for p in plans
            if p.channel == "email"
            and p.status in {Status.OPEN, Status.PENDING, Status.RESOLVED}
            and self.desk.departments[p.scenario.department].closing_policy
            != ClosingPolicy.CUSTOMER_ONLY
            and p.created_at < self.now - timedelta(days=1)
        ]

    def _merge(self) -> None:
        """A customer writes again in a new thread; the agent folds it into the first ticket."""
        candidates = {id(p) for p in self._merge_candidates([m.plan for m in self.made])}
        original = self.rng.choice([m for m in self.made if id(m.plan) in candidates])
        plan = original.plan
        assert original.assignee is not None  # every ticket past "new" has one
        voice = self._voice(plan, original.assignee)
        stock = content.STOCK[plan.language]
        written = plan.created_at + timedelta(hours=self.rng.uniform(3, 20))
        written = min(written, self.now - timedelta(hours=1))
        with time.frozen_at(written):
            duplicate = actions.create_ticket(
                Actor.customer(plan.person.contact, Channel.EMAIL),
                subject=render(plan.scenario.conversations[plan.language].subject, voice),
                requester=plan.person.contact,
                department=original.ticket.department,
                body_text=render(stock.duplicate, voice),
                type=plan.scenario.type,
                priority=plan.priority,
                channel=Channel.EMAIL,
                created_at=written,
            )
        actor = self.desk.actor(original.assignee)
        merged_at = written + timedelta(minutes=self.rng.uniform(20, 50))
        with time.frozen_at(merged_at):
            actions.merge(actor, duplicate, original.ticket)
        with time.frozen_at(merged_at + timedelta(minutes=1)):
            actions.add_note(actor, original.ticket, body_text=render(stock.merge_note, voice))

    def _skip_deliveries(self) -> None:
        from tessera.channels.models import Delivery, DeliveryStatus

        Delivery.objects.filter(ticket__department__in=self.desk.departments.values()).update(
            status=DeliveryStatus.SKIPPED, sent_at=None, last_error="Demo history: never sent."
        )
