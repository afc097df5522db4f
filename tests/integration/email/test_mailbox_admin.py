"""Admins configure mailboxes: validated, secrets write-only, hosts SSRF-checked, checked live.

The connection check logs in to the real Dovecot of the email fixtures.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tessera.accounts.actor import Actor
from tessera.accounts.models import Department, Role, User
from tessera.channels import mailboxes
from tessera.channels.ingest import store_raw
from tessera.channels.models import AfterCommit, ImapSecurity, Mailbox, MailboxKind
from tessera.channels.secret_fields import PREFIX
from tessera.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.integration.email.conftest import Dovecot, make_mail

pytestmark = pytest.mark.django_db

LOOPBACK = ["127.0.0.0/8", "::1/128"]
PASSWORD = "hasło-mật-khẩu-รหัส 42"


@pytest.fixture
def allow_loopback(settings: Any) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": LOOPBACK}


@pytest.fixture
def admin(support: Department) -> User:
    return User.objects.create_user(username="root", email="root@example.test", password="pw", role=Role.ADMIN)


def imap_fields(support: Department, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Hỗ trợ", "department": support, "address": "hotro@example.test", "kind": MailboxKind.IMAP,
        "imap_host": "127.0.0.1", "imap_port": 1143, "imap_security": ImapSecurity.PLAIN,
        "username": "hotro", "password": PASSWORD, "folder": "INBOX",
    }
    fields.update(overrides)
    return fields


def test_only_admins_configure_mailboxes(support: Department, admin: User, allow_loopback: None) -> None:
    agent = User.objects.create_user(username="a", password="pw", role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        mailboxes.create_mailbox(Actor.of(agent), **imap_fields(support))
    mailbox = mailboxes.create_mailbox(Actor.of(admin), **imap_fields(support))
    for call in (
        lambda: mailboxes.update_mailbox(Actor.of(agent), mailbox, {"name": "x"}),
        lambda: mailboxes.delete_mailbox(Actor.of(agent), mailbox),
        lambda: mailboxes.check_connection(Actor.of(agent), mailbox),
        lambda: mailboxes.mailbox_rows(Actor.of(agent)),
        lambda: mailboxes.get_mailbox(Actor.of(agent), mailbox.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert Mailbox.objects.get().name == "Hỗ trợ"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"imap_host": ""}, "imap_host"),
        ({"imap_host": "mail.example.test\r\nA1 LOGOUT"}, "imap_host"),
        ({"imap_host": "http://mail.example.test/"}, "imap_host"),
        ({"imap_port": 0}, "imap_port"),
        ({"imap_port": 70000}, "imap_port"),
        ({"username": ""}, "username"),
        ({"username": "hotro\r\nA2 DELETE INBOX"}, "username"),
        ({"password": "", "oauth2_access_token": ""}, "password"),
        ({"password": "pw\r\nA3 LOGOUT"}, "password"),
        ({"folder": "INBOX\r\nA4 DELETE INBOX"}, "folder"),
        ({"folder": ""}, "folder"),
        ({"after_commit": AfterCommit.MOVE, "move_to_folder": ""}, "move_to_folder"),
        ({"after_commit": AfterCommit.MOVE, "move_to_folder": "INBOX"}, "move_to_folder"),
        ({"kind": "pop3"}, "kind"),
        ({"imap_security": "none"}, "imap_security"),
        # Plain IMAP sends the password in clear: only to this machine.
        ({"imap_host": "mail.example.com"}, "imap_security"),
        ({"address": "not an address"}, "address"),
        ({"kind": MailboxKind.SMTP, "address": ""}, "address"),
        ({"department": 999_999}, "department"),
    ],
)
def test_bad_settings_are_refused_with_the_field(
    support: Department, admin: User, allow_loopback: None, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        mailboxes.create_mailbox(Actor.of(admin), **imap_fields(support, **overrides))
    assert caught.value.field == field
    assert not Mailbox.objects.exists()


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "169.254.169.254", "10.1.2.3", "192.168.0.10", "[::1]", "2130706433",
     "fd00::1", "::ffff:127.0.0.1", "0.0.0.0"],  # noqa: S104
)
def test_hosts_on_private_networks_are_refused_unless_allowed(
    support: Department, admin: User, host: str, settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": []}
    with pytest.raises(ValidationFailed) as caught:
        mailboxes.create_mailbox(
            Actor.of(admin), **imap_fields(support, imap_host=host, imap_security=ImapSecurity.SSL, imap_port=993)
        )
    assert caught.value.field == "imap_host"
    assert "TESSERA_MAIL_ALLOWED_NETWORKS" in caught.value.message or "resolved" in caught.value.message


def test_an_allowed_network_is_accepted(support: Department, admin: User, settings: Any) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": ["10.0.0.0/8"]}
    mailbox = mailboxes.create_mailbox(
        Actor.of(admin), **imap_fields(support, imap_host="10.1.2.3", imap_security=ImapSecurity.SSL)
    )
    assert mailbox.imap_host == "10.1.2.3"
    # 169.254.169.254 stays outside what was allowed.
    with pytest.raises(ValidationFailed):
        mailboxes.update_mailbox(Actor.of(admin), mailbox, {"imap_host": "169.254.169.254"})


def test_secrets_are_write_only_kept_when_blank_and_removed_on_request(
    support: Department, admin: User, allow_loopback: None
) -> None:
    actor = Actor.of(admin)
    mailbox = mailboxes.create_mailbox(actor, **imap_fields(support))
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Mailbox._meta.db_table)
        cursor.execute(f"SELECT password FROM {table} WHERE id = %s", [mailbox.pk])  # noqa: S608
        assert str(cursor.fetchone()[0]).startswith(PREFIX)
    mailboxes.update_mailbox(actor, mailbox, {"password": None, "name": "Hỗ trợ khách hàng"})
    assert Mailbox.objects.get().password == PASSWORD
    mailboxes.update_mailbox(actor, mailbox, {"oauth2_access_token": "ya29.a0-token"})
    mailboxes.update_mailbox(actor, mailbox, {"password": ""})
    again = Mailbox.objects.get()
    assert (again.password, again.oauth2_access_token) == ("", "ya29.a0-token")
    # Removing the last credential of an IMAP mailbox is refused, and nothing changes.
    with pytest.raises(ValidationFailed):
        mailboxes.update_mailbox(actor, again, {"oauth2_access_token": ""})
    assert Mailbox.objects.get().oauth2_access_token == "ya29.a0-token"


def test_moving_to_another_folder_or_server_forgets_the_remembered_uids(
    support: Department, admin: User, allow_loopback: None
) -> None:
    actor = Actor.of(admin)
    mailbox = mailboxes.create_mailbox(actor, **imap_fields(support))
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=420, uidvalidity=7, last_error="old")
    mailbox.refresh_from_db()
    mailboxes.update_mailbox(actor, mailbox, {"name": "Renamed", "is_active": False})
    assert Mailbox.objects.filter(pk=mailbox.pk, last_uid=420, uidvalidity=7).exists()
    mailboxes.update_mailbox(actor, mailbox, {"folder": "Support/Zgłoszenia"})
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.last_uid, fresh.uidvalidity, fresh.last_error, fresh.folder) == (0, None, "", "Support/Zgłoszenia")


def test_addresses_and_names_are_unique(support: Department, admin: User, allow_loopback: None) -> None:
    actor = Actor.of(admin)
    mailboxes.create_mailbox(actor, name="Webhook", department=support, kind=MailboxKind.WEBHOOK,
                             address="Help@Example.test")
    with pytest.raises(Conflict) as caught:
        mailboxes.create_mailbox(actor, name="SMTP", department=support, kind=MailboxKind.SMTP,
                                 address="help@example.test")
    assert caught.value.field == "address"
    with pytest.raises(Conflict) as caught:
        mailboxes.create_mailbox(actor, name="Webhook", department=support, kind=MailboxKind.SMTP,
                                 address="other@example.test")
    assert caught.value.field == "name"


def test_a_mailbox_that_received_mail_cannot_be_deleted(support: Department, admin: User) -> None:
    actor = Actor.of(admin)
    used = mailboxes.create_mailbox(actor, name="Used", department=support, kind=MailboxKind.SMTP,
                                    address="used@example.test")
    unused = mailboxes.create_mailbox(actor, name="Unused", department=support, kind=MailboxKind.SMTP,
                                      address="unused@example.test")
    store_raw(used, make_mail(to="used@example.test"))
    with pytest.raises(Conflict):
        mailboxes.delete_mailbox(actor, used)
    mailboxes.delete_mailbox(actor, unused)
    assert list(Mailbox.objects.values_list("name", flat=True)) == ["Used"]


def test_connection_check_against_a_real_imap_server(
    dovecot: Dovecot, support: Department, admin: User, allow_loopback: None
) -> None:
    actor = Actor.of(admin)
    user = dovecot.add_user()
    dovecot.append(user, make_mail(subject="Zamówienie 1"))
    dovecot.append(user, make_mail(subject="Đơn hàng 2"))
    mailbox = mailboxes.create_mailbox(actor, **imap_fields(
        support, imap_host=dovecot.host, imap_port=dovecot.port, username=user, password="secret"))
    result = mailboxes.check_connection(actor, mailbox)
    assert result.ok, result.detail
    assert (result.messages, result.unseen, result.idle) == (2, 2, True)
    # Read-only: nothing was flagged or stored.
    assert all("\\Seen" not in flags for flags in dovecot.flags(user).values())

    mailboxes.update_mailbox(actor, mailbox, {"password": "wrong"})
    result = mailboxes.check_connection(actor, mailbox)
    assert not result.ok and "refused" in result.detail

    mailboxes.update_mailbox(actor, mailbox, {"password": "secret", "folder": "Nie ma"})
    result = mailboxes.check_connection(actor, mailbox)
    assert not result.ok and "Nie ma" in result.detail

    mailboxes.update_mailbox(actor, mailbox, {"folder": "INBOX", "after_commit": AfterCommit.MOVE,
                                              "move_to_folder": "Done"})
    result = mailboxes.check_connection(actor, mailbox)
    assert not result.ok and "Done" in result.detail


def test_connection_check_refuses_a_host_no_longer_allowed(
    dovecot: Dovecot, support: Department, admin: User, settings: Any
) -> None:
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": LOOPBACK}
    actor = Actor.of(admin)
    mailbox = mailboxes.create_mailbox(actor, **imap_fields(
        support, imap_host=dovecot.host, imap_port=dovecot.port, username=dovecot.add_user(), password="secret"))
    settings.TESSERA = {**settings.TESSERA, "MAIL_ALLOWED_NETWORKS": []}
    result = mailboxes.check_connection(actor, mailbox)
    assert not result.ok and "TESSERA_MAIL_ALLOWED_NETWORKS" in result.detail


def test_a_closed_port_is_reported_without_the_servers_words(
    support: Department, admin: User, allow_loopback: None
) -> None:
    from tests.integration.email.conftest import free_port

    actor = Actor.of(admin)
    mailbox = mailboxes.create_mailbox(actor, **imap_fields(support, imap_port=free_port()))
    result = mailboxes.check_connection(actor, mailbox)
    assert not result.ok and "ConnectionRefusedError" in result.detail


# The desk pages.

def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def form_data(support: Department, **overrides: Any) -> dict[str, Any]:
    data = {
        "m-name": "Obsługa klienta", "m-department": support.pk, "m-address": "obsluga@example.test",
        "m-kind": "imap", "m-imap_host": "127.0.0.1", "m-imap_port": "1143", "m-imap_security": "plain",
        "m-username": "obsluga", "m-password": PASSWORD, "m-folder": "INBOX", "m-after_commit": "seen",
        "m-is_active": "on",
    }
    data.update(overrides)
    return data


def test_admin_adds_and_edits_a_mailbox_in_the_desk(support: Department, admin: User, allow_loopback: None) -> None:
    client = admin_client(admin)
    response = client.post("/desk/settings/mailboxes/", form_data(support))
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get()
    assert (mailbox.name, mailbox.password, mailbox.department_id) == ("Obsługa klienta", PASSWORD, support.pk)

    page = client.get(f"/desk/settings/mailboxes/{mailbox.pk}").content.decode()
    # Neither the secret nor its ciphertext ever comes back to the browser.
    assert PASSWORD not in page and PREFIX not in page
    assert "Obsługa klienta" in page and "Remove the stored password" in page

    # Saving the form with the password left blank keeps the stored one.
    response = client.post(f"/desk/settings/mailboxes/{mailbox.pk}", form_data(support, **{
        "m-password": "", "m-folder": "Zgłoszenia"}))
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.password, mailbox.folder) == (PASSWORD, "Zgłoszenia")

    # A refused change says which field and keeps the typed values (but not the secret).
    response = client.post(f"/desk/settings/mailboxes/{mailbox.pk}", form_data(support, **{
        "m-imap_host": "169.254.169.254", "m-imap_security": "ssl", "m-password": "new-secret-typed"}))
    assert response.status_code == 422
    body = response.content.decode()
    assert "TESSERA_MAIL_ALLOWED_NETWORKS" in body and "new-secret-typed" not in body
    assert Mailbox.objects.get().imap_host == "127.0.0.1"


def test_hostile_values_render_inert(support: Department, admin: User, allow_loopback: None) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    mailboxes.create_mailbox(Actor.of(admin), name=hostile, department=support, kind=MailboxKind.SMTP,
                             address="smtp@example.test")
    Mailbox.objects.update(last_error=hostile)
    body = admin_client(admin).get("/desk/settings/mailboxes/").content.decode()
    assert hostile not in body and "&lt;img src=x" in body


def test_mailbox_list_query_count_does_not_grow_with_mailboxes(
    support: Department, admin: User, allow_loopback: None
) -> None:
    client = admin_client(admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/desk/settings/mailboxes/").status_code == 200
        return len(queries)

    mailboxes.create_mailbox(Actor.of(admin), **imap_fields(support))
    few = count()
    for n in range(8):
        mailbox = mailboxes.create_mailbox(Actor.of(admin), name=f"SMTP {n}", department=support,
                                           kind=MailboxKind.SMTP, address=f"s{n}@example.test")
        store_raw(mailbox, make_mail(to=f"s{n}@example.test"))
    assert count() == few


def test_connection_check_button(dovecot: Dovecot, support: Department, admin: User, allow_loopback: None) -> None:
    user = dovecot.add_user()
    mailbox = mailboxes.create_mailbox(Actor.of(admin), **imap_fields(
        support, imap_host=dovecot.host, imap_port=dovecot.port, username=user, password="secret"))
    client = admin_client(admin)
    response = client.post(f"/desk/settings/mailboxes/{mailbox.pk}/check", follow=True)
    assert "Connected and logged in." in response.content.decode()


# The API.

def api_client(user: User) -> tuple[Client, dict[str, str]]:
    from tessera.accounts.actions import create_api_token

    _, raw = create_api_token(user, "mailboxes", "write")
    return Client(), {"Authorization": f"Bearer {raw}"}


def test_api_creates_reads_updates_and_deletes_without_ever_returning_secrets(
    support: Department, admin: User, allow_loopback: None
) -> None:
    client, headers = api_client(admin)
    payload = {"name": "ฝ่ายบริการ", "department": support.pk, "address": "service@example.test",
               "imap_host": "127.0.0.1", "imap_port": 1143, "imap_security": "plain", "username": "service",
               "password": PASSWORD}
    response = client.post("/api/v1/mailboxes", payload, content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["has_password"] is True and body["has_oauth2_token"] is False
    assert "password" not in body and PASSWORD not in response.content.decode()
    mailbox_id = body["id"]

    response = client.patch(f"/api/v1/mailboxes/{mailbox_id}", {"oauth2_access_token": "ya29.x", "password": ""},
                            content_type="application/json", headers=headers)
    assert response.status_code == 200
    assert (response.json()["has_password"], response.json()["has_oauth2_token"]) == (False, True)

    response = client.patch(f"/api/v1/mailboxes/{mailbox_id}", {"imap_host": "169.254.169.254", "imap_security": "ssl"},
                            content_type="application/json", headers=headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "imap_host"

    listed = client.get("/api/v1/mailboxes", headers=headers).json()["items"]
    assert [(m["name"], m["pending"], m["quarantined"]) for m in listed] == [("ฝ่ายบริการ", 0, 0)]
    assert "ya29.x" not in client.get(f"/api/v1/mailboxes/{mailbox_id}", headers=headers).content.decode()

    assert client.delete(f"/api/v1/mailboxes/{mailbox_id}", headers=headers).status_code == 204
    assert not Mailbox.objects.exists()


def test_the_mailbox_page_says_what_the_spam_filter_has_learned(
    support: Department, admin: User, settings: Any
) -> None:
    from tessera.spam import store as spam_store

    settings.TESSERA = {**settings.TESSERA, "SPAM_MIN_EXAMPLES": 2}
    client = admin_client(admin)
    page = client.get("/desk/settings/mailboxes/").content.decode()
    assert "0 spam and 0 genuine" in page and "once it has 2 examples of each" in page
    for is_spam in (True, True, False, False):
        spam_store.learn(["subj:viagra" if is_spam else "subj:faktura"], is_spam)
    page = client.get("/desk/settings/mailboxes/").content.decode()
    assert "2 spam and 2 genuine" in page and "is marked as spam" in page
