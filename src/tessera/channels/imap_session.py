"""Opening an IMAP session to a mailbox's server: checked address, verified TLS, login.

The host is an administrator's input, so it goes through :mod:`tessera.core.netguard` (public
addresses only, unless inside ``TESSERA_MAIL_ALLOWED_NETWORKS``) and the socket connects to the
address that was checked. TLS verifies the server's certificate against the host name with the
system's trust store: imaplib's own default context verifies nothing, which would hand the
mailbox password to anyone on the path.
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
from typing import Any, cast

from django.conf import settings
from imap_tools import BaseMailBox
from imap_tools.errors import MailboxStarttlsError
from imap_tools.utils import check_command_status

from tessera.channels.models import ImapSecurity, Mailbox
from tessera.channels.secret_fields import UndecryptableSecret
from tessera.core import netguard

SETTING = "TESSERA_MAIL_ALLOWED_NETWORKS"


class ImapSecretError(OSError):
    """The mailbox's stored credentials cannot be decrypted with the configured keys."""


def allowed_networks() -> list[netguard.IPNetwork]:
    configured = cast("list[str]", settings.TESSERA.get("MAIL_ALLOWED_NETWORKS", []))
    return netguard.parse_networks(configured)


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _PinnedIMAP4(imaplib.IMAP4):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        # Set before the base class connects from inside its constructor.
        self._pinned_address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._pinned_address, self.port), timeout)


class _PinnedIMAP4SSL(imaplib.IMAP4_SSL):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        self._pinned_address = address
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        raw = socket.create_connection((self._pinned_address, self.port), timeout)
        # Certificate and SNI are checked against the host name, not the pinned address.
        wrapped: socket.socket = self.ssl_context.wrap_socket(raw, server_hostname=self.host)
        return wrapped


class PinnedMailBox(BaseMailBox):  # type: ignore[misc]
    """imap-tools' mailbox API over a connection to an already checked address."""

    def __init__(self, host: str, port: int, address: str, security: str, timeout: float) -> None:
        self._host, self._port, self._address = host, port, address
        self._security, self._timeout = security, timeout
        super().__init__()

    def _get_mailbox_client(self) -> imaplib.IMAP4:
        if self._security == ImapSecurity.SSL:
            return _PinnedIMAP4SSL(self._host, self._port, self._address, self._timeout, tls_context())
        client = _PinnedIMAP4(self._host, self._port, self._address, self._timeout)
        if self._security == ImapSecurity.STARTTLS:
            check_command_status(client.starttls(tls_context()), MailboxStarttlsError)
        return client


def open_session(mailbox: Mailbox, *, timeout: float, select: bool = True) -> BaseMailBox:
    """A logged-in session, with the mailbox's folder selected (read-write) unless told not to.

    Raises :class:`ImapSecretError`, :class:`netguard.AddressRefused`,
    :class:`netguard.ResolveFailed`, ``OSError``/``ssl.SSLError`` or imap-tools' errors.
    """
    if isinstance(mailbox.password, UndecryptableSecret) or isinstance(
        mailbox.oauth2_access_token, UndecryptableSecret
    ):
        # Said before connecting: a login refused for an empty password would hide the cause.
        raise ImapSecretError(
            f"the credentials of mailbox {mailbox.name!r} cannot be decrypted: TESSERA_FIELD_KEY "
            "or TESSERA_SECRET_KEY changed without tessera rotate_field_keys"
        )
    address = netguard.resolve_checked(mailbox.imap_host, mailbox.imap_port, allowed_networks(), SETTING)
    client = PinnedMailBox(mailbox.imap_host, mailbox.imap_port, str(address), mailbox.imap_security, timeout)
    try:
        if mailbox.oauth2_access_token:
            client.xoauth2(mailbox.username, mailbox.oauth2_access_token, initial_folder=None)
        else:
            client.login(mailbox.username, mailbox.password, initial_folder=None)
        if select:
            client.folder.set(mailbox.folder)
    except BaseException:
        _quietly_logout(client)
        raise
    return client


def _quietly_logout(client: Any) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()
