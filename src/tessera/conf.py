"""The one place where the environment is read.

Every setting that an operator may change comes from an environment variable, parsed and
validated here at start-up, so a typo fails loudly before the first request instead of
misbehaving later.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """An environment variable holds a value Tessera cannot use."""


def _bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _probability(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number between 0.5 and 1, not {raw!r}") from None
    if not 0.5 <= value <= 1.0:
        raise ConfigError(f"{name} must be between 0.5 and 1, not {value}")
    return value


@dataclass(frozen=True)
class Env:
    debug: bool
    secret_key: str
    database_url: str
    redis_url: str
    allowed_hosts: list[str]
    data_dir: Path
    media_root: Path
    time_zone: str
    ticket_prefix: str
    max_attachment_bytes: int
    max_inbound_email_bytes: int
    email_url: str
    default_from_email: str
    site_url: str
    reply_domain: str
    db_pool_size: int = 10
    list_counts_seconds: int = 10
    # The spam filter stays silent until it has learned this many spam and this many ham
    # messages, and marks new mail as spam only at or above the threshold probability.
    spam_min_examples: int = 20
    spam_threshold: float = 0.99
    mailgun_signing_key: str = ""
    inbound_webhook_secret: str = ""
    # Amazon SES inbound: SNS topics accepted (empty: any topic whose message Amazon signed),
    # and the hosts SNS signing certificates and subscription confirmations may come from.
    ses_topic_arns: list[str] = field(default_factory=list)
    sns_host_pattern: str = r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
    csrf_trusted_origins: list[str] = field(default_factory=list)
    # Fernet keys for secrets stored in the database, newest first (older ones only decrypt);
    # empty: one key derived from the secret key.
    field_keys: list[str] = field(default_factory=list)
    # Non-public networks (CIDRs) mailbox hosts may point at: an on-premises mail server.
    mail_allowed_networks: list[str] = field(default_factory=list)
    # authserv-ids of our own receiving MTA(s): their Authentication-Results headers are the
    # only ones believed when a forward claims to come from an agent (channels/email/authresults).
    mail_authserv_ids: list[str] = field(default_factory=list)


def read_env(environ: os._Environ[str] | dict[str, str] | None = None) -> Env:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("TESSERA_DATA_DIR", Path.cwd() / "var")).resolve()
    debug = _bool("TESSERA_DEBUG", env.get("TESSERA_DEBUG", "false"))

    secret_key = env.get("TESSERA_SECRET_KEY", "")
    if not secret_key:
        if not debug:
            # A random key per process would log everyone out on restart and break signed
            # reply tokens, so production must set one; development gets a stable file.
            key_file = data_dir / "secret_key"
            if key_file.exists():
                secret_key = key_file.read_text().strip()
            else:
                data_dir.mkdir(parents=True, exist_ok=True)
                secret_key = secrets.token_urlsafe(50)
                key_file.write_text(secret_key)
                key_file.chmod(0o600)
        else:
            secret_key = "insecure-development-key-" + "x" * 30
    if len(secret_key) < 32:
        raise ConfigError("TESSERA_SECRET_KEY must be at least 32 characters long")

    database_url = env.get("DATABASE_URL", "") or f"sqlite:///{data_dir / 'tessera.sqlite3'}"
    if database_url.startswith("sqlite:"):
        data_dir.mkdir(parents=True, exist_ok=True)
    if not database_url.startswith(("sqlite:", "postgres://", "postgresql://")):
        raise ConfigError("DATABASE_URL must be a sqlite:/// or postgres:// URL")

    time_zone = env.get("TESSERA_TIME_ZONE", "UTC")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TESSERA_TIME_ZONE {time_zone!r} is not a known time zone") from None

    prefix = env.get("TESSERA_TICKET_PREFIX", "#")
    if len(prefix) > 10:
        raise ConfigError("TESSERA_TICKET_PREFIX must be at most 10 characters")

    site_url = env.get("TESSERA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    if not site_url.startswith(("http://", "https://")):
        raise ConfigError("TESSERA_SITE_URL must start with http:// or https://")

    field_keys = [k.strip() for k in env.get("TESSERA_FIELD_KEY", "").split(",") if k.strip()]
    for key in field_keys:
        if not _is_fernet_key(key):
            raise ConfigError(
                "TESSERA_FIELD_KEY must hold Fernet keys (32 bytes, URL-safe base64), comma-separated"
            )

    mail_networks = [n.strip() for n in env.get("TESSERA_MAIL_ALLOWED_NETWORKS", "").split(",") if n.strip()]
    for network in mail_networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(f"TESSERA_MAIL_ALLOWED_NETWORKS: {network!r} is not a network (CIDR)") from None

    ses_topics = [t.strip() for t in env.get("TESSERA_SES_TOPIC_ARNS", "").split(",") if t.strip()]
    for topic in ses_topics:
        if not topic.startswith("arn:") or topic.count(":") != 5:
            raise ConfigError(f"TESSERA_SES_TOPIC_ARNS: {topic!r} is not an SNS topic ARN")
    sns_host_pattern = env.get("TESSERA_SNS_HOST_PATTERN", "").strip() or Env.sns_host_pattern
    try:
        re.compile(sns_host_pattern)
    except re.error as exc:
        raise ConfigError(f"TESSERA_SNS_HOST_PATTERN is not a regular expression: {exc}") from None

    authserv_ids = [i.strip() for i in env.get("TESSERA_MAIL_AUTHSERV_ID", "").split(",") if i.strip()]
    for authserv_id in authserv_ids:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", authserv_id):
            raise ConfigError(f"TESSERA_MAIL_AUTHSERV_ID: {authserv_id!r} is not an authserv-id (a host name)")

    hosts = [h.strip() for h in env.get("TESSERA_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        hosts = ["127.0.0.1", "localhost", "[::1]", "testserver"]

    return Env(
        debug=debug,
        secret_key=secret_key,
        database_url=database_url,
        redis_url=env.get("REDIS_URL", ""),
        allowed_hosts=hosts,
        data_dir=data_dir,
        media_root=Path(env.get("TESSERA_MEDIA_ROOT", data_dir / "media")).resolve(),
        time_zone=time_zone,
        ticket_prefix=prefix,
        max_attachment_bytes=_int(
            "TESSERA_MAX_ATTACHMENT_BYTES",
            env.get("TESSERA_MAX_ATTACHMENT_BYTES", str(25 * 1024 * 1024)),
            minimum=1024,
        ),
        max_inbound_email_bytes=_int(
            "TESSERA_MAX_INBOUND_EMAIL_BYTES",
            env.get("TESSERA_MAX_INBOUND_EMAIL_BYTES", str(40 * 1024 * 1024)),
            minimum=1024,
        ),
        email_url=env.get("TESSERA_EMAIL_URL", "console:"),
        default_from_email=env.get("TESSERA_DEFAULT_FROM_EMAIL", "support@tessera.localhost"),
        site_url=site_url,
        reply_domain=env.get("TESSERA_REPLY_DOMAIN", "tessera.localhost"),
        mailgun_signing_key=env.get("TESSERA_MAILGUN_SIGNING_KEY", ""),
        inbound_webhook_secret=env.get("TESSERA_INBOUND_WEBHOOK_SECRET", ""),
        ses_topic_arns=ses_topics,
        sns_host_pattern=sns_host_pattern,
        db_pool_size=_int("TESSERA_DB_POOL_SIZE", env.get("TESSERA_DB_POOL_SIZE", "10"), minimum=1),
        list_counts_seconds=_int(
            "TESSERA_LIST_COUNTS_SECONDS", env.get("TESSERA_LIST_COUNTS_SECONDS", "10")
        ),
        spam_min_examples=_int(
            "TESSERA_SPAM_MIN_EXAMPLES", env.get("TESSERA_SPAM_MIN_EXAMPLES", "20"), minimum=1
        ),
        spam_threshold=_probability("TESSERA_SPAM_THRESHOLD", env.get("TESSERA_SPAM_THRESHOLD", "0.99")),
        csrf_trusted_origins=[site_url],
        field_keys=field_keys,
        mail_allowed_networks=mail_networks,
        mail_authserv_ids=authserv_ids,
    )


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        return False
