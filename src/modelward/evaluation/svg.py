"""Building blocks of the report's charts: escaped elements, axes, bar layouts, round ticks.

Every element comes from `el`, which escapes its text and each attribute value, so no value
from a report (a column named `<script>`) can break out of the markup. Coordinates are in
viewBox units; a chart is `WIDTH` (or `BAR_WIDTH`) wide and scales with the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

MAX_POINTS = 600
WIDTH, HEIGHT = 400, 290
BAR_WIDTH = 480  # bar charts are wider: their labels take the left of the chart
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 12, 50
LABEL_CHARS, LABEL_WIDTH = 30, 205  # bar labels: the longest shown, the most room they take
VALUE_WIDTH = 44  # room beside a bar for its value
INK, MUTED, RULE = "#1d2939", "#667085", "#d0d5dd"
COLORS = ("#175cd3", "#b54708", "#067647", "#7a5af8")

Pair = tuple[float, float]
Series = tuple[str, Sequence[object]]  # a name and one value per bar (None: not available)
Format = Callable[[float], str]


@dataclass(frozen=True)
class Axis:
    """A linear map from data values [low, high] (low < high) to pixels [start, end]."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def el(tag: str, body: str = "", **attributes: object) -> Markup:
    """One element, its text and attribute values escaped; `font_size=` writes `font-size`,
    `class_=` writes `class`; floats are written with one decimal."""
    shown = join(
        Markup(' {}="{}"').format(
            name.rstrip("_").replace("_", "-"),
            f"{value:.1f}" if isinstance(value, float) else value,
        )
        for name, value in attributes.items()
    )
    return Markup("<{tag}{attrs}>{body}</{tag}>").format(tag=tag, attrs=shown, body=body)


def join(parts: Iterable[Markup]) -> Markup:
    return Markup("").join(parts)


def svg(title: str, parts: Sequence[Markup], height: float = HEIGHT, wide: int = WIDTH) -> Markup:
    """The chart: a titled, labelled image sized by its viewBox."""
    tall = f"{height:.0f}"
    return el(
        "svg",
        el("title", title) + join(parts),
        class_="chart",
        viewBox=f"0 0 {wide} {tall}",
        width=wide,
        height=tall,
        role="img",
        aria_label=title,
        font_family="system-ui, sans-serif",
        font_size=11,
    )


def unit_axes() -> tuple[Axis, Axis]:
    """Axes from 0 to 1 both ways: rates and probabilities."""
    return Axis(0, 1, LEFT, WIDTH - RIGHT), Axis(0, 1, HEIGHT - BOTTOM, TOP)


def data_axes(xs: Sequence[float], ys: Sequence[float], *, zero: bool = False) -> tuple[Axis, Axis]:
    """Axes spanning the data; `zero`: the y axis includes 0."""
    (x0, x1), (y0, y1) = extent(xs), extent([*ys, 0.0] if zero else ys)
    return Axis(x0, x1, LEFT, WIDTH - RIGHT), Axis(y0, y1, HEIGHT - BOTTOM, TOP)


def frame(
    x: Axis, y: Axis, x_label: str, y_label: str, x_ticks: Sequence[tuple[float, str]] = ()
) -> Markup:
    """Grid lines, tick labels and axis titles of a plot; `x_ticks` name bands, if any."""
    parts = []
    for value in ticks(y.low, y.high):
        parts.append(line(x.start, y(value), x.end, y(value), RULE))
        parts.append(text(x.start - 5, y(value) + 4, decimal(value), anchor="end"))
    for value, label in x_ticks or [(v, decimal(v)) for v in ticks(x.low, x.high)]:
        parts.append(line(x(value), y.start, x(value), y.start + 4, MUTED))
        parts.append(text(x(value), y.start + 16, label))
    parts.append(line(x.start, y.start, x.end, y.start, MUTED))
    parts.append(text((x.start + x.end) / 2, HEIGHT - 8, x_label, color=MUTED))
    middle = (y.start + y.end) / 2
    turn = f"rotate(-90 14 {middle:.1f})"
    parts.append(text(14, middle, y_label, color=MUTED, transform=turn))
    return join(parts)


def bars(title: str, labels: Sequence[str], series: Sequence[Series], shown: Format) -> Markup:
    """Horizontal bars, one band per label and one bar per series; negative values go left."""
    band, first = 8 + 14 * len(series), TOP + 18
    values = [f for _, vs in series for v in vs if (f := as_float(v)) is not None]
    low, high = extent([0.0, *values])
    names = [short(label, LABEL_CHARS) for label in labels]
    gutter = min(LABEL_WIDTH, 14 + 6.5 * max(map(len, names), default=0))
    # Room beside the bars for their value labels: right of 0 always, left when any is < 0.
    left = gutter + (VALUE_WIDTH if low < 0 else 0)
    x = Axis(low, high, left, BAR_WIDTH - RIGHT - VALUE_WIDTH)
    parts = [_legend(series, gutter)] if len(series) > 1 else []
    for i, label in enumerate(names):
        top = first + i * band
        parts.append(text(gutter - 6, top + band / 2 + 4, label, anchor="end"))
        for k, (name, vs) in enumerate(series):
            value = as_float(vs[i]) if i < len(vs) else None
            parts.append(_bar(x, top + 4 + 14 * k, value, COLORS[k % len(COLORS)], name, shown))
    bottom = first + band * len(labels)
    parts.append(line(x(0), first - 4, x(0), bottom, INK))
    parts.extend(text(x(v), bottom + 14, shown(v), color=MUTED) for v in ticks(low, high))
    return svg(title, parts, bottom + 30, BAR_WIDTH)


def _bar(x: Axis, top: float, value: float | None, color: str, name: str, shown: Format) -> Markup:
    if value is None:
        return text(x(0) + 4, top + 10, f"{name}: n/a", anchor="start", color=MUTED)
    left, right = sorted((x(0), x(value)))
    tip = el("title", f"{name}: {shown(value)}")
    box = el("rect", tip, x=left, y=top, width=max(right - left, 0.5), height=12, fill=color)
    at, anchor = (right + 3, "start") if value >= 0 else (left - 3, "end")
    return box + text(at, top + 10, shown(value), anchor=anchor)


def _legend(series: Sequence[Series], gutter: float) -> Markup:
    parts = []
    for k, (name, _) in enumerate(series):
        left, color = gutter + 120 * k, COLORS[k % len(COLORS)]
        parts.append(el("rect", x=left, y=TOP, width=10, height=10, fill=color))
        parts.append(text(left + 14, TOP + 9, name, anchor="start"))
    return join(parts)


def dots(x: Axis, y: Axis, points: Sequence[Pair]) -> list[Markup]:
    return [el("circle", cx=x(a), cy=y(b), r=2.2, fill=COLORS[0]) for a, b in thin(points)]


def polyline(x: Axis, y: Axis, points: Sequence[Pair]) -> Markup:
    coords = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in thin(points))
    return el("polyline", points=coords, fill="none", stroke=COLORS[0], stroke_width=2)


def line(x1: float, y1: float, x2: float, y2: float, color: str, *, dash: bool = False) -> Markup:
    pattern = {"stroke_dasharray": "4 3"} if dash else {}
    return el("line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=color, **pattern)


def text(
    x: float, y: float, body: str, *, anchor: str = "middle", color: str = INK, **more: object
) -> Markup:
    return el("text", body, x=x, y=y, text_anchor=anchor, fill=color, **more)


# -- numbers --------------------------------------------------------------------------------


def as_float(value: object) -> float | None:
    """A finite number as a float; None for anything else (None, NaN, text, a boolean)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def finite_rows(*columns: Sequence[object]) -> list[tuple[float, ...]]:
    """The rows across `columns` whose values are all finite numbers, as floats."""
    found = []
    for row in zip(*columns, strict=False):
        floats = [as_float(v) for v in row]
        if all(f is not None for f in floats):
            found.append(tuple(f or 0.0 for f in floats))
    return found


def pairs(xs: Sequence[object], ys: Sequence[object]) -> list[Pair]:
    return [(a, b) for a, b in finite_rows(xs, ys)]


def thin(points: Sequence[Pair]) -> list[Pair]:
    """At most MAX_POINTS points, evenly spaced, the first and last kept."""
    if len(points) <= MAX_POINTS:
        return list(points)
    step = (len(points) - 1) / (MAX_POINTS - 1)
    return [points[round(i * step)] for i in range(MAX_POINTS)]


def extent(values: Sequence[float]) -> tuple[float, float]:
    """The range to plot: the values' range, padded a little except at 0, never empty."""
    low, high = min(values, default=0.0), max(values, default=0.0)
    if low == high:
        return low - 1.0, high + 1.0
    pad = (high - low) * 0.04
    return low - (pad if low != 0 else 0.0), high + (pad if high != 0 else 0.0)


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (1, 2, 2.5 or 5 times a power of ten apart) from low to high (low < high)."""
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [k * step for k in range(math.ceil(low / step), math.floor(high / step) + 1)]


def decimal(value: float) -> str:
    """A tick label: 0.25, 12.5, 1,250, 25k, 1.2M."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def percent(value: float) -> str:
    return f"{value:.0%}" if value == 0 or abs(value) >= 0.1 else f"{value:.1%}"


def short(label: str, limit: int) -> str:
    """At most `limit` characters, cut in the middle: both ends tell groups apart
    ("female=0 & sen…citizen=1")."""
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return label[:head] + "…" + label[len(label) - (limit - 1 - head) :]
