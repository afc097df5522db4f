"""Handing stored attachments back to browsers without letting them act as our pages."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest

from tessera.tickets.models import Attachment


def attachment_response(request: HttpRequest, attachment: Attachment) -> FileResponse:
    """A download, or an inline image preview when asked (``?inline=1``) for a known image type.

    Everything else is sent as an opaque download, so a file uploaded as "image/png" that is
    really HTML can never render as a page of this origin.
    """
    inline = attachment.is_image and request.GET.get("inline") == "1"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
