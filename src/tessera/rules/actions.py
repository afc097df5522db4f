"""What a rule may do, as typed values. Pure: applying them to a real ticket is the runner's job."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ActionType(StrEnum):
    SET_FIELD = "set_field"
    ASSIGN = "assign"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    ADD_NOTE = "add_note"
    SEND_EMAIL = "send_email"
    WEBHOOK = "webhook"
    MARK_SPAM = "mark_spam"
    APPLY_MACRO = "apply_macro"


class Recipient(StrEnum):
    REQUESTER = "requester"
    ASSIGNEE = "assignee"
    ADDRESS = "address"
    # The agents who are members of the ticket's department (never its public address,
    # which would feed the mail back in as a ticket).
    DEPARTMENT = "department"


@dataclass(frozen=True)
class SetField:
    """``field`` is a ticket key: ``priority``, ``status``, ``custom_fields.order_id``..."""

    field: str
    value: Any
    type: ActionType = ActionType.SET_FIELD


@dataclass(frozen=True)
class Assign:
    """Exactly one of: an agent, a department (optionally distributed inside it), the
    automatic distribution of the ticket's current department, or nobody (``unassign``)."""

    agent_id: int | None = None
    department_id: int | None = None
    distribution: bool = False
    unassign: bool = False
    type: ActionType = ActionType.ASSIGN


@dataclass(frozen=True)
class AddTags:
    tags: tuple[str, ...]
    type: ActionType = ActionType.ADD_TAGS


@dataclass(frozen=True)
class RemoveTags:
    tags: tuple[str, ...]
    type: ActionType = ActionType.REMOVE_TAGS


@dataclass(frozen=True)
class AddNote:
    """``text`` is a template in a stored rule and rendered plain text in a planned action."""

    text: str
    type: ActionType = ActionType.ADD_NOTE


@dataclass(frozen=True)
class SendEmail:
    to: Recipient
    address: str = ""
    template_id: int | None = None
    # Templates in a stored rule, rendered plain text in a planned action.
    subject: str = ""
    body: str = ""
    type: ActionType = ActionType.SEND_EMAIL


@dataclass(frozen=True)
class Webhook:
    """The runner posts ``body`` (rendered) or, when empty, a JSON summary of the ticket.
    Refusing private addresses (SSRF) is the sender's job: it knows the resolved address."""

    url: str
    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    type: ActionType = ActionType.WEBHOOK


@dataclass(frozen=True)
class MarkSpam:
    type: ActionType = ActionType.MARK_SPAM


@dataclass(frozen=True)
class ApplyMacro:
    macro_id: int
    type: ActionType = ActionType.APPLY_MACRO


type Action = SetField | Assign | AddTags | RemoveTags | AddNote | SendEmail | Webhook | MarkSpam | ApplyMacro


def describe(action: Action) -> str:
    """One line for the timeline: "set priority to high", "added tags vip, billing"."""
    match action:
        case SetField(field=name, value=value):
            return f"set {name} to {value!s}" if value not in (None, "") else f"cleared {name}"
        case Assign(unassign=True):
            return "unassigned the ticket"
        case Assign(agent_id=int() as agent):
            return f"assigned to agent #{agent}"
        case Assign(department_id=int() as department, distribution=distribute):
            suffix = " for automatic distribution" if distribute else ""
            return f"moved to department #{department}{suffix}"
        case Assign():
            return "sent to automatic distribution"
        case AddTags(tags=tags):
            return "added tags " + ", ".join(tags)
        case RemoveTags(tags=tags):
            return "removed tags " + ", ".join(tags)
        case AddNote():
            return "added an internal note"
        case SendEmail(to=Recipient.ADDRESS, address=address):
            return f"emailed {address}"
        case SendEmail(to=to):
            return f"emailed the {to.value}"
        case Webhook(url=url, method=method):
            return f"called {method} {url}"
        case MarkSpam():
            return "marked the ticket as spam"
        case ApplyMacro(macro_id=macro):
            return f"applied macro #{macro}"
    raise AssertionError(f"unhandled action {action!r}")
