"""The catalogs are what the product serves: strings, status labels, plurals and whole pages
come out in Vietnamese, Thai and Polish."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tessera.tickets.states import Status

EXPECTED = {
    "vi": {"Sign in": "Đăng nhập", "Tickets": "Phiếu hỗ trợ", "Open": "Đang mở", "Pending": "Đang chờ", "Resolved": "Đã giải quyết"},
    "th": {"Sign in": "เข้าสู่ระบบ", "Tickets": "ทิกเก็ต", "Open": "เปิดอยู่", "Pending": "รอดำเนินการ", "Resolved": "แก้ไขแล้ว"},
    "pl": {"Sign in": "Zaloguj się", "Tickets": "Zgłoszenia", "Open": "Otwarte", "Pending": "Oczekujące", "Resolved": "Rozwiązane"},
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_key_strings_are_served_translated(language: str) -> None:
    with translation.override(language):
        served = {msgid: gettext(msgid) for msgid in EXPECTED[language]}
    assert served == EXPECTED[language]


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_status_labels_follow_the_active_language(language: str) -> None:
    # The labels are lazy: the same module-level objects read differently per request.
    with translation.override(language):
        labels = {status: Status(status).label for status in ("open", "pending", "resolved")}
    assert labels == {
        "open": EXPECTED[language]["Open"],
        "pending": EXPECTED[language]["Pending"],
        "resolved": EXPECTED[language]["Resolved"],
    }
    with translation.override("en"):
        assert Status("open").label == "Open"


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (1, "Zaktualizowano 1 zgłoszenie."),
        (2, "Zaktualizowano 2 zgłoszenia."),
        (4, "Zaktualizowano 4 zgłoszenia."),
        (5, "Zaktualizowano 5 zgłoszeń."),
        (12, "Zaktualizowano 12 zgłoszeń."),
        (22, "Zaktualizowano 22 zgłoszenia."),
        (112, "Zaktualizowano 112 zgłoszeń."),
    ],
)
def test_polish_plural_rule_picks_the_right_form(count: int, text: str) -> None:
    # Django's own Polish catalog declares four plural forms, ours three; Django keeps them apart,
    # so our rule must still decide 2/5/12/22/112.
    with translation.override("pl"):
        message = ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", count) % {"count": count}
    assert message == text


def test_vietnamese_and_thai_have_one_form() -> None:
    with translation.override("vi"):
        assert ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", 1) % {"count": 1} == "Đã cập nhật 1 phiếu hỗ trợ."
        assert ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", 7) % {"count": 7} == "Đã cập nhật 7 phiếu hỗ trợ."
    with translation.override("th"):
        assert ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", 7) % {"count": 7} == "อัปเดตทิกเก็ต 7 รายการแล้ว"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "html_lang", "texts"),
    [
        ("th", "th", ["เข้าสู่ระบบ", "ชื่อผู้ใช้หรืออีเมล", "รหัสผ่าน"]),
        ("vi-VN,vi;q=0.9,en;q=0.5", "vi", ["Đăng nhập", "Tên đăng nhập hoặc email", "Mật khẩu"]),
        ("pl-PL", "pl", ["Zaloguj się", "Nazwa użytkownika lub e-mail", "Hasło"]),
    ],
)
def test_login_page_follows_accept_language(client: Client, accept: str, html_lang: str, texts: list[str]) -> None:
    response = client.get("/login/", headers={"accept-language": accept})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{html_lang}">' in body
    for text in texts:
        assert text in body
    assert "Username or email" not in body


@pytest.mark.django_db
def test_portal_sign_in_page_in_thai(client: Client) -> None:
    body = client.get("/portal/login/", headers={"accept-language": "th"}).content.decode()
    assert "ศูนย์ช่วยเหลือ" in body  # "Help centre"
    assert "เข้าสู่ระบบ" in body
    assert "Help centre" not in body


@pytest.mark.django_db
def test_agent_whose_language_is_polish_gets_a_polish_desk(client: Client, desk: dict[str, Any], make_ticket: Any) -> None:
    make_ticket()
    agent = desk["agent"]
    agent.language = "pl"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    # The person's own setting wins over what the browser asks for.
    body = client.get("/desk/", headers={"accept-language": "th"}).content.decode()
    assert '<html lang="pl">' in body
    for text in ("Zgłoszenia", "Wyloguj się", "Temat", "Zgłaszający", "Nowe zgłoszenie"):
        assert text in body, text
    assert "Sign out" not in body


@pytest.mark.django_db
def test_customer_whose_language_is_vietnamese_gets_a_vietnamese_portal(client: Client, desk: dict[str, Any], make_ticket: Any) -> None:
    make_ticket()
    customer = desk["customer_a"]
    customer.language = "vi"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    body = client.get("/portal/").content.decode()
    for text in ("Yêu cầu của tôi", "Yêu cầu mới", "Đăng xuất", "Hoạt động gần nhất"):
        assert text in body, text
    assert "My requests" not in body
