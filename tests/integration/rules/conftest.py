"""The rules and SLA tests share their fixtures (see tests/integration/automation_fixtures.py)."""

from tests.integration.automation_fixtures import _mail_in_memory, drain, make_rule

__all__ = ["_mail_in_memory", "drain", "make_rule"]
