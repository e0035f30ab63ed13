"""Report parts for problem types whose questions differ from the tabular ones.

A forecast is judged by its backtest, a segmentation by how distinct and stable its segments
are: neither has classes, thresholds or fairness per group. Their reports are a list of parts,
each a title, sentences, tables and charts (as data: the HTML page draws them), stored as JSON
under the report's `parts` key and rendered by `evaluation.html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ChartKind = Literal["bars", "lines"]


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {"caption": self.caption, "columns": list(self.columns), "rows": self.rows}


@dataclass(frozen=True)
class Chart:
    """Bars (one band per label) or lines (x = labels in order), one series per name."""

    kind: ChartKind
    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    percent: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "labels": list(self.labels),
            "series": [{"name": name, "values": list(values)} for name, values in self.series],
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Part:
    title: str
    sentences: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "sentences": list(self.sentences),
            "tables": [t.to_json() for t in self.tables],
            "charts": [c.to_json() for c in self.charts],
        }


def parts_json(parts: Sequence[Part]) -> list[dict[str, Any]]:
    return [p.to_json() for p in parts]
