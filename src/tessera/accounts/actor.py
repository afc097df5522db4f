"""Who is acting: an agent, a customer, or the system (a rule, a channel) on someone's behalf."""

from __future__ import annotations

from functools import cached_property

from tessera.accounts.models import Contact, Role, User


class Actor:
    """The subject of every permission check and every timeline entry."""

    def __init__(
        self,
        *,
        user: User | None = None,
        contact: Contact | None = None,
        rule: str = "",
        channel: str = "",
    ) -> None:
        self.user = user
        self.contact = contact if contact is not None else (user.contact if user and user.is_customer else None)
        self.rule = rule
        self.channel = channel

    @classmethod
    def of(cls, user: User, channel: str = "agent") -> Actor:
        return cls(user=user, channel=channel if user.is_agent else "portal")

    @classmethod
    def customer(cls, contact: Contact, channel: str) -> Actor:
        return cls(contact=contact, channel=channel)

    @classmethod
    def system(cls, rule: str = "", channel: str = "system") -> Actor:
        return cls(rule=rule, channel=channel)

    @property
    def is_system(self) -> bool:
        return self.user is None and self.contact is None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role == Role.ADMIN

    @property
    def is_agent(self) -> bool:
        """Agents and admins, not light agents: those who may answer and change tickets."""
        return self.user is not None and self.user.role in {Role.ADMIN, Role.AGENT}

    @property
    def is_staff_member(self) -> bool:
        return self.user is not None and self.user.is_agent

    @property
    def is_customer(self) -> bool:
        return not self.is_staff_member and self.contact is not None

    @cached_property
    def department_ids(self) -> frozenset[int]:
        if self.user is None or not self.user.is_agent:
            return frozenset()
        return frozenset(self.user.memberships.values_list("department_id", flat=True))

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.label
        if self.contact is not None:
            return str(self.contact)
        return self.rule or "Tessera"
