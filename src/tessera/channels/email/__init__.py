"""The email channel: parsing (pure), reply extraction and machine-mail classification."""

from tessera.channels.email.classify import BouncedRecipient
from tessera.channels.email.parser import Attachment, EmailParseError, ParsedEmail, parse_email
from tessera.channels.email.replies import extract_reply

__all__ = [
    "Attachment",
    "BouncedRecipient",
    "EmailParseError",
    "ParsedEmail",
    "extract_reply",
    "parse_email",
]
