"""Storing attachment bytes outside the database, content-addressed, with a size limit."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tessera.core.errors import ValidationFailed
from tessera.tickets.models import Attachment, Message


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = ""
    content_id: str = ""
    is_inline: bool = False


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer for download; keeps Thai, Vietnamese, Polish."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    return name[:200] or "attachment"


def check_size(size: int) -> None:
    limit = cast(int, settings.TESSERA["MAX_ATTACHMENT_BYTES"])
    if size > limit:
        raise ValidationFailed(
            f"Attachment is {size} bytes; the limit is {limit} bytes", field="attachments"
        )


def store(message: Message, new: NewAttachment) -> Attachment:
    check_size(len(new.content))
    digest = hashlib.sha256(new.content).hexdigest()
    filename = clean_filename(new.filename)
    content_type = new.content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    attachment = Attachment(
        message=message,
        filename=filename,
        content_type=content_type[:255],
        size=len(new.content),
        sha256=digest,
        content_id=new.content_id[:255],
        is_inline=new.is_inline,
    )
    path = f"attachments/{digest[:2]}/{digest}"
    # Identical content is stored once; a second upload reuses the file.
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(new.content))
    attachment.file.name = path
    attachment.save()
    return attachment
