"""Charts: valid, accessible, escaped, deterministic and small SVG, whatever the data holds."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from modelward.evaluation import charts
from modelward.evaluation.svg import MAX_POINTS, ticks

NASTY = '<script>alert("x")</script> & co'


def _parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))  # noqa: S314 (our own output)


def _every_chart() -> dict[str, Markup]:
    return {
        "roc": charts.roc_chart([0, 0.1, 0.4, 1], [0, 0.6, 0.9, 1]),
        "pr": charts.pr_chart([0, 0.5, 1], [1, 0.7, 0.3], base_rate=0.27),
        "calibration": charts.calibration_chart(
            [0.1, 0.5, 0.9],
            [0.12, 0.45, 0.93],
            [10, 20, 30],
            x_label="Predicted",
            y_label="Observed",
        ),
        "residuals": charts.residual_chart([1, 2, 3], [0.1, -0.2, 0.3]),
        "histogram": charts.histogram_chart([-1, 0, 1, 2], [3, 5, 1], x_label="Residual"),
        "importance": charts.importance_chart(["tenure", NASTY], [0.6, 0.4]),
        "numeric dependence": charts.dependence_chart(
            "tenure", [[i, i / 100] for i in range(50)], outcome="the chance of churn"
        ),
        "band dependence": charts.dependence_chart(
            NASTY, [["a", 0.1], [NASTY, -0.1], [None, 0.0], [True, 0.2]], outcome="it"
        ),
        "groups": charts.group_chart(
            NASTY, ["female", "male"], [("selection rate", [0.3, 0.4]), ("TPR", [0.7, None])]
        ),
        "value": charts.value_chart(
            [("model", 27_474.09), ("act on nobody", -79_610.96)], currency="USD"
        ),
    }


@pytest.mark.parametrize("name", list(_every_chart()))
def test_each_chart_is_valid_accessible_svg(name: str) -> None:
    chart = _every_chart()[name]
    assert isinstance(chart, Markup)
    root = _parse(chart)
    assert root.tag == "svg"
    assert root.get("role") == "img"
    title = root.find("title")
    assert title is not None
    assert title.text
    assert root.get("aria-label") == title.text
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox") or "")
    for forbidden in ("http", "<script", "xlink", "href", "url("):
        assert forbidden not in str(chart)


def test_text_from_the_data_is_escaped() -> None:
    for name in ("importance", "band dependence", "groups"):
        chart = _every_chart()[name]
        assert "&lt;script&gt;" in chart
        texts = {t.text for t in _parse(chart).iter() if t.text}
        assert any(text.startswith("<script>") for text in texts), name


def test_charts_are_deterministic() -> None:
    assert _every_chart() == _every_chart()


def test_marks_are_capped() -> None:
    many = [[float(i), math.sin(i / 50)] for i in range(5000)]
    dependence = _parse(charts.dependence_chart("x", many, outcome="y"))
    assert len(dependence.findall("circle")) <= MAX_POINTS
    xs = [p[0] / 5000 for p in many]
    roc = _parse(charts.roc_chart(xs, xs))
    points = roc.find("polyline")
    assert points is not None
    assert len((points.get("points") or "").split()) == MAX_POINTS
    residuals = _parse(charts.residual_chart([p[0] for p in many], [p[1] for p in many]))
    assert len(residuals.findall("circle")) == MAX_POINTS


def test_missing_values_are_left_out_and_empty_data_still_draws() -> None:
    nan = float("nan")
    roc = _parse(charts.roc_chart([0, None, nan, "x", 1], [0, 0.5, 0.5, 0.5, 1]))
    line = roc.find("polyline")
    assert line is not None
    assert line.get("points") == "58.0,240.0 386.0,12.0"
    for empty in (
        charts.roc_chart([], []),
        charts.pr_chart([], [], base_rate=None),
        charts.calibration_chart([], [], [], x_label="p", y_label="o"),
        charts.residual_chart([], []),
        charts.histogram_chart([], [], x_label="r"),
        charts.importance_chart([], []),
        charts.dependence_chart("x", [], outcome="y"),
        charts.group_chart("g", [], []),
        charts.value_chart([], currency="EUR"),
    ):
        assert _parse(empty).tag == "svg"


def test_calibration_point_area_follows_the_rows() -> None:
    chart = _parse(
        charts.calibration_chart([0.2, 0.8], [0.25, 0.7], [10, 1000], x_label="p", y_label="o")
    )
    small, large = (float(c.get("r") or 0) for c in chart.findall("circle"))
    assert small < large
    tips = [c.findtext("title") for c in chart.findall("circle")]
    assert tips[1] == "1,000 rows: p 0.800, o 0.700"


def test_bars_put_negative_values_left_of_zero() -> None:
    chart = _parse(charts.value_chart([("gain", 100.0), ("loss", -50.0)], currency="USD"))
    gain, loss = (r for r in chart.findall("rect") if r.findtext("title"))
    zero = float(gain.get("x") or 0)
    assert float(loss.get("x") or 0) + float(loss.get("width") or 0) == pytest.approx(zero)
    assert gain.findtext("title") == "USD: 100"
    missing = charts.group_chart("sex", ["a"], [("TPR", [None])])
    assert "TPR: n/a" in missing


def test_numeric_and_categorical_dependence_axes() -> None:
    numeric = _parse(
        charts.dependence_chart(
            "age", [[v, v / 10] for v in range(20)] + [[None, 0.5]], outcome="y"
        )
    )
    assert len(numeric.findall("circle")) == 20  # a missing age has no place on the axis
    bands = _parse(
        charts.dependence_chart("plan", [["basic", 0.1], ["pro", 0.2], [None, 0.0]], outcome="y")
    )
    labels = {t.text for t in bands.findall("text")}
    assert {"basic", "pro", "missing"} <= labels
    assert len(bands.findall("circle")) == 3


def test_confusion_table_shades_each_row() -> None:
    table = _parse(charts.confusion_table(["No", NASTY], [[90, 10], [0, 0]]))
    assert table.tag == "table"
    cells = table.findall("tbody/tr/td")
    assert [c.findtext("span") for c in cells] == ["90", "10", "0", "0"]
    assert "rgba(23, 92, 211, 0.78)" in (cells[0].get("style") or "")
    header = [th.text for th in table.findall("thead/tr/th")]
    assert header == ["actual \\ predicted", "No", NASTY]
    many = charts.confusion_table([str(k) for k in range(30)], [[1] * 30 for _ in range(30)])
    assert "the first 20 of 30 classes" in many
    assert len(_parse(many).findall("tbody/tr")) == charts.MAX_CLASSES


def test_ticks_are_round_numbers_within_the_range() -> None:
    assert ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    money = [-75_000, -50_000, -25_000, 0, 25_000]
    assert ticks(-80_000.0, 30_000.0) == pytest.approx(money)
    assert ticks(3.2, 3.9) == pytest.approx([3.2, 3.4, 3.6, 3.8])
