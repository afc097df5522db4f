"""Administration of mailboxes: the addresses customers write to, and how mail reaches us.

Admins only. Passwords and OAuth2 tokens are write-only: they are stored encrypted (see
``secret_fields``) and no function here returns them; callers learn only whether one is set.
Host names are checked against :mod:`tessera.core.netguard` when saved, and again by the
connection itself (``imap_session``), so a mailbox cannot point the server at its own network
unless the operator allowed that network.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from imap_tools.errors import ImapToolsError

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department
from tessera.channels import oauth2
from tessera.channels.egress import SETTING, allowed_networks
from tessera.channels.imap_session import ImapSecretError, LoginRefused, open_session
from tessera.channels.models import (
    AfterCommit,
    ImapSecurity,
    InboundStatus,
    Mailbox,
    MailboxKind,
    OAuth2Provider,
    RawInbound,
)
from tessera.core import netguard
from tessera.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

CHECK_TIMEOUT_SECONDS = 15.0
# Fields whose change means the UIDs we remember belong to another folder or server.
_UID_SCOPE = ("imap_host", "imap_port", "username", "folder")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
# CR, LF and NUL would end an IMAP command line early and start another one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLAIN_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class MailboxRow:
    """A mailbox as the settings page lists it, with what is waiting or stuck in it."""

    mailbox: Mailbox
    pending: int
    quarantined: int
    credentials: str


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    detail: str
    messages: int | None = None
    unseen: int | None = None
    idle: bool | None = None


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators may change the desk's settings"))


def mailbox_rows(actor: Actor) -> list[MailboxRow]:
    """Every mailbox with its pending and quarantined mail, in one query."""
    _require_admin(actor)
    rows = (
        Mailbox.objects.select_related("department")
        .annotate(
            pending_count=Count("inbound", filter=Q(inbound__status=InboundStatus.PENDING)),
            quarantined_count=Count("inbound", filter=Q(inbound__status=InboundStatus.QUARANTINED)),
        )
        .order_by("name")
    )
    return [MailboxRow(m, m.pending_count, m.quarantined_count, credential_label(m)) for m in rows]


def credential_label(mailbox: Mailbox) -> str:
    """What kind of secret is stored, never the secret."""
    if mailbox.kind != MailboxKind.IMAP:
        return "—"
    if mailbox.undecryptable_secrets():
        return _("cannot be decrypted")
    if oauth2.uses_refresh(mailbox):
        if mailbox.oauth2_refresh_token:
            return _("OAuth2 (%(provider)s), signed in") % {"provider": mailbox.get_oauth2_provider_display()}
        return _("OAuth2 (%(provider)s), waiting for sign-in") % {"provider": mailbox.get_oauth2_provider_display()}
    if mailbox.oauth2_access_token:
        return _("OAuth2 token")
    if mailbox.password:
        return _("password")
    return _("none")


def get_mailbox(actor: Actor, mailbox_id: int) -> Mailbox:
    _require_admin(actor)
    mailbox = Mailbox.objects.select_related("department").filter(pk=mailbox_id).first()
    if mailbox is None:
        raise NotFound(_("No such mailbox"))
    return mailbox


def _text(fields: dict[str, Any], key: str, *, limit: int = 255) -> str:
    value = str(fields.get(key) or "").strip()
    if len(value) > limit:
        raise ValidationFailed(_("At most %(limit)d characters") % {"limit": limit}, field=key)
    if _CONTROL.search(value):
        raise ValidationFailed(_("Control characters are not allowed here"), field=key)
    return value


def _department(value: Any) -> Department:
    if isinstance(value, Department):
        return value
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Choose a department"), field="department") from None
    department = Department.objects.filter(pk=pk).first()
    if department is None:
        raise ValidationFailed(_("Choose a department"), field="department")
    return department


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Each given field, normalised and checked on its own; cross-field rules come after."""
    clean: dict[str, Any] = {}
    if "name" in fields:
        name = " ".join(str(fields["name"] or "").split())
        if not name or len(name) > 120:
            raise ValidationFailed(_("A mailbox name is 1 to 120 characters"), field="name")
        clean["name"] = name
    if "department" in fields:
        clean["department"] = _department(fields["department"])
    if "address" in fields:
        address = str(fields["address"] or "").strip().lower()
        if address:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationFailed(_("Enter a valid email address"), field="address") from None
        clean["address"] = address
    if "kind" in fields:
        if fields["kind"] not in MailboxKind.values:
            raise ValidationFailed(_("Unknown kind of mailbox"), field="kind")
        clean["kind"] = fields["kind"]
    if "imap_host" in fields:
        host = _text(fields, "imap_host").lower().rstrip(".")
        if host and not _HOST.match(host):
            raise ValidationFailed(_("Enter a host name or an IP address"), field="imap_host")
        clean["imap_host"] = host.strip("[]")
    if "imap_port" in fields:
        try:
            port = int(fields["imap_port"])
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            raise ValidationFailed(_("A port is a number from 1 to 65535"), field="imap_port")
        clean["imap_port"] = port
    if "imap_security" in fields:
        if fields["imap_security"] not in ImapSecurity.values:
            raise ValidationFailed(_("Unknown connection security"), field="imap_security")
        clean["imap_security"] = fields["imap_security"]
    if "username" in fields:
        clean["username"] = _text(fields, "username")
    if "oauth2_provider" in fields:
        provider = str(fields["oauth2_provider"] or "")
        if provider and provider not in OAuth2Provider.values:
            raise ValidationFailed(_("Unknown OAuth2 provider"), field="oauth2_provider")
        clean["oauth2_provider"] = provider
    if "oauth2_client_id" in fields:
        clean["oauth2_client_id"] = _text(fields, "oauth2_client_id")
    if "oauth2_scope" in fields:
        clean["oauth2_scope"] = _text(fields, "oauth2_scope", limit=500)
    for url_field in ("oauth2_authorize_url", "oauth2_token_url"):
        if url_field in fields:
            url = _text(fields, url_field, limit=500)
            parts = urlsplit(url)
            if url and (parts.scheme not in {"https", "http"} or not parts.hostname or parts.username):
                raise ValidationFailed(_("Enter an https URL"), field=url_field)
            clean[url_field] = url
    for secret in ("password", "oauth2_access_token", "oauth2_client_secret", "oauth2_refresh_token"):
        if secret in fields and fields[secret] is not None:
            value = str(fields[secret])
            if _CONTROL.search(value) or len(value) > 4096:
                raise ValidationFailed(_("This secret contains characters a server would not accept"), field=secret)
            clean[secret] = value
    for folder in ("folder", "move_to_folder"):
        if folder in fields:
            clean[folder] = _text(fields, folder)
    if "after_commit" in fields:
        if fields["after_commit"] not in AfterCommit.values:
            raise ValidationFailed(_("Unknown choice for fetched mail"), field="after_commit")
        clean["after_commit"] = fields["after_commit"]
    if "is_active" in fields:
        clean["is_active"] = bool(fields["is_active"])
    return clean


def _validate_whole(mailbox: Mailbox, *, check_host: bool = True) -> None:
    """The rules that depend on several fields, checked on the mailbox as it would be saved."""
    if mailbox.kind in {MailboxKind.SMTP, MailboxKind.WEBHOOK} and not mailbox.address:
        # The listener and the webhooks find the mailbox by the address mail was sent to.
        raise ValidationFailed(_("Mail delivered to us is matched by its address: enter one"), field="address")
    if mailbox.address:
        taken = Mailbox.objects.filter(address__iexact=mailbox.address).exclude(pk=mailbox.pk)
        if taken.exists():
            raise Conflict(_("Another mailbox has this address"), field="address")
    if mailbox.kind != MailboxKind.IMAP:
        return
    if not mailbox.imap_host:
        raise ValidationFailed(_("Enter the IMAP server's host name"), field="imap_host")
    if not mailbox.username:
        raise ValidationFailed(_("Enter the user name to log in with"), field="username")
    if mailbox.oauth2_provider:
        if not mailbox.oauth2_client_id:
            raise ValidationFailed(_("Enter the OAuth2 app's client id"), field="oauth2_client_id")
        urls = oauth2.endpoints(mailbox)
        if not urls.authorize_url or not urls.token_url:
            raise ValidationFailed(_("Enter the provider's authorization and token URLs"), field="oauth2_token_url")
    elif not mailbox.password and not mailbox.oauth2_access_token:
        raise ValidationFailed(_("Enter a password or an OAuth2 access token"), field="password")
    if not mailbox.folder:
        raise ValidationFailed(_("Enter the folder to fetch, e.g. INBOX"), field="folder")
    if mailbox.after_commit == AfterCommit.MOVE:
        if not mailbox.move_to_folder:
            raise ValidationFailed(_("Enter the folder to move fetched mail to"), field="move_to_folder")
        if mailbox.move_to_folder == mailbox.folder:
            raise ValidationFailed(_("Fetched mail must move to another folder"), field="move_to_folder")
    if mailbox.imap_security == ImapSecurity.PLAIN and mailbox.imap_host not in _PLAIN_HOSTS:
        # The password would cross the network in clear.
        raise ValidationFailed(
            _("Without encryption only a server on this machine (localhost) may be used"), field="imap_security"
        )
    if check_host:
        _check_host(mailbox.imap_host, mailbox.imap_port)


def _check_host(host: str, port: int) -> None:
    try:
        netguard.resolve_checked(host, port, allowed_networks(), SETTING)
    except netguard.AddressRefused:
        raise ValidationFailed(
            _("%(host)s is on a private or reserved network; an operator can allow it in %(setting)s")
            % {"host": host, "setting": SETTING},
            field="imap_host",
        ) from None
    except netguard.ResolveFailed:
        raise ValidationFailed(_("The host name %(host)s cannot be resolved") % {"host": host}, field="imap_host") from None


def _save(mailbox: Mailbox, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            mailbox.save(update_fields=update_fields)
    except IntegrityError:
        raise Conflict(_("A mailbox with that name exists"), field="name") from None


def create_mailbox(actor: Actor, **fields: Any) -> Mailbox:
    _require_admin(actor)
    clean = _clean(fields)
    for required in ("name", "department"):
        if required not in clean:
            raise ValidationFailed(_("This field is required"), field=required)
    mailbox = Mailbox(**clean)
    _validate_whole(mailbox)
    _save(mailbox)
    return mailbox


def update_mailbox(actor: Actor, mailbox: Mailbox, changes: dict[str, Any]) -> Mailbox:
    """Apply ``changes``; a secret absent from them (or None) is kept, an empty one is removed."""
    _require_admin(actor)
    clean = _clean(changes)
    before = {key: getattr(mailbox, key) for key in _UID_SCOPE}
    host_before = (mailbox.kind, mailbox.imap_host, mailbox.imap_port)
    client_before = _oauth_client(mailbox)
    for key, value in clean.items():
        setattr(mailbox, key, value)
    # The host is resolved again only when it changed: renaming a mailbox must not depend on DNS
    # (the connection itself checks the address every time anyway).
    _validate_whole(mailbox, check_host=host_before != (mailbox.kind, mailbox.imap_host, mailbox.imap_port))
    fields = list(clean)
    if any(getattr(mailbox, key) != value for key, value in before.items()):
        # Remembered UIDs count in another folder or server now: start over (deduplication
        # by Message-ID absorbs mail seen before).
        mailbox.last_uid, mailbox.uidvalidity, mailbox.last_error = 0, None, ""
        fields += ["last_uid", "uidvalidity", "last_error"]
    if client_before != _oauth_client(mailbox) and not {"oauth2_refresh_token", "oauth2_access_token"} & set(clean):
        # Tokens belong to the app (and account) that issued them; another app needs a new sign-in.
        mailbox.oauth2_refresh_token, mailbox.oauth2_access_token, mailbox.oauth2_expires_at = "", "", None
        fields += ["oauth2_refresh_token", "oauth2_access_token", "oauth2_expires_at"]
    if fields:
        _save(mailbox, update_fields=sorted(set(fields)))
    return mailbox


def _oauth_client(mailbox: Mailbox) -> tuple[str, ...]:
    return (mailbox.oauth2_provider, mailbox.oauth2_client_id, oauth2.endpoints(mailbox).token_url, mailbox.username)


def delete_mailbox(actor: Actor, mailbox: Mailbox) -> None:
    """Only a mailbox nothing was received through: received mail keeps its mailbox forever."""
    _require_admin(actor)
    if RawInbound.objects.filter(mailbox=mailbox).exists():
        raise Conflict(_("Mail was received through this mailbox; deactivate it instead"), field="mailbox")
    mailbox.delete()


def start_authorization(actor: Actor, mailbox: Mailbox, redirect_uri: str) -> oauth2.Authorization:
    """Where to send the admin to sign in to the mailbox's account at its OAuth2 provider."""
    _require_admin(actor)
    try:
        return oauth2.new_authorization(mailbox, redirect_uri)
    except oauth2.OAuthError:
        raise ValidationFailed(_("Choose an OAuth2 provider and enter the app's client id first"),
                               field="oauth2_provider") from None


def finish_authorization(actor: Actor, mailbox: Mailbox, code: str, redirect_uri: str, verifier: str) -> None:
    _require_admin(actor)
    try:
        oauth2.complete_authorization(mailbox, code, redirect_uri, verifier)
    except oauth2.OAuthError as exc:
        raise ValidationFailed(_("The OAuth2 provider refused the sign-in: %(error)s") % {"error": exc},
                               field="oauth2_provider") from None


def check_connection(actor: Actor, mailbox: Mailbox) -> ConnectionCheck:
    """Log in to the mailbox's IMAP server as the fetcher would, and report what is there.

    Read-only: selects the folder with EXAMINE semantics via STATUS, fetches and flags nothing.
    """
    _require_admin(actor)
    if mailbox.kind != MailboxKind.IMAP:
        raise ValidationFailed(_("Only IMAP mailboxes are fetched; mail is delivered to the others"), field="kind")
    try:
        client = open_session(mailbox, timeout=CHECK_TIMEOUT_SECONDS, select=False)
    except netguard.AddressRefused:
        return ConnectionCheck(False, _("The server's address is not allowed (%(setting)s)") % {"setting": SETTING})
    except netguard.ResolveFailed:
        return ConnectionCheck(False, _("The host name cannot be resolved"))
    except ImapSecretError:
        return ConnectionCheck(False, _("The stored credentials cannot be decrypted; enter them again"))
    except oauth2.OAuthError as exc:
        return ConnectionCheck(False, _("The OAuth2 provider did not renew the access token: %(error)s") % {"error": exc})
    except LoginRefused:
        return ConnectionCheck(False, _("The server refused the user name and password or token"))
    except ssl.SSLError as exc:
        return ConnectionCheck(False, _("The secure connection failed: %(reason)s") % {"reason": exc.reason or exc})
    except (OSError, imaplib.IMAP4.error) as exc:
        # Said without the server's own words beyond the error class, so a check cannot be used
        # to read banners of arbitrary services.
        return ConnectionCheck(False, _("Could not talk to the IMAP server (%(error)s)") % {"error": type(exc).__name__})
    try:
        capabilities = {str(c).upper() for c in client.client.capabilities}
        try:
            status = client.folder.status(mailbox.folder, ["MESSAGES", "UNSEEN"])
        except (ImapToolsError, imaplib.IMAP4.error):
            return ConnectionCheck(False, _("Logged in, but the folder %(folder)s does not exist") % {"folder": mailbox.folder})
        if mailbox.after_commit == AfterCommit.MOVE and not client.folder.exists(mailbox.move_to_folder):
            return ConnectionCheck(
                False, _("Logged in, but the folder %(folder)s does not exist") % {"folder": mailbox.move_to_folder}
            )
        return ConnectionCheck(
            True,
            _("Connected and logged in."),
            messages=int(status.get("MESSAGES", 0)),
            unseen=int(status.get("UNSEEN", 0)),
            idle="IDLE" in capabilities,
        )
    except (OSError, imaplib.IMAP4.error) as exc:
        return ConnectionCheck(False, _("Could not talk to the IMAP server (%(error)s)") % {"error": type(exc).__name__})
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error, ImapToolsError):
            client.logout()

