"""The audit report as one self-contained HTML page (inline CSS, no scripts, no external URLs)."""

from __future__ import annotations

import functools
import re

import jinja2
from markupsafe import Markup, escape

from modelward.audit.report import AuditReport

_CODE_SPAN = re.compile(r"`([^`]+)`")


def render_html(report: AuditReport, *, title: str) -> str:
    """The report as an HTML page titled ``title``; every data value is escaped."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        report=report,
        counts=list(report.counts().items()),
        groups=[(s.value, findings) for s, findings in report.by_severity()],
        worst=report.worst.value if report.findings else None,
    )


def code_spans(text: str) -> Markup:
    """``text`` escaped, with its `backticked` names (columns, labels) shown as code."""
    # re.split with one group alternates plain text and the names inside backticks.
    pieces = _CODE_SPAN.split(text)
    return Markup("").join(
        Markup("<code>{}</code>").format(piece) if i % 2 else escape(piece)
        for i, piece in enumerate(pieces)
    )


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("modelward.audit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code_spans"] = code_spans
    return env
