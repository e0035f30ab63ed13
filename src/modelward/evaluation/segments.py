"""The evaluation of a segmentation: how distinct and stable the segments are, and who is in each.

A segmentation has no labels to be right or wrong about. Its facts are the cluster-quality
measures (silhouette, Davies-Bouldin, Calinski-Harabasz), the stability of the segments when
the rows are resampled, and the smallest segment's share; its explanation is each segment's
profile in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelward.evaluation.numbers import json_float
from modelward.evaluation.parts import Chart, Part, Table, parts_json
from modelward.evaluation.performance import fmt
from modelward.registry import Bundle, ModelVersion
from modelward.training import Quality

MEASURES = (
    ("silhouette", "silhouette (-1..1, higher: segments apart)"),
    ("davies_bouldin", "Davies-Bouldin (lower: segments apart)"),
    ("calinski_harabasz", "Calinski-Harabasz (higher: segments apart)"),
    ("stability", "stability under resampling (adjusted Rand, 1 = identical)"),
    ("min_segment_share", "smallest segment's share of rows"),
)
PROFILE_COLUMNS = ("Segment", "Rows", "Share", "Traits", "Outcome")


def segment_report(model: ModelVersion, bundle: Bundle) -> tuple[dict[str, Any], dict[str, float]]:
    """The report body and its facts for a segmentation version."""
    stored: Mapping[str, Any] = bundle.manifest["segments"]
    quality = Quality.from_json(stored["quality"])
    facts = quality.facts()
    choice: Mapping[str, Any] = model.summary.get("segments", {}).get("choice", {})
    profiles: list[Mapping[str, Any]] = list(stored.get("profiles", []))
    rows = sum(int(p["size"]) for p in profiles)
    parts = (
        _profiles_part(profiles, stored.get("outcome")),
        _quality_part(quality),
        _choice_part(choice),
    )
    summary = [
        f"{quality.segments} segments ({quality.method.shown}) of {rows:,} rows: silhouette "
        f"{fmt(quality.silhouette, 3)}, stability {fmt(quality.stability, 3)} under resampling",
        *(str(p["summary"]) for p in profiles),
    ]
    body = {
        "model": model.ref,
        "project": model.project,
        "task": model.task,
        "metric": model.metric,
        "target": "segment",
        "classes": [str(p["label"]) for p in profiles],
        "evidence": {
            "kind": "training rows",
            "rows": rows,
            "sentence": f"measured on the {rows:,} rows the segments were fitted on",
        },
        "primary": {"metric": model.metric, "value": json_float(facts.get(model.metric))},
        "parts": parts_json(parts),
        "summary": summary,
        "facts": facts,
    }
    return body, facts


def _profiles_part(profiles: list[Mapping[str, Any]], outcome: object) -> Part:
    rows = tuple(
        (
            str(p["label"]),
            int(p["size"]),
            f"{float(p['share']):.0%}",
            "; ".join(str(t["words"]) for t in p.get("traits", [])) or "no trait stands out",
            "" if not p.get("outcome") else str(p["outcome"]["words"]),
        )
        for p in profiles
    )
    shares = tuple(json_float(float(p["share"])) for p in profiles)
    labels = tuple(str(p["label"]) for p in profiles)
    note = f"The outcome {outcome!s} is described, never clustered on." if outcome else ""
    return Part(
        title="Segments",
        sentences=tuple(s for s in (note,) if s),
        tables=(
            Table(
                "Who is in each segment", ("Segment", "Rows", "Share", "Traits", "Outcome"), rows
            ),
        ),
        charts=(
            Chart("bars", "Share of rows per segment", labels, (("share", shares),), percent=True),
        ),
    )


def _quality_part(quality: Quality) -> Part:
    facts = quality.facts()
    rows = tuple((words, json_float(facts[name])) for name, words in MEASURES)
    return Part(
        title="Quality", tables=(Table("How distinct and stable", ("Measure", "Value"), rows),)
    )


def _choice_part(choice: Mapping[str, Any]) -> Part:
    candidates = list(choice.get("candidates", []))
    rows = tuple(
        (
            str(c["method"]),
            int(c["k"]),
            json_float(c["silhouette"]),
            json_float(c["stability"]),
            json_float(c["min_share"]),
        )
        for c in candidates
    )
    columns = ("Method", "Segments", "Silhouette", "Stability", "Smallest share")
    reason = str(choice.get("reason", ""))
    return Part(
        title="How the number of segments was chosen",
        sentences=(reason,) if reason else (),
        tables=(Table("Every candidate", columns, rows),) if rows else (),
    )
