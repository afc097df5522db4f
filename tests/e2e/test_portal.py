"""A customer's first day in a real browser: sign up with the mailed code, open a request in
Thai with an attachment, read the agent's answer, reply, and fail to peek at someone else's
request. And the script-tag contact form on another site's page."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tessera.accounts.actor import Actor
from tessera.accounts.models import User
from tessera.tickets import actions
from tessera.tickets.models import Channel, Message, MessageKind, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Inbox:
    """Mail the server under test sends, received over real SMTP."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        parsed = email.message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def code_for(self, address: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if address in str(message["To"]):
                    body = message.get_body(("plain",))
                    assert body is not None
                    found = re.search(r"\b(\d{6})\b", body.get_content())
                    if found:
                        return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no code mailed to {address}")


@pytest.fixture(autouse=True)
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    # Autouse, so it runs before asgi_server reads the environment it starts the server with.
    sink = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TESSERA_EMAIL_URL", f"smtp://127.0.0.1:{port}")
    try:
        yield sink
    finally:
        controller.stop()


def _watch(page: Any) -> list[str]:
    """Script errors, console errors, and every failed request but the favicon (we have none)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return errors


FLOWS = {
    "th": {
        "locale": "th-TH", "name": "สมชาย ใจดี", "email": "somchai@example.co.th", "password": "รหัสผ่าน-ยาวมาก-2024",
        "file": "ใบแจ้งหนี้ มีนาคม.txt", "file_text": "ยอดรวม 1,250 บาท", "subject": "ใบแจ้งหนี้ผิดพลาด",
        "description": "ยอดเงินในใบแจ้งหนี้เดือนมีนาคมไม่ถูกต้อง กรุณาตรวจสอบ",
        "answer": "สวัสดีค่ะ เราได้แก้ไขใบแจ้งหนี้แล้ว", "reply": "ขอบคุณมากครับ ได้รับแล้ว", "ui": "คำขอของฉัน",
    },
    "vi": {
        "locale": "vi-VN", "name": "Trần Thị Hương", "email": "huong@example.vn", "password": "mật-khẩu-rất-dài-2024",
        "file": "hóa đơn tháng ba.txt", "file_text": "Tổng cộng 1.250.000 đồng", "subject": "Hóa đơn bị sai số tiền",
        "description": "Số tiền trên hóa đơn tháng Ba không đúng, nhờ anh chị kiểm tra giúp.",
        "answer": "Chào chị, chúng tôi đã sửa hóa đơn rồi ạ", "reply": "Cảm ơn anh chị nhiều, tôi đã nhận được.", "ui": "Yêu cầu của tôi",
    },
}


@pytest.mark.parametrize("lang", list(FLOWS))
def test_customer_signs_up_opens_a_request_and_cannot_peek(
    asgi_server: str, browser: Any, desk: dict[str, Any], make_ticket: Any, inbox: Inbox, artifacts: Path, tmp_path: Path,
    lang: str,
) -> None:
    flow = FLOWS[lang]
    desk["agent"].display_name = "Malee (Support)"
    desk["agent"].save(update_fields=["display_name"])
    secret = make_ticket(subject="Globex: สัญญาลับ", requester=desk["contact_b"], body_text="Confidential terms")

    context = browser.new_context(locale=flow["locale"])
    page = context.new_page()
    errors = _watch(page)

    page.goto(asgi_server + "/portal/signup/")
    page.fill("#id_name", flow["name"])
    page.fill("#id_email", flow["email"])
    page.fill("#id_password1", flow["password"])
    page.fill("#id_password2", flow["password"])
    page.select_option("#id_language", lang)
    page.click("#signup button[type=submit]")
    page.wait_for_url("**/portal/signup/verify/")
    page.fill("#id_code", inbox.code_for(flow["email"]))
    page.click("#signup-verify button[type=submit]")
    page.wait_for_url(asgi_server + "/portal/")
    user = User.objects.get(email=flow["email"])
    assert user.contact is not None and user.contact.name == flow["name"]
    assert flow["ui"] in page.content()  # the portal speaks the customer's language

    page.click("a.primary")
    page.wait_for_selector("#new-ticket")
    attachment = tmp_path / flow["file"]
    attachment.write_text(flow["file_text"], encoding="utf-8")
    page.fill("#id_subject", flow["subject"])
    page.fill("#id_description", flow["description"])
    page.select_option("#id_department", str(desk["billing"].pk))
    page.set_input_files("#id_attachments", str(attachment))
    page.click("#new-ticket button[type=submit]")
    page.wait_for_selector(".portal-ticket")
    page.screenshot(path=str(artifacts / f"portal-new-ticket-{lang}.png"), full_page=True)

    ticket = Ticket.objects.get(subject=flow["subject"])
    assert ticket.requester == user.contact and ticket.channel == Channel.PORTAL
    assert ticket.messages.get().attachments.get().filename == flow["file"]
    assert flow["file"] in page.content()

    # The agent answers from the desk (through the same action), with an internal note too.
    agent = Actor.of(desk["admin"])
    actions.add_note(agent, ticket, body_text="Internal: refund approved by finance")
    desk["admin"].display_name = "Malee (Support)"
    desk["admin"].save(update_fields=["display_name"])
    actions.add_agent_reply(Actor.of(desk["admin"]), ticket, body_text=flow["answer"])

    page.reload()
    page.wait_for_selector("article.from-team")
    content = page.content()
    assert flow["answer"] in content
    assert "Malee (Support)" in content
    assert "refund approved" not in content and "admin@example.test" not in content

    page.fill("#id_body", flow["reply"])
    page.click("#reply button[type=submit]")
    page.wait_for_selector(".portal-flash")
    page.screenshot(path=str(artifacts / f"portal-ticket-{lang}.png"), full_page=True)
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.PUBLIC, body_text=flow["reply"],
                                  author_contact=user.contact).exists()

    assert errors == []
    # Guessing another customer's ticket number gives a bare 404.
    response = page.goto(f"{asgi_server}/portal/tickets/{secret.number}/")
    assert response is not None and response.status == 404
    leaked = page.content()
    for fragment in ("สัญญาลับ", "Globex", "Confidential", "Nguyễn"):
        assert fragment not in leaked
    page.screenshot(path=str(artifacts / f"portal-404-{lang}.png"), full_page=True)

    page.goto(asgi_server + "/portal/")
    listing = page.content()
    assert flow["subject"] in listing and "สัญญาลับ" not in listing
    assert errors == [f"404 {asgi_server}/portal/tickets/{secret.number}/"]
    context.close()


class ShopPage(BaseHTTPRequestHandler):
    """Another site: a shop's page on its own origin, with our script tag in it."""

    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def shop(asgi_server: str) -> Iterator[str]:
    # A real server on the loopback address (Chromium refuses scripts from a loopback
    # address on a page it considers public), on another port: a different origin.
    ShopPage.html = (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Cửa hàng</title></head><body>"
        "<h1>Liên hệ với chúng tôi</h1><div id='support-form'></div>"
        f"<script src='{asgi_server}/portal/form/embed.js' data-target='support-form' data-lang='vi' async></script>"
        "</body></html>"
    ).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_script_tag_form_on_another_site(
    asgi_server: str, shop: str, browser: Any, desk: dict[str, Any], artifacts: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors = _watch(page)
    page.goto(f"{shop}/lien-he")
    try:
        page.wait_for_selector("#support-form form", timeout=10_000)
    except Exception:
        raise AssertionError(f"the form did not render: {errors}") from None
    page.fill("#tessera-name", "Lê Thị Ánh Tuyết")
    page.fill("#tessera-email", "tuyet@example.vn")
    page.select_option("#tessera-department", str(desk["support"].pk))
    page.fill("#tessera-subject", "Đổi trả giày cỡ 38")
    page.fill("#tessera-message", "Tôi muốn đổi sang cỡ 39. Cảm ơn!")
    # People take a moment to fill a form; the server refuses posts faster than that.
    page.wait_for_timeout(2200)
    page.click("#support-form button[type=submit]")
    page.wait_for_selector("#support-form .tessera-done")
    page.screenshot(path=str(artifacts / "portal-embed-form.png"), full_page=True)

    ticket = Ticket.objects.get(subject="Đổi trả giày cỡ 38")
    assert ticket.channel == Channel.WEB_FORM
    assert ticket.requester.name == "Lê Thị Ánh Tuyết"
    assert ticket.display_number in page.inner_text("#support-form")
    assert page.get_attribute("#support-form .tessera-done", "data-number") == str(ticket.number)
    assert errors == []
    context.close()
