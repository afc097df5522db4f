"""An agent's day in a real browser: filter, open, reply with an attachment, note, change status
and assignee, merge, and a colleague's browser sees it live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tessera.tickets.models import Message, MessageKind, Ticket
from tessera.tickets.states import Status
from tests.e2e.conftest import login, wait_for_jobs

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_agent_works_a_ticket_and_a_colleague_sees_it_live(
    asgi_server: str, browser: Any, desk: dict[str, Any], make_ticket: Any, artifacts: Path, tmp_path: Path
) -> None:
    hostile = make_ticket(subject='<img src=x onerror="window.__pwned=1">Máy in hỏng', tags=["máy in"])
    duplicate = make_ticket(subject="Drukarka nie działa", requester=desk["contact_b"])
    make_ticket(subject="Billing only", department=desk["billing"])

    wait_for_jobs()
    agent_ctx = browser.new_context()
    colleague_ctx = browser.new_context()
    page = login(agent_ctx, asgi_server, "agent", "pw-agent")
    watcher = login(colleague_ctx, asgi_server, "admin", "pw-admin")
    page.wait_for_selector("#ticket-list")
    assert "Billing only" not in page.content()

    page.fill("#id_q", "Máy in")
    page.click("#filters button[type=submit]")
    page.wait_for_selector(f'tr[data-number="{hostile.number}"]')
    assert page.locator("#ticket-list tbody tr[data-number]").count() == 1
    page.screenshot(path=str(artifacts / "desk-list.png"), full_page=True)

    watcher.goto(f"{asgi_server}/desk/tickets/{hostile.number}/")
    watcher.wait_for_selector("body[data-live='on']", state="attached")

    page.click(f'tr[data-number="{hostile.number}"] a >> nth=0')
    page.wait_for_selector("#composer")
    page.wait_for_selector("body[data-live='on']", state="attached")
    attachment = tmp_path / "hướng-dẫn.txt"
    attachment.write_text("Bước 1: tắt máy", encoding="utf-8")
    page.keyboard.press("r")
    page.fill("#composer textarea", "Chào anh, đây là hướng dẫn.")
    page.set_input_files("#composer input[type=file]", str(attachment))
    page.click("#composer button[type=submit]")
    page.wait_for_selector(".flash")

    page.keyboard.press("n")
    page.fill("#composer textarea", "Internal: check the fuser")
    page.click("#composer button[type=submit]")
    page.wait_for_selector("article.note")

    page.select_option("#fields select[name=status]", "on_hold")
    page.select_option("#fields select[name=assignee]", str(desk["agent"].pk))
    page.click("#fields button[type=submit]")
    page.wait_for_selector(".flash")
    page.screenshot(path=str(artifacts / "desk-ticket.png"), full_page=True)

    # The colleague's open page refreshed itself with the reply and the note.
    watcher.wait_for_selector("article.note", timeout=15_000)
    assert "Chào anh, đây là hướng dẫn." in watcher.content()
    assert watcher.is_visible("#live-banner")

    ticket = Ticket.objects.get(pk=hostile.pk)
    assert ticket.status == Status.ON_HOLD
    assert ticket.assignee == desk["agent"]
    reply = Message.objects.get(ticket=ticket, kind=MessageKind.PUBLIC, body_text="Chào anh, đây là hướng dẫn.")
    assert reply.attachments.get().filename == "hướng-dẫn.txt"

    page.goto(f"{asgi_server}/desk/tickets/{duplicate.number}/")
    page.fill("#merge input[name=target]", str(hostile.number))
    page.click("#merge button[type=submit]")
    page.wait_for_url(f"**/desk/tickets/{hostile.number}/")
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == hostile.pk

    for p in (page, watcher):
        assert p.evaluate("window.__pwned") is None
        assert p.js_errors == []
    agent_ctx.close()
    colleague_ctx.close()
