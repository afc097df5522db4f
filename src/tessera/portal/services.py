"""What the portal does to people and accounts: sign-up, sign-in, codes, resets, web forms.

These are actions in the sense of the layering rule (views parse input and call one of
them), kept beside the portal because they exist for it. Account e-mails (codes, reset
links) are sent synchronously, unlike ticket mail: a code is only useful for minutes, so the
person waiting for it should learn at once that sending failed, and the plaintext code must
never be written to the job table.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import smtplib
import time as clock
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tessera.accounts import actions as accounts_actions
from tessera.accounts.actions import normalise_identity, update_contact
from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, Department, IdentityKind, Role, User
from tessera.core import time
from tessera.core.errors import Conflict, TesseraError, ValidationFailed
from tessera.portal import throttle
from tessera.portal.models import CodePurpose, EmailCode, FormSubmission
from tessera.tickets.actions import create_ticket
from tessera.tickets.models import Channel, Ticket

CODE_TTL = timedelta(minutes=10)
CODE_MAX_ATTEMPTS = 5
# A bot fills and posts a form within a moment of fetching it; a person takes longer.
FORM_MIN_SECONDS = 2
FORM_MAX_AGE_SECONDS = 24 * 60 * 60
_FORM_SALT = "tessera.portal.webform"
# Where a new customer most likely lives, from the language they picked; they can be moved
# later, and UTC would show every time off by hours for all of our users.
_ZONE_FOR_LANGUAGE = {"vi": "Asia/Ho_Chi_Minh", "th": "Asia/Bangkok", "pl": "Europe/Warsaw"}


class Throttled(TesseraError):
    code = "throttled"
    status = 429


class MailFailed(TesseraError):
    code = "mail_failed"
    status = 503


# -- helpers -----------------------------------------------------------------------------------


def normalise_email(value: str) -> str:
    return normalise_identity(IdentityKind.EMAIL, value)


def clean_text(value: str, *, max_length: int) -> str:
    """NFC (a Vietnamese word typed on a Mac arrives decomposed), no NULs, bounded."""
    text = unicodedata.normalize("NFC", value or "").replace("\x00", "")
    return text.strip()[:max_length]


def language_or_default(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _send(to: str, template: str, context: dict[str, Any], language: str) -> None:
    with translation.override(language_or_default(language)):
        subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
        body = render_to_string(f"portal/email/{template}.txt", context)
    try:
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(_("We could not send the email just now. Please try again in a few minutes.")) from exc


def _site_url(path: str) -> str:
    # From configuration, never from the Host header: a forged Host must not be able to
    # put its own domain into a password-reset link.
    return str(settings.TESSERA["SITE_URL"]).rstrip("/") + path


def _customer_by_email(email: str) -> User | None:
    return (
        User.objects.select_related("contact")
        .filter(email__iexact=email, role=Role.CUSTOMER, is_active=True, contact__isnull=False)
        .first()
    )


def _throttle_mail(email: str, ip: str) -> None:
    if throttle.MAIL_PER_ACCOUNT.blocked(email) or throttle.MAIL_PER_IP.blocked(ip):
        raise Throttled(_("Too many emails were requested. Please wait an hour and try again."))
    throttle.MAIL_PER_ACCOUNT.hit(email)
    throttle.MAIL_PER_IP.hit(ip)


def _throttle_login(email: str, ip: str) -> None:
    if throttle.LOGIN_PER_ACCOUNT.blocked(email) or throttle.LOGIN_PER_IP.blocked(ip):
        raise Throttled(_("Too many failed attempts. Please wait 15 minutes and try again."))


def _login_failed(email: str, ip: str) -> None:
    throttle.LOGIN_PER_ACCOUNT.hit(email)
    throttle.LOGIN_PER_IP.hit(ip)


# -- one-time codes ----------------------------------------------------------------------------


def _digest(email: str, purpose: str, code: str) -> str:
    # Keyed with SECRET_KEY: a million six-digit codes are trivially hashed, so a plain hash
    # in a leaked database would give every live code away.
    return salted_hmac("tessera.portal.EmailCode", f"{purpose}\x00{email}\x00{code}", algorithm="sha256").hexdigest()


def issue_code(email: str, purpose: str, payload: dict[str, Any] | None = None) -> str:
    """A fresh code for this address; any earlier unused one stops working."""
    code = f"{secrets.randbelow(10**6):06d}"
    now = time.now()
    with transaction.atomic():
        EmailCode.objects.filter(email=email, purpose=purpose, used_at__isnull=True).update(used_at=now)
        # Old rows hold nothing useful and, for sign-ups, a password hash: drop them.
        EmailCode.objects.filter(email=email, created_at__lt=now - timedelta(days=1)).delete()
        EmailCode.objects.create(
            email=email,
            purpose=purpose,
            digest=_digest(email, purpose, code),
            payload=payload or {},
            expires_at=now + CODE_TTL,
        )
    return code


def redeem_code(email: str, purpose: str, code: str) -> EmailCode | None:
    """The code's row if ``code`` is right, unexpired and not yet used; every try counts."""
    code = "".join(code.split())
    with transaction.atomic():
        row = (
            EmailCode.objects.select_for_update()
            .filter(email=email, purpose=purpose, used_at__isnull=True, expires_at__gt=time.now())
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        ok = constant_time_compare(row.digest, _digest(email, purpose, code))
        if ok or row.attempts >= CODE_MAX_ATTEMPTS:
            row.used_at = time.now()
        row.save(update_fields=["attempts", "used_at"])
    return row if ok else None


# -- contacts ----------------------------------------------------------------------------------


def find_or_create_contact(email: str, *, name: str = "", language: str = "en", channel: str = Channel.PORTAL) -> Contact:
    """The contact owning this address, created on first contact in the visitor's language."""
    language = language_or_default(language)
    return accounts_actions.find_or_create_contact(
        Actor.system(channel=channel),
        IdentityKind.EMAIL,
        email,
        name=name,
        language=language,
        time_zone=_ZONE_FOR_LANGUAGE.get(language, "UTC"),
    )


# -- sign-up -----------------------------------------------------------------------------------


def check_password_strength(password: str, *, email: str, name: str) -> None:
    """The configured password validators, judging against the person's own name and address."""
    try:
        validate_password(password, User(email=email, first_name=name[:150], display_name=name))
    except DjangoValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field="password") from None


def start_signup(*, email: str, name: str, password: str, language: str, ip: str) -> None:
    """Mail a confirmation code. Nothing is created until the code comes back.

    The answer is the same whether or not the address is known, so sign-up cannot be used
    to learn who is a customer; the owner of an existing account is told so by mail.
    """
    email = normalise_email(email)
    name = clean_text(name, max_length=200)
    language = language_or_default(language)
    check_password_strength(password, email=email, name=name)
    _throttle_mail(email, ip)
    hashed = make_password(password)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        _send(email, "account_exists", {"login_url": _site_url("/portal/login/"), "reset_url": _site_url("/portal/password/reset/")}, existing.language)
        return
    code = issue_code(email, CodePurpose.SIGNUP, {"name": name, "password": hashed, "language": language})
    _send(email, "signup_code", {"code": code, "name": name, "minutes": int(CODE_TTL.total_seconds() // 60)}, language)


def _username_for(email: str) -> str:
    # The address is the natural user name (it also works on the shared sign-in page); a
    # clash with an agent's user name gets a random suffix instead of an error.
    if len(email) <= 150 and not User.objects.filter(username__iexact=email).exists():
        return email
    return f"customer-{secrets.token_hex(8)}"


def finish_signup(*, email: str, code: str, ip: str) -> User:
    """Confirm the address with the mailed code and create the customer account.

    A contact that already owns the address (from an earlier e-mail, say) is linked to the
    new account: the code proved the person reads that mailbox, so its history is theirs.
    """
    email = normalise_email(email)
    _throttle_login(email, ip)
    row = redeem_code(email, CodePurpose.SIGNUP, code)
    if row is None:
        _login_failed(email, ip)
        raise ValidationFailed(_("That code is wrong or has expired."), field="code")
    payload = row.payload
    EmailCode.objects.filter(pk=row.pk).update(payload={})
    language = language_or_default(str(payload.get("language", "")))
    name = str(payload.get("name", ""))
    try:
        with transaction.atomic():
            if User.objects.filter(email__iexact=email).exists():
                raise Conflict(_("An account with this email address already exists. Please sign in."))
            contact = find_or_create_contact(email, name=name, language=language)
            if User.objects.filter(contact=contact).exists():
                raise Conflict(_("An account with this email address already exists. Please sign in."))
            if name and not contact.name:
                contact = update_contact(Actor.system(channel=Channel.PORTAL), contact, {"name": name})
            user = User(
                username=_username_for(email),
                email=email,
                role=Role.CUSTOMER,
                contact=contact,
                display_name=name,
                language=language,
                time_zone=contact.time_zone or _ZONE_FOR_LANGUAGE.get(language, "UTC"),
                password=str(payload.get("password", "")),
            )
            user.save()
    except IntegrityError:
        raise Conflict(_("An account with this email address already exists. Please sign in.")) from None
    throttle.LOGIN_PER_ACCOUNT.reset(email)
    return user


# -- sign-in -----------------------------------------------------------------------------------


def sign_in_with_password(*, email: str, password: str, ip: str) -> User:
    try:
        email = normalise_email(email)
    except ValidationFailed:
        raise ValidationFailed(_("Email or password is wrong.")) from None
    _throttle_login(email, ip)
    user = _customer_by_email(email)
    if user is None:
        # The same cost as a real check, so timing does not tell which addresses exist.
        make_password(password)
        ok = False
    else:
        ok = user.check_password(password)
    if not ok or user is None:
        _login_failed(email, ip)
        raise ValidationFailed(_("Email or password is wrong."))
    throttle.LOGIN_PER_ACCOUNT.reset(email)
    return user


def start_code_login(*, email: str, ip: str) -> None:
    """Mail a sign-in code if a customer has this address; the answer never says which."""
    email = normalise_email(email)
    _throttle_mail(email, ip)
    user = _customer_by_email(email)
    if user is None:
        return
    code = issue_code(email, CodePurpose.LOGIN)
    _send(email, "login_code", {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)}, user.language)


def sign_in_with_code(*, email: str, code: str, ip: str) -> User:
    email = normalise_email(email)
    _throttle_login(email, ip)
    row = redeem_code(email, CodePurpose.LOGIN, code)
    user = _customer_by_email(email) if row is not None else None
    if user is None:
        _login_failed(email, ip)
        raise ValidationFailed(_("That code is wrong or has expired."), field="code")
    throttle.LOGIN_PER_ACCOUNT.reset(email)
    return user


# -- password reset ----------------------------------------------------------------------------


def send_password_reset(*, email: str, ip: str, confirm_path: Callable[[str, str], str]) -> None:
    """Mail a reset link (Django's signed, single-use token) to a customer with this address."""
    email = normalise_email(email)
    _throttle_mail(email, ip)
    user = _customer_by_email(email)
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    _send(user.email, "password_reset", {"url": _site_url(confirm_path(uid, token)), "name": user.label}, user.language)


# -- preferences -------------------------------------------------------------------------------


def set_language(user: User, language: str) -> None:
    """The customer's language for pages and for the mail we send them."""
    language = language_or_default(language)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(language=language)
        if user.contact_id is not None:
            Contact.objects.filter(pk=user.contact_id).update(language=language)
    user.language = language


# -- the embeddable contact form ---------------------------------------------------------------


def issue_form_token(*, issued_at: float | None = None) -> str:
    """A signed, timestamped nonce for one rendering of the contact form.

    The nonce doubles as the submission's idempotency key: the same rendered form posted
    twice carries the same nonce and yields one ticket.
    """
    issued = int(clock.time() if issued_at is None else issued_at)
    return signing.dumps({"n": secrets.token_urlsafe(18), "t": issued}, salt=_FORM_SALT, compress=False)


def check_form_token(token: str) -> str:
    """The nonce of a token that is genuine, not too fresh and not too old."""
    try:
        data = signing.loads(token, salt=_FORM_SALT, max_age=FORM_MAX_AGE_SECONDS)
        nonce, issued = str(data["n"]), int(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationFailed(_("This form has expired. Please reload the page and try again."), field="token") from None
    age = clock.time() - issued
    if age > FORM_MAX_AGE_SECONDS:
        raise ValidationFailed(_("This form has expired. Please reload the page and try again."), field="token")
    if age < FORM_MIN_SECONDS:
        raise ValidationFailed(_("That was quick. Please wait a moment and send the form again."), field="token")
    return nonce


@dataclass(frozen=True)
class WebFormInput:
    name: str
    email: str
    subject: str
    body: str
    department: Department
    language: str = "en"


def submit_web_form(key: str, data: WebFormInput) -> tuple[Ticket, bool]:
    """Create the ticket for one contact-form post; ``(ticket, False)`` for a repeat post."""
    email = normalise_email(data.email)
    digest = hashlib.sha256(
        json.dumps([email, data.name, data.subject, data.body, data.department.pk], ensure_ascii=False).encode()
    ).hexdigest()
    try:
        with transaction.atomic():
            # First, so that a concurrent twin blocks here on the unique key until this
            # transaction ends, then fails and reads the ticket made here.
            submission = FormSubmission.objects.create(key=key, content_digest=digest)
            contact = find_or_create_contact(email, name=data.name, language=data.language, channel=Channel.WEB_FORM)
            ticket = create_ticket(
                Actor.customer(contact, channel=Channel.WEB_FORM),
                subject=data.subject,
                requester=contact,
                department=data.department,
                body_text=data.body,
                channel=Channel.WEB_FORM,
            )
            FormSubmission.objects.filter(pk=submission.pk).update(ticket=ticket)
            return ticket, True
    except IntegrityError:
        earlier = FormSubmission.objects.select_related("ticket").filter(key=key).first()
        if earlier is None:
            raise
    if earlier.content_digest != digest or earlier.ticket is None:
        raise Conflict(_("This form was already sent. Please reload the page to send another message."))
    return earlier.ticket, False
