"""Customer satisfaction: the customer rates a resolved ticket, and may change their mind."""

from __future__ import annotations

import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from tessera.accounts.actor import Actor
from tessera.core import time
from tessera.core.errors import ValidationFailed
from tessera.tickets.actions._base import event, lock, require, save_ticket, write_events
from tessera.tickets.models import RATING_MAX, RATING_MIN, EventKind, SatisfactionRating, Ticket
from tessera.tickets.permissions import can_rate
from tessera.tickets.states import SOLVED

MAX_COMMENT = 2000


def clean_score(score: object) -> int:
    # bool is an int subclass; True must not pass as a score of 1.
    if isinstance(score, bool) or not isinstance(score, int) or not RATING_MIN <= score <= RATING_MAX:
        raise ValidationFailed(
            _("A rating is a whole number from %(min)d to %(max)d") % {"min": RATING_MIN, "max": RATING_MAX},
            field="score",
        )
    return score


def clean_comment(comment: str) -> str:
    text = unicodedata.normalize("NFC", comment or "").replace("\x00", "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(
            _("A comment is at most %(max)d characters") % {"max": MAX_COMMENT}, field="comment"
        )
    return text


def is_ratable(ticket: Ticket) -> bool:
    """Whether the ticket is in a state that asks for a rating (not who may give it)."""
    return ticket.status in SOLVED and ticket.merged_into_id is None


def rate(
    actor: Actor,
    ticket: Ticket,
    score: int,
    comment: str = "",
    *,
    expected_version: int | None = None,
) -> SatisfactionRating:
    """Record the customer's rating of a resolved or closed ticket, replacing any earlier one.

    Sending the same score and comment again changes nothing (a second click on the email's
    page, a retried request): no new timeline entry, no new trigger.
    """
    score = clean_score(score)
    comment = clean_comment(comment)
    with transaction.atomic():
        locked = lock(actor, ticket, expected_version)
        require(can_rate(actor, locked), _("Only the customer who asked may rate this request"))
        if not is_ratable(locked):
            raise ValidationFailed(_("A request can be rated once it is resolved"), field="score")
        current = SatisfactionRating.objects.filter(ticket=locked).first()
        if current is not None and (current.score, current.comment) == (score, comment):
            return current
        at = time.now()
        before = None if current is None else {"score": current.score, "comment": current.comment}
        rating = current or SatisfactionRating(ticket=locked, created_at=at)
        rating.score = score
        rating.comment = comment
        rating.contact = actor.contact
        rating.channel = actor.channel[:16]
        rating.updated_at = at
        rating.save()
        save_ticket(locked, [], at)
        write_events([
            event(locked, actor, EventKind.RATED, field="rating", before=before,
                  after={"score": score, "comment": comment}, at=at),
        ])
        return rating
