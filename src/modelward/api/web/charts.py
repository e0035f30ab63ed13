"""Charts as data: what each chart plots, its accessible name and its text summary.

A `Chart` is declarative JSON (x values, series, axis labels) that static/charts.js hands to
the vendored uPlot; no chart logic lives in a template or in JavaScript. Every chart comes with
a sentence that says what it shows, for screen readers and for a page without JavaScript, and
its page keeps a table of the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelward.monitoring import DriftSeries
from modelward.serving import TrafficSeries
from modelward.tracking import MetricPoint, TrialRecord

# Colours with at least 4.5:1 contrast on white, in the order series take them.
PALETTE = ("#0b5cad", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bc4c00", "#1b7c83", "#57606a")
DRIFT_LINES = 8


@dataclass(frozen=True)
class Chart:
    key: str  # the element id
    label: str  # the accessible name: what is plotted against what
    summary: str  # the chart in a sentence or two
    data: dict[str, Any]  # what charts.js draws


def traffic_charts(series: TrafficSeries, hours: float) -> list[Chart]:
    """Requests per bucket (a line per route when a canary takes traffic) and p50 / p99 latency;
    none when the window had no request."""
    if series.total_requests == 0:
        return []
    unit = _bucket_unit(series.bucket_seconds)
    window = f"the last {hours:g} hour{'s' if hours != 1 else ''}"
    routes = series.by_route if len(series.by_route) > 1 else {"requests": series.requests}
    volume = Chart(
        key="chart-requests",
        label=f"Requests per {unit} over {window}",
        summary=(
            f"{series.total_requests:,} requests ({series.total_rows:,} rows) in {window}; "
            f"the busiest {unit} had {series.busiest:,}." + _route_shares(series)
        ),
        data=_data(
            list(series.starts),
            [_line(name, list(values), i) for i, (name, values) in enumerate(routes.items())],
            y_label=f"requests per {unit}",
            time=True,
        ),
    )
    latency = Chart(
        key="chart-latency",
        label=f"Median and 99th percentile scoring latency per {unit} over {window}",
        summary=(
            f"Scoring latency over {window}: median {_ms(series.total_p50_ms)}, "
            f"99th percentile {_ms(series.total_p99_ms)} (validation and scoring, "
            "without HTTP)."
        ),
        data=_data(
            list(series.starts),
            [
                _line("p50 ms", list(series.p50_ms), 0),
                _line("p99 ms", list(series.p99_ms), 1),
            ],
            y_label="milliseconds",
            time=True,
            points=True,  # a minute with requests between quiet ones is a lone point
        ),
    )
    return [volume, latency]


def drift_chart(series: DriftSeries, kind: str = "feature_drift") -> Chart | None:
    """The `kind` drift score of the most drifted columns across the passes, and the warning
    level; None before the first pass."""
    lines = series.of_kind(kind)
    if not series.times or not lines:
        return None
    shown = lines[:DRIFT_LINES]
    thresholds = {line.threshold for line in shown if line.threshold is not None}
    plotted = [_line(line.subject, list(line.values), i) for i, line in enumerate(shown)]
    if len(thresholds) == 1:
        level = thresholds.pop()
        plotted.append({**_line("warning level", [level] * len(series.times), 7), "dash": True})
    alerting = [line for line in lines if line.severities[-1] in ("warning", "critical")]
    what = kind.replace("_", " ")
    newest = ", ".join(
        f"{line.subject} {line.latest:.3f}" for line in shown[:3] if line.latest is not None
    )
    summary = (
        f"{len(series.times)} monitoring pass{'es' if len(series.times) != 1 else ''}; "
        f"in the newest, {len(alerting)} of {len(lines)} columns at or above the warning level"
        + (f"; highest: {newest}." if newest else ".")
    )
    if len(lines) > DRIFT_LINES:
        summary += f" The chart shows the {DRIFT_LINES} highest; the table lists all."
    return Chart(
        key=f"chart-{kind.replace('_', '-')}",
        label=f"{what.capitalize()} score (PSI) of each column per monitoring pass",
        summary=summary,
        data=_data(
            list(series.times), plotted, y_label="drift score (PSI)", time=True, points=True
        ),
    )


def trial_chart(
    trials: Sequence[TrialRecord], history: Sequence[MetricPoint], started_at: str
) -> Chart | None:
    """Each trial's score when it finished (seconds into the run) and the best score so far;
    by trial number when the run logged no trial times; None without a scored trial."""
    greater = not trials or trials[0].info.get("greater_is_better", True) is not False
    if history:
        start = datetime.fromisoformat(started_at).timestamp()
        ordered = sorted(history, key=lambda p: (p.time, p.step))
        xs = [round(max(p.time - start, 0.0), 3) for p in ordered]
        scores: list[float | None] = [p.value for p in ordered]
        x_label = "seconds into the run"
    else:
        scored = [t for t in trials if t.score is not None]
        xs = [float(t.number) for t in scored]
        scores = [t.score for t in scored]
        x_label = "trial"
    if not xs:
        return None
    best = _best_so_far(scores, greater=greater)
    top = best[-1]
    direction = "higher" if greater else "lower"
    return Chart(
        key="chart-trials",
        label=f"Score of each trial and the best so far, by {x_label}",
        summary=(
            f"{len(xs)} scored trial{'s' if len(xs) != 1 else ''}; best score "
            f"{_score(top)} ({direction} is better)."
        ),
        data=_data(
            xs,
            [
                {**_line("trial score", scores, 0), "points_only": True},
                {**_line("best so far", best, 1), "step": True},
            ],
            y_label="score",
            x_label=x_label,
            time=False,
        ),
    )


def _best_so_far(scores: Sequence[float | None], *, greater: bool) -> list[float | None]:
    best: float | None = None
    out: list[float | None] = []
    for score in scores:
        if score is not None and (best is None or (score > best if greater else score < best)):
            best = score
        out.append(best)
    return out


def _data(
    xs: list[float],
    series: list[dict[str, Any]],
    *,
    y_label: str,
    time: bool,
    x_label: str = "",
    points: bool = False,
) -> dict[str, Any]:
    return {
        "x": xs,
        "x_label": x_label,
        "y_label": y_label,
        "time": time,
        "points": points or len(xs) < 3,
        "series": series,
    }


def _line(label: str, values: list[Any], colour: int) -> dict[str, Any]:
    return {"label": label, "values": values, "color": PALETTE[colour % len(PALETTE)]}


def _route_shares(series: TrafficSeries) -> str:
    if len(series.by_route) < 2:
        return ""
    total = series.total_requests
    shares = [f"{name} {100 * sum(v) / total:.0f}%" for name, v in series.by_route.items()]
    return " Split: " + ", ".join(shares) + "."


def _bucket_unit(seconds: int) -> str:
    named = {60: "minute", 3600: "hour", 1: "second"}
    return named.get(seconds, f"{seconds} s")


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g} ms"


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"
