"""A forecast's or segmentation's report parts render as tables and inline SVG, escaped."""

from __future__ import annotations

from modelward.evaluation.html import render_evaluation_html
from modelward.evaluation.parts import Chart, Part, Table, parts_json


def _report(parts: list[Part]) -> dict[str, object]:
    return {
        "model": "shop/v1",
        "task": "forecast",
        "metric": "mase",
        "primary": {"metric": "mase", "value": 0.5},
        "summary": ["MASE 0.5 against 1.0 for seasonal naive"],
        "parts": parts_json(parts),
    }


def test_parts_render_their_tables_and_charts() -> None:
    steps = ("1", "2", "3")
    part = Part(
        title="Backtest",
        sentences=("Rolling origins at 2016-06-06",),
        tables=(Table("Errors per method", ("Method", "MASE"), (("model", 0.5), ("naive", 1.0))),),
        charts=(
            Chart("lines", "MAE by periods ahead", steps, (("model", (0.1, 0.2, None)),)),
            Chart("bars", "Share per segment", ("a", "b"), (("share", (0.7, 0.3)),), True),
        ),
    )
    page = render_evaluation_html(_report([part]), title="Evaluation of shop/v1")
    assert "<h2>Backtest</h2>" in page
    assert "Errors per method" in page
    assert page.count("<svg") == 2
    assert 'aria-label="MAE by periods ahead"' in page
    assert ">70%<" in page
    assert "Not applicable" not in page  # the tabular sections are not shown for parts


def test_part_text_is_escaped_and_empty_charts_are_left_out() -> None:
    part = Part(
        title="<script>x</script>",
        tables=(Table("t", ("<b>",), (("<i>",),)),),
        charts=(Chart("lines", "nothing", (), ()),),
    )
    page = render_evaluation_html(_report([part]), title="t")
    assert "<script>x" not in page
    assert "&lt;script&gt;" in page
    assert "<b>" not in page
    assert "<svg" not in page
