"""The tabular manifest as a typed record reads what earlier releases stored, and writes it back
unchanged: old workspaces keep opening, and a record read and written again is the same JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from modelward.training.kinds import Style
from modelward.training.manifest import BUNDLE_FORMAT, MemberEntry, NativeFile, TabularManifest

# Stored by the release of 2026-12-08 (`make demo`: churn/v1, a blend of three members).
STORED = Path(__file__).parents[2] / "fixtures" / "stored"


def _stored(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((STORED / name).read_text())
    return found


def test_a_stored_manifest_reads_into_typed_records() -> None:
    manifest = TabularManifest.from_json(_stored("tabular-manifest.json"))
    assert [m.family for m in manifest.members] == ["ebm", "catboost", "linear"]
    assert [m.runtime for m in manifest.members] == ["skops", "catboost", "onnx"]
    assert [m.style for m in manifest.members] == [Style.TREE, Style.TREE, Style.LINEAR]
    assert sum(m.weight for m in manifest.members) == pytest.approx(1.0)
    assert manifest.metric == "roc_auc"
    assert manifest.cv_score is not None
    assert 0.8 < manifest.cv_score < 0.9
    assert manifest.files is not None
    assert set(manifest.files) >= {m.native.file for m in manifest.members}
    assert manifest.decision is None
    assert manifest.extra == {}


def test_a_stored_manifest_writes_back_exactly_as_read() -> None:
    stored = _stored("tabular-manifest.json")
    assert TabularManifest.from_json(stored).to_json() == stored


def test_a_member_the_summary_lists_by_the_runtime_it_scores_on() -> None:
    first = TabularManifest.from_json(_stored("tabular-manifest.json")).members[2]  # ONNX
    line = first.summary_line()
    assert line == {"family": "linear", "weight": first.weight, "runtime": "onnx"}
    assert first.scores_on_onnx
    native_only = replace(first, onnx=None, runtime=first.native.format)
    assert native_only.summary_line()["runtime"] == first.native.format
    assert native_only.scores_on_onnx is False


def test_keys_a_newer_release_adds_are_kept() -> None:
    stored = _stored("tabular-manifest.json")
    member = {**stored["members"][0], "warm_start": {"from": "churn/v1", "rounds_added": 12}}
    newer = {**stored, "members": [member], "calibration": {"method": "isotonic"}}
    manifest = TabularManifest.from_json(newer)
    assert manifest.extra == {"calibration": {"method": "isotonic"}}
    assert manifest.members[0].extra == {"warm_start": {"from": "churn/v1", "rounds_added": 12}}
    assert manifest.to_json() == newer


def test_a_new_version_s_manifest_leaves_files_to_the_registry() -> None:
    manifest = TabularManifest.from_json(_stored("tabular-manifest.json"))
    fresh = manifest.unregistered().to_json()
    assert "files" not in fresh
    assert fresh["format"] == BUNDLE_FORMAT


def test_another_format_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"not a modelward bundle: format 'modelward\.forecast/1'"):
        TabularManifest.from_json(_stored("forecast-manifest.json"))


def test_a_member_without_a_trial_or_trusted_types() -> None:
    entry = MemberEntry(
        family="prior",
        style=Style.LINEAR,
        weight=1.0,
        params={},
        rounds=None,
        native=NativeFile("json", "m0-prior.json"),
        onnx=None,
        runtime="json",
    )
    written = entry.to_json()
    assert "trial" not in written
    assert written["native"]["trusted"] == []
    assert MemberEntry.from_json(written) == entry
