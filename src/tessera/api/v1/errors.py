"""One error shape for every failure the API reports.

``{"error": {"code": "...", "message": "...", "field": "..." | null}}`` with the HTTP status
that says what kind of failure it is. Integrations branch on ``code``; ``message`` is for
people and may change.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tessera.core.errors import TesseraError

logger = logging.getLogger("tessera.api")

# Declared on every operation: schemathesis (and clients) check that any status we answer
# with is documented, and each of these can come from auth, throttling or input validation
# before the endpoint's own code runs.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 422, 429})

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_too_large",
    422: "validation_failed",
    429: "throttled",
}


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None


class ErrorOut(Schema):
    error: ErrorDetail


def error_response(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "field": field}}, status=status)


def _field_from_loc(loc: Any) -> str | None:
    # ninja prefixes the parameter source ("body", "query", "path") and, for grouped inputs,
    # the view's argument name ("payload", "params"): names a client never typed.
    parts = [str(p) for p in loc][1:]
    if parts and parts[0] in {"payload", "params"}:
        parts = parts[1:]
    return ".".join(parts) or None


def _on_tessera_error(request: HttpRequest, exc: TesseraError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.field)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    message = str(first.get("msg", "Invalid input"))
    field = _field_from_loc(first.get("loc", ()))
    if len(exc.errors) > 1:
        message += f" (and {len(exc.errors) - 1} more problem{'s' if len(exc.errors) > 2 else ''})"
    return error_response(422, "validation_failed", message, field)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    code = _CODES_BY_STATUS.get(status, "error")
    message = str(exc)
    if isinstance(exc, AuthenticationError):
        message = "Authentication required: send 'Authorization: Bearer <token>' or sign in"
    elif status == 403 and "CSRF" in message:
        code, message = "csrf_failed", "CSRF check failed: send the X-CSRFToken header"
    response = error_response(status, code, message)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tessera"'
    return response


def _on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", "Not found")


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(413, "request_too_large", "The request body is too large")


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A bug, not bad input: logged with the traceback, answered in the same shape as every
    # other error so clients never have to parse an HTML page.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return error_response(500, "internal_error", "Something went wrong on our side")


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(TesseraError, _on_tessera_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, _on_validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _on_404)  # type: ignore[arg-type]
    api.add_exception_handler(RequestDataTooBig, _on_too_big)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, _on_unexpected)  # type: ignore[arg-type]


def responses(ok: dict[int, Any]) -> dict[Any, Any]:
    """The ``response=`` mapping of an operation: its success schemas plus every error status."""
    return {**ok, ERROR_STATUSES: ErrorOut}
