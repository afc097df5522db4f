"""Input types shared by the resources.

Every string that comes in is refused if it holds a NUL (PostgreSQL cannot store one, and no
human text needs it) and is bounded in length; every id is bounded to a 64-bit key, so a
hostile value is a 422 here instead of an overflow deep in the database driver.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

MAX_ID = 2**63 - 1
MAX_BODY = 200_000


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


def _aware(value: datetime) -> datetime:
    # A time without a zone is read as UTC rather than the server's zone: integrations run
    # everywhere, and the server's zone is not part of the API.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _plain_json(value: dict[str, Any]) -> dict[str, Any]:
    _check_json(value, depth=0)
    return value


def _check_json(value: Any, depth: int) -> None:
    if depth > 20:
        raise ValueError("Nested too deeply")
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(str(key))
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Limit = Annotated[int, Field(ge=1, le=100)]
Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
ShortText = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_no_nul)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY), AfterValidator(_no_nul)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
# The column holds 250; refusing more beats silently cutting what the caller sent.
Subject = Annotated[str, StringConstraints(min_length=1, max_length=250), AfterValidator(_no_nul)]
RequiredName = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_nul)]
Domain = Annotated[str, StringConstraints(min_length=1, max_length=253), AfterValidator(_no_nul)]
IdentityValue = Annotated[str, StringConstraints(min_length=1, max_length=320), AfterValidator(_no_nul)]
TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
TokenName = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_no_nul)]
Cursor = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
AwareDateTime = Annotated[datetime, AfterValidator(_aware)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_plain_json)]
