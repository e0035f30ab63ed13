"""Charts for the evaluation report: pure functions, data in, escaped inline SVG out.

Each chart is sized by its viewBox (it scales with the page and prints sharp), carries a
<title> and an aria-label, draws at most 600 marks and needs no script, font or URL. The SVG
has no xmlns attribute: inline SVG in HTML needs none, and the report holds no URL at all.
Values that are None or not finite (a JSON report stores NaN as None) are left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from modelward.evaluation.svg import (
    COLORS,
    INK,
    LEFT,
    MAX_POINTS,
    MUTED,
    RIGHT,
    WIDTH,
    Axis,
    Pair,
    Series,
    as_float,
    bars,
    data_axes,
    decimal,
    dots,
    el,
    finite_rows,
    frame,
    join,
    line,
    pairs,
    percent,
    polyline,
    short,
    svg,
    text,
    thin,
    unit_axes,
)

MAX_BARS = 15
MAX_LINE_TICKS = 6  # labels under a line chart (dates are wide)
MAX_LEVELS = 12  # categories on a band axis; rarer ones are left out
MAX_CLASSES = 20  # rows and columns of a confusion matrix shown


def roc_chart(fpr: Sequence[object], tpr: Sequence[object]) -> Markup:
    """The ROC curve (true against false positive rate) with the diagonal of random guessing."""
    x, y = unit_axes()
    marks = [frame(x, y, "False positive rate", "True positive rate"), _diagonal(x, y)]
    marks.append(polyline(x, y, pairs(fpr, tpr)))
    return svg("ROC curve: true positive rate against false positive rate", marks)


def pr_chart(recall: Sequence[object], precision: Sequence[object], *, base_rate: object) -> Markup:
    """The precision-recall curve; a dashed line marks the positive rate (a random ranking)."""
    x, y = unit_axes()
    marks = [frame(x, y, "Recall", "Precision")]
    rate = finite_rows([base_rate])
    if rate:
        marks.append(line(x(0), y(rate[0][0]), x(1), y(rate[0][0]), MUTED, dash=True))
    marks.append(polyline(x, y, pairs(recall, precision)))
    return svg("Precision-recall curve", marks)


def calibration_chart(
    predicted: Sequence[object],
    observed: Sequence[object],
    rows: Sequence[object],
    *,
    x_label: str,
    y_label: str,
) -> Markup:
    """Bins of predicted against observed rates; a point's area grows with its bin's rows."""
    x, y = unit_axes()
    marks = [frame(x, y, x_label, y_label), _diagonal(x, y)]
    bins = [(p, o, int(n)) for p, o, n in finite_rows(predicted, observed, rows)]
    marks.append(polyline(x, y, [(p, o) for p, o, _ in bins]))
    most = max((n for *_, n in bins), default=1) or 1
    for p, o, n in bins:
        tip = el("title", f"{n:,} rows: {x_label.lower()} {p:.3f}, {y_label.lower()} {o:.3f}")
        radius = 2.5 + 4.5 * math.sqrt(max(n, 0) / most)
        marks.append(el("circle", tip, cx=x(p), cy=y(o), r=radius, fill=COLORS[0]))
    return svg(f"Calibration: {y_label.lower()} against {x_label.lower()}", marks)


def confusion_table(classes: Sequence[object], counts: Sequence[Sequence[int]]) -> Markup:
    """The confusion matrix as an HTML table, each cell shaded by its share of the actual row."""
    shown = [str(c) for c in classes[:MAX_CLASSES]]
    caption = "rows: actual class; columns: predicted class; shade: share of the actual row"
    if len(classes) > len(shown):
        caption += f" (the first {len(shown)} of {len(classes)} classes)"
    head = el("tr", join(el("th", c) for c in ["actual \\ predicted", *shown]))
    rows = [
        el("tr", el("th", label) + join(_cell(n, sum(row)) for n in row[: len(shown)]))
        for label, row in zip(shown, counts, strict=False)
    ]
    body = el("caption", caption) + el("thead", head) + el("tbody", join(rows))
    return el("table", body, class_="confusion")


def _cell(count: int, total: int) -> Markup:
    share = count / total if total else 0.0
    colour = "#fff" if share > 0.5 else INK
    style = f"background: rgba(23, 92, 211, {0.06 + 0.8 * share:.2f}); color: {colour}"
    return el(
        "td", el("span", f"{count:,}") + el("span", f"{share:.0%}", class_="share"), style=style
    )


def residual_chart(predicted: Sequence[object], residual: Sequence[object]) -> Markup:
    """Residuals (observed minus predicted) against the prediction, with the zero line."""
    points = thin(pairs(predicted, residual))
    x, y = data_axes([a for a, _ in points], [b for _, b in points], zero=True)
    marks = [frame(x, y, "Predicted value", "Residual (observed − predicted)"), _zero(x, y)]
    return svg("Residuals against predicted values", [*marks, *dots(x, y, points)])


def histogram_chart(edges: Sequence[object], counts: Sequence[object], *, x_label: str) -> Markup:
    """A histogram from bin edges and counts."""
    bins = [(lo, hi, int(n)) for lo, hi, n in finite_rows(edges, edges[1:], counts)]
    x, y = data_axes([e for lo, hi, _ in bins for e in (lo, hi)], [0, *(n for *_, n in bins)])
    marks = [frame(x, y, x_label, "Rows")]
    for lo, hi, n in bins:
        box = {"x": x(lo), "y": y(n), "width": x(hi) - x(lo), "height": y(0) - y(n)}
        tip = el("title", f"{n:,} rows from {lo:.4g} to {hi:.4g}")
        marks.append(el("rect", tip, **box, fill=COLORS[0], stroke="#fff", stroke_width=0.5))
    return svg(f"Histogram of {x_label.lower()}", marks)


def importance_chart(features: Sequence[object], shares: Sequence[object]) -> Markup:
    """Horizontal bars of each feature's share of the total effect, largest first."""
    labels = [str(f) for f in features[:MAX_BARS]]
    series = [("share of the effect", shares[:MAX_BARS])]
    return bars("Feature importance: share of the total effect", labels, series, percent)


def dependence_chart(feature: str, points: Sequence[Sequence[object]], *, outcome: str) -> Markup:
    """A feature's contribution against its value: a linear axis for numbers, bands otherwise."""
    found = [
        (p[0], c) for p in points[:MAX_POINTS] if len(p) == 2 and (c := as_float(p[1])) is not None
    ]
    numbers = pairs([v for v, _ in found], [c for _, c in found])
    present = sum(v is not None for v, _ in found)
    if numbers and len(numbers) == present and len({v for v, _ in numbers}) > 5:
        # A numeric feature: a missing value has no place on its axis and is left out.
        x, y = data_axes([v for v, _ in numbers], [c for _, c in numbers], zero=True)
        xy, marks = numbers, frame(x, y, feature, "Contribution")
    else:
        xy, x, y, marks = _bands(feature, found)
    return svg(f"How {feature} moves {outcome}", [marks, _zero(x, y), *dots(x, y, xy)])


def _bands(
    feature: str, found: Sequence[tuple[object, float]]
) -> tuple[list[Pair], Axis, Axis, Markup]:
    """Points on a band axis: one band per frequent level, jittered so they do not overlap."""
    shown = ["missing" if v is None else str(v) for v, _ in found]
    frequent = sorted(set(shown), key=lambda s: (-shown.count(s), s))[:MAX_LEVELS]
    index = {level: i for i, level in enumerate(sorted(frequent))}
    # A golden-ratio jitter: deterministic, and spread evenly across each band.
    xy = [
        (index[s] + ((i * 0.618) % 1 - 0.5) * 0.5, c)
        for i, (s, (_, c)) in enumerate(zip(shown, found, strict=True))
        if s in index
    ]
    x = Axis(-0.5, max(len(index), 1) - 0.5, LEFT, WIDTH - RIGHT)
    y = data_axes([0.0], [c for _, c in xy], zero=True)[1]
    ticks = [(float(i), short(level, 10)) for level, i in index.items()]
    return xy, x, y, frame(x, y, feature, "Contribution", ticks)


def group_chart(name: str, groups: Sequence[object], series: Sequence[Series]) -> Markup:
    """Grouped horizontal bars: each measure (selection rate, TPR, ...) for each group."""
    labels = [str(g) for g in groups[:MAX_BARS]]
    return bars(f"{name}: measures per group", labels, series, decimal)


def value_chart(policies: Sequence[tuple[str, object]], *, currency: str) -> Markup:
    """Money per 1,000 decisions of each policy (negative: a cost)."""
    labels, values = [name for name, _ in policies], [value for _, value in policies]
    return bars(f"Value per 1,000 decisions ({currency})", labels, [(currency, values)], decimal)


def _diagonal(x: Axis, y: Axis) -> Markup:
    return line(x(0), y(0), x(1), y(1), MUTED, dash=True)


def _zero(x: Axis, y: Axis) -> Markup:
    return line(x.start, y(0), x.end, y(0), MUTED, dash=True)


def part_chart(data: Mapping[str, Any]) -> Markup | None:
    """A report part's chart (`evaluation.parts.Chart` as JSON); None when it has no values."""
    labels = [str(v) for v in data.get("labels", [])]
    series = [
        (str(s.get("name", "")), list(s.get("values", [])))
        for s in data.get("series", [])
        if isinstance(s, Mapping)
    ]
    if not labels or not series:
        return None
    title = str(data.get("title", ""))
    shown = percent if data.get("percent") else decimal
    if data.get("kind") == "lines":
        return _lines(title, labels, series)
    return bars(title, labels[:MAX_BARS], [(n, v[:MAX_BARS]) for n, v in series], shown)


def _lines(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """Lines over ordered labels (steps ahead, dates): one colour per series, with a legend."""
    values = [f for _, vs in series for v in vs if (f := as_float(v)) is not None]
    if not values:
        return svg(title, [])
    x, y = data_axes([0.0, float(max(len(labels) - 1, 1))], values, zero=True)
    every = max(1, math.ceil(len(labels) / MAX_LINE_TICKS))
    ticks_at = [(float(i), short(label, 10)) for i, label in enumerate(labels) if i % every == 0]
    marks = [frame(x, y, "", "", ticks_at)]
    left = float(LEFT)
    for k, (name, vs) in enumerate(series):
        points = [(float(i), f) for i, v in enumerate(vs) if (f := as_float(v)) is not None]
        color = COLORS[k % len(COLORS)]
        coords = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in thin(points))
        marks.append(el("polyline", points=coords, fill="none", stroke=color, stroke_width=2))
        marks.append(el("rect", x=left, y=4, width=10, height=10, fill=color))
        marks.append(text(left + 14, 13, name, anchor="start"))
        left += 30 + 6.5 * len(name)  # the next entry starts after this one's words
    return svg(title, marks)
