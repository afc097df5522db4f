"""The embeddable contact form: a hosted page any site may frame or link to, a script-tag
version that draws the form into another site's page, and the endpoint both post to.

Posts come from other sites, so there is no CSRF cookie to check; instead every post must
carry a signed, timestamped nonce (issued when the form was drawn, refused when too fresh or
too old), must leave the honeypot field empty, is counted against its client address, and
is idempotent on the nonce: the same form sent twice creates one ticket.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tessera.accounts.models import Department
from tessera.core.errors import TesseraError, ValidationFailed
from tessera.portal import services, throttle
from tessera.portal.forms import HONEYPOT, ContactForm

# The hosted form may be framed by any site (that is what it is for); everything else about
# the policy stays as strict as on the rest of the product.
FRAMEABLE = csp_override({**settings.SECURE_CSP, "frame-ancestors": ["*"]})
EMBED_JS = Path(__file__).resolve().parent / "static" / "portal" / "embed.js"


def _cors(response: HttpResponse) -> HttpResponse:
    # No credentials are ever involved, so any origin may read the answer.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _language(request: HttpRequest) -> str:
    wanted = (request.GET.get("lang") or request.POST.get("lang") or "").strip()[:8]
    if wanted in dict(settings.LANGUAGES):
        return wanted
    return translation.get_language() or settings.LANGUAGE_CODE


def _departments() -> list[Department]:
    return list(Department.objects.filter(is_active=True).order_by("name"))


def _render_form(request: HttpRequest, form: ContactForm, *, status: int = 200, error: str = "") -> HttpResponse:
    departments = _departments()
    return render(request, "portal/form.html", {
        "form": form,
        "departments": departments if len(departments) > 1 else [],
        "honeypot": HONEYPOT,
        "error": error,
        "lang": translation.get_language(),
    }, status=status)


@require_GET
@never_cache
@xframe_options_exempt
@FRAMEABLE
def form_page(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        form = ContactForm(initial={"token": services.issue_form_token()})
        return _render_form(request, form)


def labels() -> dict[str, str]:
    """Every text the script version shows, in the language currently active."""
    return {
        "name": _("Your name"),
        "email": _("Email"),
        "subject": _("Subject"),
        "message": _("Message"),
        "department": _("Department"),
        "honeypot": _("Leave this empty"),
        "send": _("Send"),
        "sending": _("Sending…"),
        "failed": _("Your message could not be sent. Please try again."),
        "offline": _("The form could not be loaded. Please try again later."),
    }


@require_GET
@never_cache
def form_token(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        departments = _departments()
        return _cors(JsonResponse({
            "token": services.issue_form_token(),
            "action": request.build_absolute_uri(reverse("portal:form_submit")),
            "lang": translation.get_language(),
            "labels": labels(),
            "honeypot": HONEYPOT,
            "departments": [[d.pk, d.name] for d in departments] if len(departments) > 1 else [],
        }, json_dumps_params={"ensure_ascii": False}))


def _errors(form: ContactForm) -> dict[str, list[str]]:
    return {field: [str(m) for m in errors] for field, errors in form.errors.items()}


@csrf_exempt
@require_POST
@xframe_options_exempt
@FRAMEABLE
def form_submit(request: HttpRequest) -> HttpResponse:
    as_json = request.POST.get("format") == "json"
    with translation.override(_language(request)):
        response = _submit(request, as_json)
    return _cors(response) if as_json else response


def _submit(request: HttpRequest, as_json: bool) -> HttpResponse:
    def fail(message: str, status: int, form: ContactForm | None = None, token: str = "") -> HttpResponse:
        if as_json:
            body: dict[str, Any] = {"ok": False, "error": message}
            if form is not None and form.errors:
                body["errors"] = _errors(form)
            if token:
                body["token"] = token
            return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        shown = form or ContactForm(initial={"token": services.issue_form_token()})
        return _render_form(request, shown, status=status, error=message)

    # Counted before anything else, so that malformed and bot posts use up the allowance too.
    if throttle.FORM_PER_IP.hit(throttle.client_ip(request)) > throttle.FORM_PER_IP.limit:
        return fail(_("Too many messages were sent from your network. Please try again later."), 429)
    form = ContactForm(request.POST)
    if form.is_bot:
        return fail(_("Your message could not be sent."), 400)
    if not form.is_valid():
        return fail(_("Please correct the fields marked below."), 422, form)
    data = form.cleaned_data
    try:
        key = services.check_form_token(data["token"])
    except ValidationFailed as error:
        # A fresh token, so that the person can simply send again.
        token = services.issue_form_token()
        renewed = ContactForm({**request.POST.dict(), "token": token})
        renewed.is_valid()
        return fail(error.message, 400, renewed, token=token)
    departments = _departments()
    department = data["department"] or (departments[0] if departments else None)
    if department is None:
        return fail(_("Messages cannot be received at the moment."), 503)
    try:
        ticket, created = services.submit_web_form(key, services.WebFormInput(
            name=data["name"], email=data["email"], subject=data["subject"], body=data["message"],
            department=department, language=translation.get_language() or settings.LANGUAGE_CODE,
        ))
    except TesseraError as error:
        return fail(error.message, error.status)
    message = _("Thank you. Your request %(number)s was received; we will answer by email.") % {
        "number": ticket.display_number
    }
    if as_json:
        return JsonResponse(
            {"ok": True, "ticket": ticket.display_number, "number": ticket.number, "message": message},
            status=201 if created else 200,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "portal/form_done.html", {"ticket": ticket, "message": message}, status=201 if created else 200)


@cache
def _embed_source() -> bytes:
    return EMBED_JS.read_bytes()


@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_embed_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return _cors(response)
