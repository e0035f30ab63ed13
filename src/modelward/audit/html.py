"""The audit report as one self-contained HTML page (inline CSS, no scripts, no external URLs)."""

from __future__ import annotations

import jinja2

from modelward.audit.report import AuditReport

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("modelward.audit", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(report: AuditReport, *, title: str) -> str:
    """The report as an HTML page titled ``title``; every data value is escaped."""
    template = _ENV.get_template("report.html.j2")
    return template.render(
        title=title,
        report=report,
        counts=list(report.counts().items()),
        groups=[(s.value, findings) for s, findings in report.by_severity()],
        worst=report.worst.value if report.findings else None,
    )
