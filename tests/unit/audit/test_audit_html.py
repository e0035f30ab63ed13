from __future__ import annotations

import re

from modelward.audit import AuditReport, Finding, Severity, render_html


def _report() -> AuditReport:
    findings = (
        Finding(
            "missing_values",
            Severity.ERROR,
            "column `<script>alert(1)</script>`: 3 missing",
            "<script>alert(1)</script>",
        ),
        Finding("id_columns", Severity.WARNING, "column `id` looks like a row id", "id"),
        Finding("class_imbalance", Severity.INFO, "target `y` classes: `a` 60% (6)", "y"),
    )
    return AuditReport(
        findings, n_rows=1234, n_columns=3, checks_run=("missing_values",), seconds=0.25
    )


def test_html_has_summary_and_groups() -> None:
    page = render_html(_report(), title="Data audit of churn@1")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Data audit of churn@1</title>" in page
    assert "1,234 rows" in page
    assert re.search(r'<li class="error"><span class="n">1</span>error', page)
    assert page.index('badge error">error</span> 1 finding') < page.index(
        'badge warning">warning</span> 1 finding'
    )
    assert "looks like a row id" in page
    assert "@media print" in page


def test_html_is_self_contained() -> None:
    page = render_html(_report(), title="t")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    for forbidden in ("http://", "https://", "<script", "<link", "<img"):
        assert forbidden not in page


def test_html_escapes_data() -> None:
    page = render_html(_report(), title="<b>title</b>")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;title&lt;/b&gt;" in page


def test_html_of_a_report_without_findings() -> None:
    page = render_html(AuditReport((), 0, 0, (), 0.0), title="empty")
    assert "No findings." in page


def test_backticked_names_show_as_code_and_stay_escaped() -> None:
    page = render_html(_report(), title="t")
    assert "column <code>id</code> looks like a row id" in page
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in page
