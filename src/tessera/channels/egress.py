"""Which non-public networks the mail channels may connect to (IMAP servers, OAuth2 endpoints).

Mailbox hosts and token URLs are typed by admins; :mod:`tessera.core.netguard` keeps them on
the public internet unless the operator lists an internal network here, e.g. for a mail server
in the same data centre.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings

from tessera.core import netguard

SETTING = "TESSERA_MAIL_ALLOWED_NETWORKS"


def allowed_networks() -> list[netguard.IPNetwork]:
    configured = cast("list[str]", settings.TESSERA.get("MAIL_ALLOWED_NETWORKS", []))
    return netguard.parse_networks(configured)
