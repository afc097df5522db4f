"""The demo's texts: complete in every language, and every template renders for every voice."""

from __future__ import annotations

import string

import pytest

from tessera.demo import content
from tessera.demo.content import LANGUAGES, Voice, render
from tessera.tickets.models import Channel, Priority, TicketType

KNOWN_FIELDS = {"first", "org", "ref", "ac", "p", "pq", "cp", "cpq"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _all_templates() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for scenario in content.SCENARIOS:
        for language, conversation in scenario.conversations.items():
            where = f"{scenario.key}/{language}"
            out += [
                (where, conversation.subject),
                (where, conversation.opening),
                (where, conversation.note),
            ]
            out += [(where, text) for text in conversation.follow_ups]
    for language, stock in content.STOCK.items():
        out += [(f"stock/{language}", text) for text in vars(stock).values()]
    return out


def test_enough_scenarios_each_in_all_four_languages() -> None:
    assert len(content.SCENARIOS) >= 12
    departments = {d.key for d in content.DEPARTMENTS}
    for scenario in content.SCENARIOS:
        assert set(scenario.conversations) == set(LANGUAGES), scenario.key
        assert scenario.type in TicketType.values
        assert scenario.priority in Priority.values
        assert set(scenario.channels) <= set(Channel.values)
        assert scenario.department in departments
        assert not scenario.problem or scenario.problem in content.PROBLEMS
        for conversation in scenario.conversations.values():
            assert len(conversation.follow_ups) <= 3
            assert conversation.tags


def test_templates_use_only_known_placeholders() -> None:
    for where, template in _all_templates():
        assert _fields(template) <= KNOWN_FIELDS, (where, template)


@pytest.mark.parametrize("customer", ["f", "m"])
@pytest.mark.parametrize("agent", ["f", "m"])
def test_thai_particles_follow_who_is_writing(customer: str, agent: str) -> None:
    voice = Voice(first="สมศักดิ์", customer_gender=customer, agent_gender=agent)  # type: ignore[arg-type]
    conversation = content.WRONG_ITEM.conversations["th"]
    opening = render(conversation.opening, voice)
    reply = render(conversation.follow_ups[0], voice)
    assert ("ค่ะ" in opening) == (customer == "f")
    assert ("ครับ" in opening) == (customer == "m")
    assert ("ค่ะ" in reply) == (agent == "f")
    assert "{" not in opening + reply


def test_vietnamese_agent_addresses_the_customer_by_gender() -> None:
    template = content.WRONG_ITEM.conversations["vi"].follow_ups[0]
    assert render(template, Voice(first="Lan", customer_gender="f")).startswith("Chào chị Lan")
    assert render(template, Voice(first="Hùng", customer_gender="m")).startswith("Chào anh Hùng")


def test_names_and_mail_addresses() -> None:
    name = content.make_name("pl", "f", 1, 0, 0)
    assert name.full == "Katarzyna Kowalska"
    assert content.make_name("pl", "m", 1, 0, 0).full == "Krzysztof Kowalski"
    vi = content.make_name("vi", "f", 9, 0, 0)
    assert vi.full == "Đặng Thị Lan" and vi.given == "Lan" and vi.email_local == "lan.dang"
    assert content.ascii_fold("Łukasz.Wiśniewski") == "lukasz.wisniewski"
    th = content.make_name("th", "m", 0, 0, 0)
    assert th.full == "สมศักดิ์ ศรีสุข" and th.email_local.isascii()
