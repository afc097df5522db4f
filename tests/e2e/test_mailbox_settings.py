"""An admin adds an IMAP mailbox in the browser, checks the connection, and never sees the
password again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tessera.channels.models import Mailbox
from tests.e2e.conftest import login
from tests.integration.email.conftest import PASSWORD, Dovecot, dovecot, make_mail  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_admin_adds_an_imap_mailbox_and_checks_it(
    asgi_server: str, browser: Any, desk: dict[str, Any], dovecot: Dovecot, artifacts: Path  # noqa: F811
) -> None:
    user = dovecot.add_user()
    dovecot.append(user, make_mail(subject="Zapytanie o zamówienie"))
    context = browser.new_context()
    page = login(context, asgi_server, "admin", "pw-admin")
    page.goto(f"{asgi_server}/desk/settings/")
    page.click("text=Mailboxes")
    page.fill("#id_m-name", "Hỗ trợ <b>IMAP</b>")
    page.select_option("#id_m-department", label="Support")
    page.fill("#id_m-address", "hotro@example.test")
    page.select_option("#id_m-kind", "imap")
    page.fill("#id_m-imap_host", dovecot.host)
    page.fill("#id_m-imap_port", str(dovecot.port))
    page.select_option("#id_m-imap_security", "plain")
    page.fill("#id_m-username", user)
    page.fill("#id_m-password", PASSWORD)
    page.click("#mailbox-form form button[type=submit]")
    page.wait_for_selector(".flash")

    mailbox = Mailbox.objects.get()
    assert (mailbox.name, mailbox.password, mailbox.imap_port) == ("Hỗ trợ <b>IMAP</b>", PASSWORD, dovecot.port)
    # The password box comes back empty; the name is text, not markup.
    assert page.input_value("#id_m-password") == ""
    assert page.locator("#mailboxes td a", has_text="Hỗ trợ <b>IMAP</b>").count() == 1

    page.click("text=Check the connection")
    page.wait_for_selector(".flash")
    assert "Connected and logged in." in page.inner_text(".flash")
    assert "1 messages in the folder" in page.inner_text(".flash")
    page.screenshot(path=str(artifacts / "mailbox-settings.png"), full_page=True)
    assert f'value="{PASSWORD}"' not in page.content() and f">{PASSWORD}<" not in page.content()
