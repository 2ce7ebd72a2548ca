"""Markdown rendering with sanitising, and input text hygiene."""

from __future__ import annotations

import unicodedata

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


def render_markdown(source: str | None) -> Markup:
    """Markdown to HTML that is safe to put on a page (no script, no handlers)."""
    if not source:
        return Markup("")
    html = markdown.markdown(source, extensions=["sane_lists", "tables"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704  # nosec B704  # sanitised by nh3 above


# Bidirectional embeddings, overrides and isolates: in a name or message they only serve to
# make text read differently from what it is (a link or a name shown reversed). The marks
# U+200E/U+200F that right-to-left text may need are not among them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(value: str) -> bool:
    """True for C0/C1 control characters other than tab and newlines, surrogates, private
    use characters and bidirectional controls."""
    return any(
        (unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r")
        or ch in BIDI_CONTROLS
        for ch in value
    )


def single_line(value: str) -> str:
    """Collapse whitespace; used for names and titles that end up in mail headers and iCal."""
    return " ".join(value.split())


_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slugify(value: str, max_length: int = 80) -> str:
    """'Willkommenskultur & Anerkennung' -> 'willkommenskultur-anerkennung'."""
    ascii_text = (
        unicodedata.normalize("NFKD", value.lower().translate(_TRANSLITERATION))
        .encode("ascii", "ignore")
        .decode()
    )
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return "-".join(words)[:max_length].strip("-")
