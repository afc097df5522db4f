"""Real mail servers for the email tests: Dovecot (IMAP), the aiosmtpd listener, a capture SMTP.

Dovecot runs from a temporary directory with its own configuration: loopback only, an
unprivileged port, plaintext logins (loopback only), a passwd-file of users and maildir storage.
Each test gets a user (a mailbox) of its own, so tests share one server without sharing mail.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time as clock
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.integration.email.oauth_standin import OAuthStandIn

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
STARTUP_DEADLINE = 30.0
USER_POOL = 100
PASSWORD = "secret"  # A throwaway test server on loopback.


def die_with_parent() -> None:
    """Run in a child before exec: if the test process dies (even SIGKILLed), so does the child,
    so no server outlives an interrupted test run."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, what: str, deadline: float = STARTUP_DEADLINE) -> None:
    end = clock.monotonic() + deadline
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if clock.monotonic() > end:
                raise AssertionError(f"{what} did not start listening on port {port}") from None
            clock.sleep(0.05)


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    owner: str
    users: list[str] = field(default_factory=list)
    oauth: OAuthStandIn = field(default_factory=OAuthStandIn)

    host = "127.0.0.1"

    def add_user(self) -> str:
        """A fresh, empty mailbox (users are created with the server: Dovecot notices changes
        to its passwd-file only by modification time, which is too coarse to add them live)."""
        if not self.users:
            raise AssertionError(f"all {USER_POOL} test users of the Dovecot fixture are used up")
        return self.users.pop()

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=30)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client(user)
        try:
            if folder != "INBOX":
                client.create(folder)
            typ, data = client.append(folder, "", imaplib.Time2Internaldate(clock.time()), raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, str]:
        """UID → FLAGS string, for every message in the folder."""
        client = self.client(user)
        try:
            client.select(folder, readonly=True)
            _, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
            result: dict[int, str] = {}
            for item in data:
                if not isinstance(item, bytes):
                    continue
                text = item.decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                result[uid] = text.split("FLAGS ", 1)[1]
            return result
        finally:
            client.logout()


LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"


@pytest.fixture(autouse=True)
def _mail_servers_on_loopback(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test mail servers listen on loopback, which the network guard refuses by default; the
    # environment carries the allowance to the fetchers and workers tests start as processes.
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": LOOPBACK_NETWORKS.split(",")}
    monkeypatch.setenv("TESSERA_MAIL_ALLOWED_NETWORKS", LOOPBACK_NETWORKS)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not Path(DOVECOT).exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    # Not under pytest's tmp dir: that is 0700 and Dovecot's unprivileged processes must reach
    # the mail directory.
    root = Path(tempfile.mkdtemp(prefix="tessera-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    users = [f"u{uuid.uuid4().hex[:12]}" for _ in range(USER_POOL)]
    (root / "passwd").write_text("".join(f"{name}:{{PLAIN}}{PASSWORD}::::::\n" for name in users))
    (root / "passwd").chmod(0o644)
    if os.geteuid() == 0:
        owner, login_user = "dovecot", "dovenull"
        shutil.chown(root / "mail", owner, owner)
        shutil.chown(root / "home", owner, owner)
    else:
        import getpass

        owner = login_user = getpass.getuser()
    port = free_port()
    # XOAUTH2 logins are checked against the tokens the stand-in OAuth2 provider issued.
    oauth = OAuthStandIn()
    oauth.start()
    (root / "oauth2.conf.ext").write_text(
        f"introspection_mode = post\nintrospection_url = {oauth.base}/introspect\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
    )
    (root / "oauth2.conf.ext").chmod(0o644)
    config = root / "dovecot.conf"
    config.write_text(
        textwrap.dedent(
            f"""\
            protocols = imap
            listen = 127.0.0.1
            base_dir = {root}/run
            state_dir = {root}/state
            instance_name = tessera-test-{port}
            log_path = {root}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login xoauth2 oauthbearer
            mail_location = maildir:{root}/mail/%u
            default_internal_user = {owner}
            default_login_user = {login_user}
            first_valid_uid = 0
            mail_max_userip_connections = 200
            service imap-login {{
              inet_listener imap {{
                address = 127.0.0.1
                port = {port}
              }}
              inet_listener imaps {{
                port = 0
              }}
            }}
            service stats {{
              unix_listener stats-reader {{
                mode = 0666
              }}
              unix_listener stats-writer {{
                mode = 0666
              }}
            }}
            passdb {{
              driver = oauth2
              mechanisms = xoauth2 oauthbearer
              args = {root}/oauth2.conf.ext
            }}
            passdb {{
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {root}/passwd
            }}
            userdb {{
              driver = static
              args = uid={owner} gid={owner} home={root}/home/%u
            }}
            """
        )
    )
    log = (root / "stdout.log").open("wb")
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
    )
    try:
        wait_for_port(port, "Dovecot")
        yield Dovecot(root=root, port=port, process=process, owner=owner, users=users, oauth=oauth)
    finally:
        oauth.stop()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


class CaptureHandler:
    """Collects every mail a test's code sends: the customer's side of the conversation."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes]] = []
        self.event = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        assert isinstance(content, bytes)
        self.mails.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        self.event.set()
        return "250 OK"


@pytest.fixture
def capture_smtp(settings: Any) -> Iterator[CaptureHandler]:
    """A real SMTP server the Django email backend sends to."""
    handler = CaptureHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 30
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_listener(transactional_db: Any) -> Iterator[tuple[str, int]]:
    """Our own inbound listener on a loopback port (its thread needs committed data)."""
    from tessera.channels.smtpd import InboundController, InboundHandler

    port = free_port()
    controller = InboundController(InboundHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port
    finally:
        controller.stop()


@pytest.fixture
def support(db: Any) -> Any:
    from tessera.accounts.models import Department

    return Department.objects.create(name="Support", email_address="support@example.test")


@pytest.fixture
def smtp_mailbox(support: Any) -> Any:
    from tessera.channels.models import Mailbox, MailboxKind

    return Mailbox.objects.create(
        name="Support (SMTP)", department=support, address="support@example.test", kind=MailboxKind.SMTP
    )


@pytest.fixture
def agent(support: Any) -> Any:
    from tessera.accounts.models import Membership, Role, User

    user = User.objects.create_user(username="agent", email="agent@example.test", password="pw", role=Role.AGENT)
    Membership.objects.create(user=user, department=support)
    return user


def run_jobs() -> Any:
    """Run every due job in this process, as a worker would."""
    from tessera.jobs.worker import run_worker

    return run_worker(burst=True, scheduler=False)


def make_mail(
    *,
    sender: str = "Anna Kowalska <anna@acme.test>",
    to: str = "support@example.test",
    subject: str = "Printer on fire",
    body: str = "Hello, my printer is on fire.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_msgid(domain="client.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, content, content_type in attachments or []:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


@pytest.fixture
def mail() -> Callable[..., bytes]:
    return make_mail
