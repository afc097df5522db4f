"""Turning untrusted text and HTML into something safe to show."""

from __future__ import annotations

import html
import re

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "font", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "*": {"dir", "lang"},
}


def sanitize_html(raw: str) -> str:
    """Keep the structure of a message, drop everything that could run or track.

    Scripts, event handlers, styles and javascript: URLs go; links get rel=noopener.
    Image sources are limited to cid: (inline parts) and data:; remote images are not loaded,
    since they are how senders learn that and when a mail was read.
    """
    return nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_drop_remote_images,
    )


def _drop_remote_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        lowered = value.strip().lower()
        if lowered.startswith("cid:") or lowered.startswith("data:image/"):
            return value
        return None
    return value


_URL = re.compile(r"(https?://[^\s<>\"']+)")


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs, escaped, with bare links made clickable."""
    escaped = html.escape(text)
    linked = _URL.sub(r'<a href="\1" rel="noopener noreferrer nofollow">\1</a>', escaped)
    paragraphs = [p.replace("\n", "<br>") for p in re.split(r"\n{2,}", linked.strip()) if p]
    return "".join(f"<p>{p}</p>" for p in paragraphs)
