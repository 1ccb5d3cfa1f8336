"""User text inside a Markdown document: shown as the text it is wherever the file is rendered
(a wiki, a code host, a docs site), never as HTML or a link."""

import re

_SPECIAL = re.compile(r"[\\&<>\[\]]")
_ESCAPED = {"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"}


def markdown_text(value) -> str:
    """`value` as Markdown that renders to the same text: `<`, `>` and `&` become entities (no
    raw HTML, no autolink, no entity smuggled into a link), and brackets are backslash-escaped
    (no link, image or reference such as `[x](javascript:…)`). A backslash is escaped too, so
    that one in the value cannot undo an escape that follows it."""
    return _SPECIAL.sub(lambda match: _ESCAPED[match.group()], str(value))
