"""Read-only reference data: departments, agents and tags."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.params import P, PathEx

from tessera.accounts.access import access_agent, access_department, require_staff
from tessera.accounts.models import Department, User
from tessera.accounts.queries import agent_list, department_list
from tessera.api.v1.auth import actor_of
from tessera.api.v1.errors import responses
from tessera.api.v1.schemas import MAX_ID, Id
from tessera.core import time
from tessera.routing.strategies import effective_availability
from tessera.tickets.queries import all_tags

router = Router()


class DepartmentOut(Schema):
    id: int
    name: str
    email_address: str
    closing_policy: str
    is_active: bool


class DepartmentList(Schema):
    items: list[DepartmentOut]


class AgentOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    availability: str
    is_active: bool
    departments: list[int]


class AgentList(Schema):
    items: list[AgentOut]


class AgentQuery(Schema):
    department: Id | None = None


class TagOut(Schema):
    id: int
    name: str


class TagList(Schema):
    items: list[TagOut]


def department_out(d: Department) -> DepartmentOut:
    return DepartmentOut(
        id=d.pk, name=d.name, email_address=d.email_address, closing_policy=d.closing_policy, is_active=d.is_active
    )


def agent_out(u: User) -> AgentOut:
    return AgentOut(
        id=u.pk,
        username=u.username,
        name=u.label,
        email=u.email,
        role=u.role,
        # What routing acts on: a break whose end has passed counts as online.
        availability=effective_availability(u.availability, u.away_until, time.now()),
        is_active=u.is_active,
        departments=sorted(m.department_id for m in u.memberships.all()),
    )


@router.get("/departments", response=responses({200: DepartmentList}), tags=["departments"], operation_id="list_departments")
def list_departments(request: HttpRequest) -> DepartmentList:
    return DepartmentList(items=[department_out(d) for d in department_list(actor_of(request))])


@router.get(
    "/departments/{department_id}", response=responses({200: DepartmentOut}), tags=["departments"],
    operation_id="get_department",
)
def get_department(request: HttpRequest, department_id: PathEx[int, P(ge=1, le=MAX_ID)]) -> DepartmentOut:
    return department_out(access_department(actor_of(request), department_id))


@router.get("/agents", response=responses({200: AgentList}), tags=["agents"], operation_id="list_agents")
def list_agents(request: HttpRequest, params: Query[AgentQuery]) -> AgentList:
    return AgentList(items=[agent_out(u) for u in agent_list(actor_of(request), department=params.department)])


@router.get("/agents/{user_id}", response=responses({200: AgentOut}), tags=["agents"], operation_id="get_agent")
def get_agent(request: HttpRequest, user_id: PathEx[int, P(ge=1, le=MAX_ID)]) -> AgentOut:
    return agent_out(access_agent(actor_of(request), user_id))


@router.get("/tags", response=responses({200: TagList}), tags=["tags"], operation_id="list_tags")
def list_tags(request: HttpRequest) -> TagList:
    require_staff(actor_of(request))
    return TagList(items=[TagOut(id=t.pk, name=t.name) for t in all_tags()])
