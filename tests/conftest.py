"""Fixtures shared by the whole suite: the people of a small desk, and a ticket factory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Real hashing costs ~0.3 s a user; the fixtures create eight per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uncached_list_counts(settings: Any) -> None:
    # The list page's per-department counts are cached in production; a test that changes a
    # ticket and reloads the page within a second must see the new count.
    settings.TESSERA = {**settings.TESSERA, "LIST_COUNTS_SECONDS": 0}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; absent in a user's own clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"test corpora not found at {SHARED_DATA} (they live beside the checkout in CI)")
    return SHARED_DATA


@pytest.fixture
def desk(db: Any) -> dict[str, Any]:
    """Two departments, an admin, agents inside and outside, a light agent, two customers."""
    from tessera.accounts.models import (
        Contact,
        ContactIdentity,
        Department,
        Membership,
        Organisation,
        Role,
        User,
    )

    support = Department.objects.create(name="Support", email_address="support@example.test")
    billing = Department.objects.create(name="Billing", email_address="billing@example.test")
    org_a = Organisation.objects.create(name="Acme")
    org_b = Organisation.objects.create(name="Globex")

    def user(username: str, role: str, *, departments: tuple[Department, ...] = (), contact: Contact | None = None) -> User:
        u = User.objects.create_user(username=username, email=f"{username}@example.test", password="pw-" + username, role=role, contact=contact)
        for d in departments:
            Membership.objects.create(user=u, department=d)
        return u

    def contact(name: str, email: str, org: Organisation | None) -> Contact:
        c = Contact.objects.create(name=name, organisation=org)
        ContactIdentity.objects.create(contact=c, kind="email", value=email, is_primary=True)
        return c

    contact_a = contact("Anna Kowalska", "anna@acme.test", org_a)
    contact_b = contact("Nguyễn Văn Bình", "binh@globex.test", org_b)
    return {
        "support": support,
        "billing": billing,
        "org_a": org_a,
        "org_b": org_b,
        "admin": user("admin", Role.ADMIN),
        "agent": user("agent", Role.AGENT, departments=(support,)),
        "outsider": user("outsider", Role.AGENT, departments=(billing,)),
        "light": user("light", Role.LIGHT_AGENT, departments=(support,)),
        "contact_a": contact_a,
        "contact_b": contact_b,
        "customer_a": user("customer_a", Role.CUSTOMER, contact=contact_a),
        "customer_b": user("customer_b", Role.CUSTOMER, contact=contact_b),
    }


@pytest.fixture
def make_ticket(desk: dict[str, Any]) -> Callable[..., Any]:
    from tessera.accounts.actor import Actor
    from tessera.tickets.actions import create_ticket

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("subject", "Printer on fire")
        kwargs.setdefault("requester", desk["contact_a"])
        kwargs.setdefault("department", desk["support"])
        kwargs.setdefault("body_text", "It is really on fire.")
        return create_ticket(Actor.system(channel="email"), **kwargs)

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-only tests (row locks, SKIP LOCKED, real concurrency) on SQLite."""
    import os

    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
