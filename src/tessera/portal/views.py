"""The customer portal. Views parse input, call one service, action or query, and render.

Who may come in: signed-in customers with a contact. Anonymous visitors are sent to the
portal's sign-in page; agents are sent to the desk (the portal shows a contact's view of
their own tickets, which an agent does not have).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tessera.accounts.actor import Actor
from tessera.accounts.models import Contact, Department, Role, User
from tessera.core.errors import InvalidTransition, NotFound, PermissionDenied, TesseraError
from tessera.portal import forms, queries, services
from tessera.portal.throttle import client_ip
from tessera.tickets import actions, rating_links
from tessera.tickets.access import access_ticket
from tessera.tickets.actions.rating import is_ratable
from tessera.tickets.models import AuthorKind, Message, SatisfactionRating, Ticket
from tessera.tickets.permissions import can_close, can_rate
from tessera.tickets.states import Status, can_transition
from tessera.web.files import attachment_response

View = Callable[..., HttpResponseBase]
BACKEND = "django.contrib.auth.backends.ModelBackend"
SIGNUP_EMAIL = "portal:signup_email"
CODE_EMAIL = "portal:code_email"

# What a status means to the person waiting, rather than to the team working the ticket.
CUSTOMER_STATUS = {
    Status.NEW: gettext_lazy("Received"),
    Status.OPEN: gettext_lazy("In progress"),
    Status.ON_HOLD: gettext_lazy("In progress"),
    Status.PENDING: gettext_lazy("Waiting for your reply"),
    Status.RESOLVED: gettext_lazy("Resolved"),
    Status.CLOSED: gettext_lazy("Closed"),
}


def customer_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        assert isinstance(user, User)
        if user.is_agent:
            return redirect("desk:list")
        if user.contact_id is None or not user.is_active:
            raise Http404
        # Loaded once with its organisation: every scope check below reads both.
        contact = Contact.objects.select_related("organisation").get(pk=user.contact_id)
        request.actor = Actor(user=user, contact=contact, channel="portal")  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert isinstance(actor, Actor)
    return actor


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("portal:home")


def _signed_in_elsewhere(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    if user.is_authenticated:
        assert isinstance(user, User)
        return redirect("desk:list" if user.is_agent else "portal:home")
    return None


# -- signing in and out ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if (elsewhere := _signed_in_elsewhere(request)) is not None:
        return elsewhere
    form = forms.LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in_with_password(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"], ip=client_ip(request)
            )
        except TesseraError as error:
            form.add_error(None, error.message)
            status = error.status if isinstance(error, services.Throttled) else 200
        else:
            auth_login(request, user, backend=BACKEND)
            return redirect(_next_url(request))
    return render(request, "portal/login.html", {"form": form, "next": _next_url(request)}, status=status)


@require_http_methods(["GET", "POST"])
def code_request(request: HttpRequest) -> HttpResponse:
    if (elsewhere := _signed_in_elsewhere(request)) is not None:
        return elsewhere
    form = forms.EmailOnlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_code_login(email=form.cleaned_data["email"], ip=client_ip(request))
        except TesseraError as error:
            form.add_error(None, error.message)
            return render(request, "portal/code_request.html", {"form": form}, status=error.status)
        request.session[CODE_EMAIL] = form.cleaned_data["email"]
        return redirect("portal:code_verify")
    return render(request, "portal/code_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def code_verify(request: HttpRequest) -> HttpResponse:
    if (elsewhere := _signed_in_elsewhere(request)) is not None:
        return elsewhere
    email = request.session.get(CODE_EMAIL)
    if not email:
        return redirect("portal:code_request")
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in_with_code(email=email, code=form.cleaned_data["code"], ip=client_ip(request))
        except TesseraError as error:
            form.add_error(None, error.message)
            status = error.status if isinstance(error, services.Throttled) else 200
        else:
            auth_login(request, user, backend=BACKEND)
            return redirect("portal:home")
    return render(request, "portal/code_verify.html", {"form": form, "email": email}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("portal:login")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if (elsewhere := _signed_in_elsewhere(request)) is not None:
        return elsewhere
    form = forms.SignupForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.start_signup(
                email=data["email"], name=data["name"], password=data["password1"],
                language=data["language"], ip=client_ip(request),
            )
        except TesseraError as error:
            form.add_error(None, error.message)
            return render(request, "portal/signup.html", {"form": form}, status=error.status)
        request.session[SIGNUP_EMAIL] = data["email"]
        return redirect("portal:signup_verify")
    return render(request, "portal/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest) -> HttpResponse:
    if (elsewhere := _signed_in_elsewhere(request)) is not None:
        return elsewhere
    email = request.session.get(SIGNUP_EMAIL)
    if not email:
        return redirect("portal:signup")
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.finish_signup(email=email, code=form.cleaned_data["code"], ip=client_ip(request))
        except TesseraError as error:
            form.add_error(None, error.message)
            status = error.status if isinstance(error, services.Throttled) else 200
        else:
            request.session.pop(SIGNUP_EMAIL, None)
            auth_login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("portal:home")
    return render(request, "portal/signup_verify.html", {"form": form, "email": email}, status=status)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.EmailOnlyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_password_reset(
                email=form.cleaned_data["email"],
                ip=client_ip(request),
                confirm_path=lambda uid, token: reverse("portal:password_reset_confirm", args=[uid, token]),
            )
        except TesseraError as error:
            form.add_error(None, error.message)
            return render(request, "portal/password_reset.html", {"form": form}, status=error.status)
        return render(request, "portal/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/password_reset.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:login")

    def get_user(self, uidb64: str) -> User | None:  # type: ignore[override]
        user = super().get_user(uidb64)
        # Only customers reset through the portal; agents' accounts are not managed here.
        if user is None or not isinstance(user, User) or user.role != Role.CUSTOMER:
            return None
        return user

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed. Please sign in."))
        return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = forms.LanguageForm(request.POST)
    target = _next_url(request)
    response = redirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        user = request.user
        if user.is_authenticated and isinstance(user, User) and user.is_customer:
            services.set_language(user, language)
        response.set_cookie("django_language", language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


# -- tickets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One message as the customer sees it."""

    message: Message
    author: str
    from_team: bool
    mine: bool


def _author(message: Message, actor: Actor) -> Entry:
    mine = message.author_contact_id is not None and actor.contact is not None and message.author_contact_id == actor.contact.pk
    if message.author_kind == AuthorKind.CONTACT:
        contact = message.author_contact
        name = (contact.name if contact is not None else "") or _("Customer")
        return Entry(message, _("You") if mine else name, from_team=False, mine=mine)
    user = message.author_user
    # An agent is shown by the name they chose to show, never by user name or address.
    name = (user.display_name or user.first_name) if user is not None else ""
    return Entry(message, name or _("Support team"), from_team=True, mine=False)


def _departments() -> Any:
    return Department.objects.filter(is_active=True).order_by("name")


@customer_required
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    page = queries.own_tickets(actor, cursor=request.GET.get("cursor") or None)
    return render(request, "portal/home.html", {
        "page": page, "statuses": CUSTOMER_STATUS, "shares": queries.shares_organisation(actor),
    })


@customer_required
def organisation(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        page = queries.organisation_tickets(actor, cursor=request.GET.get("cursor") or None)
    except NotFound:
        raise Http404 from None
    assert actor.contact is not None
    return render(request, "portal/organisation.html", {
        "page": page, "statuses": CUSTOMER_STATUS, "shares": True, "organisation": actor.contact.organisation,
    })


@customer_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = forms.TicketForm(request.POST or None, request.FILES or None, departments=_departments())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            assert actor.contact is not None
            try:
                ticket = actions.create_ticket(
                    actor,
                    subject=data["subject"],
                    requester=actor.contact,
                    department=data["department"],
                    body_text=data["description"],
                    type=data["type"],
                    channel="portal",
                    attachments=forms.to_attachments(data["attachments"]),
                )
            except TesseraError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("Thank you. Your request %(number)s was received.") % {"number": ticket.display_number})
                return redirect("portal:ticket", number=ticket.number)
        else:
            status = 422
    if not form.departments:
        form.add_error(None, _("Requests cannot be opened here at the moment."))
    return render(request, "portal/ticket_new.html", {"form": form}, status=status)


def _ticket_or_404(actor: Actor, number: int) -> Ticket:
    try:
        return access_ticket(actor, number)
    except NotFound:
        raise Http404 from None


def _rating_form(rating: SatisfactionRating | None, score: int | None = None) -> forms.RatingForm:
    initial = {"score": score or (rating.score if rating else None), "comment": rating.comment if rating else ""}
    return forms.RatingForm(initial=initial)


def _ticket_page(request: HttpRequest, ticket: Ticket, *, reply_form: forms.ReplyForm | None = None,
                 rating_form: forms.RatingForm | None = None, error: str = "", status: int = 200) -> HttpResponse:
    actor = _actor(request)
    conversation = [_author(m, actor) for m in queries.public_conversation(ticket)]
    closable = can_transition(ticket.status, Status.CLOSED) and can_close(actor, ticket)
    # Asked only once the ticket is solved, and only of the customers it was for.
    may_rate = is_ratable(ticket) and can_rate(actor, ticket)
    rating = queries.current_rating(ticket) if may_rate else None
    return render(request, "portal/ticket.html", {
        "ticket": ticket,
        "status_label": CUSTOMER_STATUS.get(Status(ticket.status), ticket.status),
        "conversation": conversation,
        "fields": queries.customer_fields(ticket),
        "reply_form": reply_form or forms.ReplyForm(),
        "may_reply": ticket.status != Status.CLOSED,
        "may_close": closable,
        "may_rate": may_rate,
        "rating": rating,
        "rating_form": rating_form or (_rating_form(rating) if may_rate else None),
        "error": error,
        "shares": queries.shares_organisation(actor),
    }, status=status)


@customer_required
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, _ticket_or_404(_actor(request), number))


@customer_required
@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    ticket = _ticket_or_404(actor, number)
    form = forms.ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, ticket, reply_form=form, status=422)
    try:
        actions.add_customer_message(
            actor, ticket, body_text=form.cleaned_data["body"], channel="portal",
            attachments=forms.to_attachments(form.cleaned_data["attachments"]),
        )
    except InvalidTransition:
        return _ticket_page(request, ticket, reply_form=form, status=422,
                            error=_("This request is closed. Please open a new request."))
    except TesseraError as error:
        return _ticket_page(request, ticket, reply_form=form, status=error.status, error=error.message)
    messages.success(request, _("Your reply was sent."))
    return redirect("portal:ticket", number=number)


@customer_required
@require_POST
def ticket_close(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    ticket = _ticket_or_404(actor, number)
    try:
        actions.change_status(actor, ticket, Status.CLOSED)
    except (PermissionDenied, InvalidTransition):
        return _ticket_page(request, ticket, status=403, error=_("This request cannot be closed here."))
    messages.success(request, _("The request was closed."))
    return redirect("portal:ticket", number=number)


@customer_required
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    try:
        found = queries.access_attachment(_actor(request), attachment_id)
    except NotFound:
        raise Http404 from None
    return attachment_response(request, found)


@customer_required
@require_POST
def ticket_rate(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    ticket = _ticket_or_404(actor, number)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, ticket, rating_form=form, status=422)
    try:
        actions.rate(actor, ticket, form.cleaned_data["score"], form.cleaned_data["comment"])
    except TesseraError as error:
        return _ticket_page(request, ticket, rating_form=form, status=error.status, error=error.message)
    messages.success(request, _("Thank you for rating our help."))
    return redirect(reverse("portal:ticket", args=[number]) + "#rating")


# -- rating from the resolution email, without signing in ----------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def rate_link(request: HttpRequest, number: int, token: str) -> HttpResponse:
    """The page a rating link in an email lands on: GET shows the form, only POST rates.

    The signed token is the credential, whoever is signed in; a signed-in agent is refused,
    so that opening a customer's link from the desk never rates on the customer's behalf.
    """
    user = request.user
    if user.is_authenticated and isinstance(user, User) and user.is_agent:
        return render(request, "portal/rate_link.html", {"refused": True}, status=403)
    try:
        link = rating_links.open_link(token, number)
    except rating_links.LinkExpired as expired:
        return render(request, "portal/rate_link.html", {"expired": expired.message}, status=expired.status)
    except NotFound:
        raise Http404 from None
    ticket = link.ticket
    rating = queries.current_rating(ticket)
    form = forms.RatingForm(request.POST) if request.method == "POST" else _rating_form(
        rating, forms.initial_score(request.GET.get("score"))
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.rate(link.actor, ticket, form.cleaned_data["score"], form.cleaned_data["comment"])
            except TesseraError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("Thank you for rating our help."))
                return redirect(request.path)
        else:
            status = 422
    return render(request, "portal/rate_link.html", {
        "ticket": ticket, "rating": rating, "form": form, "may_rate": is_ratable(ticket),
    }, status=status)
