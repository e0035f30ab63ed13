"""Safe output for a model card: inert Markdown text, and the card as a self-contained page.

Text a user or the data supplied (a description, a comment, a category value) goes through
`md_text`, so in Markdown it shows as written and cannot add headings, tables or links. The
page is rendered by markdown-it with raw HTML off, so a `<tag>` anywhere shows as text; images
are off too, so the page never fetches anything (inline CSS, no script, no URL), and its
Content-Security-Policy tells the browser the same.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markupsafe import escape

from modelward.evaluation import fmt

_SPECIAL = re.compile(r"([\\`*\[\]<>|])")
_PLAIN = re.compile(r"([\\*\[\]<>|])")  # as _SPECIAL, but `code spans` are kept
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"^(>|#{1,6}(?=\s|$)|[-+](?=\s|$)|~~~|```)|^(\d+)([.)])(?=\s|$)")

_STYLE = """
:root { --ink: #1d2939; --muted: #667085; --rule: #eaecf0; --bad: #b42318; --good: #067647; }
* { box-sizing: border-box; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 2rem auto; max-width: 64rem; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; padding-bottom: .25rem;
  border-bottom: 1px solid var(--rule); }
h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem;
  border-bottom: 1px solid var(--rule); }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88em;
  background: #f2f4f7; border-radius: .25rem; padding: 0 .25rem; overflow-wrap: anywhere; }
em { color: var(--muted); }
li { margin: .15rem 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2, h3 { break-after: avoid; }
  tr { break-inside: avoid; }
}
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{body}</body>
</html>
"""


def md_text(value: object, *, code: bool = False) -> str:
    """`value` as inert inline Markdown: one line, its markup characters escaped.

    With `code`, `backticked` names stay code spans (for sentences modelward wrote itself).
    """
    line = " ".join(str(value).split())
    line = (_PLAIN if code else _SPECIAL).sub(r"\\\1", line)
    line = _ENTITY.sub(r"\\&", _LONE_UNDERSCORE.sub(r"\\_", line))
    # A line that starts like a heading, quote or list would open a block inside a list item.
    return _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)


def num(value: object, digits: int = 3) -> str:
    """A number for a sentence or a cell (0.819, 1,500); `n/a` for None; text made inert."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return fmt(value, digits)
    return md_text(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table; cells must already be inert (`md_text`, `num`)."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return [*lines, *("| " + " | ".join(row) + " |" for row in rows), ""]


def render_card_html(markdown: str, *, title: str) -> str:
    """The card's Markdown as an HTML page titled `title`; no raw HTML passes through."""
    body = _renderer().render(markdown)
    return _PAGE.format(title=escape(title), style=_STYLE, body=body)


@functools.cache
def _renderer() -> MarkdownIt:
    # CommonMark with tables; `html: False` escapes raw HTML, and without images nothing
    # is ever fetched. markdown-it also refuses javascript:, vbscript: and data: links.
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
