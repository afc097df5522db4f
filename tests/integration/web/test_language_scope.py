"""A person's language is used for their request and does not outlive it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_the_users_language_ends_with_the_request(desk: dict[str, Any]) -> None:
    agent = desk["agent"]
    agent.language = "vi"
    agent.save(update_fields=["language"])
    client = Client()
    client.force_login(agent)
    with translation.override("en"):
        response = client.get("/desk/")
        assert response.status_code == 200
        assert response["Content-Language"] == "vi"
        assert 'lang="vi"' in response.content.decode()
        # The thread (a worker's, a test's) is back in the language it had.
        assert translation.get_language() == "en"
        assert translation.gettext("Tickets") == "Tickets"
