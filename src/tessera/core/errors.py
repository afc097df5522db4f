"""Errors raised by actions and access functions; the API and views map them to responses."""

from __future__ import annotations


class TesseraError(Exception):
    """Base of every error an action reports to its caller."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(TesseraError):
    """The object does not exist, or the actor may not know that it does."""

    code = "not_found"
    status = 404


class PermissionDenied(TesseraError):
    """The actor may see the object but not do this to it."""

    code = "permission_denied"
    status = 403


class Conflict(TesseraError):
    """The object changed since the caller read it (optimistic locking)."""

    code = "conflict"
    status = 409


class InvalidTransition(TesseraError):
    code = "invalid_transition"
    status = 422


class ValidationFailed(TesseraError):
    code = "validation_failed"
    status = 422
