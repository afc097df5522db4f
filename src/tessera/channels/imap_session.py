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
from typing import Any

from imap_tools import BaseMailBox
from imap_tools.errors import MailboxLoginError, MailboxStarttlsError
from imap_tools.utils import check_command_status

from tessera.channels import oauth2
from tessera.channels.egress import SETTING, allowed_networks
from tessera.channels.models import ImapSecurity, Mailbox
from tessera.core import netguard


class LoginRefused(Exception):
    """The server refused the user name with the password or token."""


class ImapSecretError(OSError):
    """The mailbox's stored credentials cannot be decrypted with the configured keys."""


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
    :class:`netguard.ResolveFailed`, :class:`oauth2.OAuthError`, ``OSError``/``ssl.SSLError``
    or imap-tools' errors.
    """
    if mailbox.undecryptable_secrets():
        # Said before connecting: a login refused for an empty password would hide the cause.
        raise ImapSecretError(
            f"the credentials of mailbox {mailbox.name!r} cannot be decrypted: TESSERA_FIELD_KEY "
            "or TESSERA_SECRET_KEY changed without tessera rotate_field_keys"
        )
    address = netguard.resolve_checked(mailbox.imap_host, mailbox.imap_port, allowed_networks(), SETTING)
    oauth2.ensure_fresh(mailbox)
    client = _logged_in(mailbox, str(address), timeout)
    try:
        if select:
            client.folder.set(mailbox.folder)
    except BaseException:
        _quietly_logout(client)
        raise
    return client


def _logged_in(mailbox: Mailbox, address: str, timeout: float) -> BaseMailBox:
    for attempt in (1, 2):
        client = PinnedMailBox(mailbox.imap_host, mailbox.imap_port, address, mailbox.imap_security, timeout)
        try:
            if mailbox.oauth2_access_token:
                client.xoauth2(mailbox.username, mailbox.oauth2_access_token, initial_folder=None)
            else:
                client.login(mailbox.username, mailbox.password, initial_folder=None)
            return client
        except imaplib.IMAP4.abort:
            _quietly_logout(client)
            raise
        except (MailboxLoginError, imaplib.IMAP4.error) as exc:
            # LOGIN refusals come as imap-tools' error, AUTHENTICATE (XOAUTH2) ones as imaplib's.
            _quietly_logout(client)
            # A token revoked or expired before its announced time: renew once and try again.
            if attempt == 2 or not (oauth2.uses_refresh(mailbox) and mailbox.oauth2_refresh_token):
                raise LoginRefused(str(exc)) from exc
            oauth2.ensure_fresh(mailbox, force=True)
        except BaseException:
            _quietly_logout(client)
            raise
    raise AssertionError("unreachable")


def _quietly_logout(client: Any) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()
