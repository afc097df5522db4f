"""Admin pages for mailboxes: list, add, edit, check the connection, delete an unused one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tessera.agent_ui.settings_forms import MailboxForm
from tessera.agent_ui.views import _actor
from tessera.channels import mailboxes
from tessera.channels.models import Mailbox
from tessera.core import time
from tessera.core.errors import NotFound, TesseraError
from tessera.spam import store as spam_store
from tessera.web.decorators import admin_required

# Providers' inbound endpoints, by URL name; one that is not installed is left out.
_PROVIDER_ROUTES = (
    ("Mailgun", "inbound-mailgun"),
    ("SendGrid", "inbound-sendgrid"),
    ("Postmark", "inbound-postmark"),
    ("Amazon SES", "inbound-amazon-ses"),
)


def _provider_urls() -> list[tuple[str, str]]:
    site = str(settings.TESSERA["SITE_URL"]).rstrip("/")
    urls = []
    for label, name in _PROVIDER_ROUTES:
        try:
            urls.append((label, site + reverse(name)))
        except NoReverseMatch:
            continue
    return urls


def _redirect_uri() -> str:
    # From the configured site URL, never the request's Host header: the provider compares it
    # with the one registered for the app, and a forged Host must not redirect codes elsewhere.
    return str(settings.TESSERA["SITE_URL"]).rstrip("/") + reverse("desk:mailbox_oauth_callback")


def _initial(mailbox: Mailbox) -> dict[str, Any]:
    keys = ("name", "address", "kind", "imap_host", "imap_port", "imap_security", "username", "folder",
            "after_commit", "move_to_folder", "is_active", "oauth2_provider", "oauth2_client_id",
            "oauth2_authorize_url", "oauth2_token_url", "oauth2_scope")
    return {**{key: getattr(mailbox, key) for key in keys}, "department": mailbox.department_id}


def _page(request: HttpRequest, form: MailboxForm, editing: Mailbox | None, *, status: int = 200,
          error: str | None = None) -> HttpResponse:
    context = {
        "rows": mailboxes.mailbox_rows(_actor(request)),
        "form": form,
        "editing": editing,
        "error": error,
        "provider_urls": _provider_urls(),
        "oauth_redirect_uri": _redirect_uri(),
        "spam": spam_store.status(),
    }
    return render(request, "agent_ui/mailboxes.html", context, status=status)


def _mailbox_or_404(request: HttpRequest, mailbox_id: int) -> Mailbox:
    try:
        return mailboxes.get_mailbox(_actor(request), mailbox_id)
    except NotFound:
        raise Http404 from None


def _form_error(form: MailboxForm, error: TesseraError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@admin_required
def mailbox_index(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, MailboxForm(prefix="m"), None)
    form = MailboxForm(request.POST, prefix="m")
    if not form.is_valid():
        return _page(request, form, None, status=422)
    data = form.changes()
    # A new mailbox keeps nothing: an absent secret is simply empty.
    data = {key: ("" if value is None else value) for key, value in data.items()}
    try:
        mailbox = mailboxes.create_mailbox(_actor(request), **data)
    except TesseraError as error:
        _form_error(form, error)
        return _page(request, form, None, status=error.status)
    messages.success(request, _("Mailbox saved."))
    return redirect("desk:mailbox", mailbox_id=mailbox.pk)


@admin_required
def mailbox_edit(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    actor = _actor(request)
    mailbox = _mailbox_or_404(request, mailbox_id)
    if request.method != "POST":
        return _page(request, MailboxForm(prefix="m", initial=_initial(mailbox)), mailbox)
    form = MailboxForm(request.POST, prefix="m")
    if not form.is_valid():
        return _page(request, form, mailbox, status=422)
    try:
        mailboxes.update_mailbox(actor, mailbox, form.changes())
    except TesseraError as error:
        _form_error(form, error)
        mailbox.refresh_from_db()
        return _page(request, form, mailbox, status=error.status)
    messages.success(request, _("Mailbox saved."))
    return redirect("desk:mailbox", mailbox_id=mailbox.pk)


@admin_required
@require_POST
def mailbox_check(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _mailbox_or_404(request, mailbox_id)
    try:
        result = mailboxes.check_connection(_actor(request), mailbox)
    except TesseraError as error:
        messages.error(request, error.message)
        return redirect("desk:mailbox", mailbox_id=mailbox.pk)
    if result.ok:
        messages.success(
            request,
            _("%(detail)s %(messages)d messages in the folder, %(unseen)d unread; %(mode)s.")
            % {
                "detail": result.detail,
                "messages": result.messages or 0,
                "unseen": result.unseen or 0,
                "mode": _("new mail is pushed (IDLE)") if result.idle else _("the folder is polled"),
            },
        )
    else:
        messages.error(request, result.detail)
    return redirect("desk:mailbox", mailbox_id=mailbox.pk)


@admin_required
@require_POST
def mailbox_delete(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _mailbox_or_404(request, mailbox_id)
    try:
        mailboxes.delete_mailbox(_actor(request), mailbox)
    except TesseraError as error:
        messages.error(request, error.message)
        return redirect("desk:mailbox", mailbox_id=mailbox_id)
    messages.success(request, _("Mailbox deleted."))
    return redirect("desk:mailboxes")


_SESSION_KEY = "mailbox_oauth"
# How long a started sign-in may take before its state is forgotten.
_SIGN_IN_SECONDS = 15 * 60


@admin_required
@require_POST
def mailbox_oauth_start(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = _mailbox_or_404(request, mailbox_id)
    try:
        authorization = mailboxes.start_authorization(_actor(request), mailbox, _redirect_uri())
    except TesseraError as error:
        messages.error(request, error.message)
        return redirect("desk:mailbox", mailbox_id=mailbox.pk)
    # The state ties the provider's answer to this admin's session and this mailbox; the PKCE
    # verifier never leaves the server.
    pending = {
        key: value for key, value in request.session.get(_SESSION_KEY, {}).items()
        if value.get("started", 0) > time.now().timestamp() - _SIGN_IN_SECONDS
    }
    pending[authorization.state] = {
        "mailbox": mailbox.pk, "verifier": authorization.verifier, "started": time.now().timestamp(),
    }
    request.session[_SESSION_KEY] = pending
    return HttpResponseRedirect(authorization.url)


@admin_required
def mailbox_oauth_callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(_SESSION_KEY, {})
    entry = pending.pop(str(request.GET.get("state", "")), None)
    request.session[_SESSION_KEY] = pending
    if entry is None or entry.get("started", 0) < time.now().timestamp() - _SIGN_IN_SECONDS:
        messages.error(request, _("This sign-in was not started here or took too long; start it again."))
        return redirect("desk:mailboxes")
    mailbox = _mailbox_or_404(request, int(entry["mailbox"]))
    if request.GET.get("error"):
        messages.error(request, _("The provider did not grant access: %(error)s")
                       % {"error": str(request.GET.get("error_description") or request.GET["error"])[:300]})
        return redirect("desk:mailbox", mailbox_id=mailbox.pk)
    try:
        mailboxes.finish_authorization(_actor(request), mailbox, str(request.GET.get("code", ""))[:4096],
                                       _redirect_uri(), str(entry["verifier"]))
    except TesseraError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Signed in: the mailbox's access token will be renewed automatically."))
    return redirect("desk:mailbox", mailbox_id=mailbox.pk)
