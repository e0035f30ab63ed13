"""A search's run params read back as values: no reader compares with the string "None"."""

from __future__ import annotations

import json
from pathlib import Path

from modelward.training.setup import ForecastSetup, SearchSetup, SegmentSetup

# The params of a training run stored by the release of 2026-12-08 (`make demo`: churn/v1).
STORED = Path(__file__).parents[2] / "fixtures" / "stored" / "search-run-params.json"


def _stored() -> dict[str, str]:
    found: dict[str, str] = json.loads(STORED.read_text())
    return found


def test_stored_params_read_into_values() -> None:
    setup = SearchSetup.from_params(_stored())
    assert setup.budget == 60.0
    assert setup.trials is None
    assert setup.interpretable is False
    assert (setup.seed, setup.workers, setup.folds) == (0, 2, 5)
    assert (setup.rows, setup.features) == (7043, 17)
    assert setup.families[0] == "lightgbm"
    assert len(setup.families) == 12
    assert (setup.task, setup.metric, setup.executor) == ("binary", "roc_auc", "local")


def test_the_params_written_are_what_training_has_always_logged() -> None:
    stored = _stored()
    written = SearchSetup.from_params(stored).to_params()
    # Each param is stored as str(value); "model" is logged later, by the outcome.
    assert {k: str(v) for k, v in written.items()} == {
        k: v for k, v in stored.items() if k != "model"
    }


def test_params_a_run_did_not_log_or_cannot_be_read_are_unknown() -> None:
    setup = SearchSetup.from_params({"budget": "soon", "interpretable": "maybe", "seed": ""})
    assert setup == SearchSetup(folds_logged=False)
    assert setup.families == ()


def _fixture(name: str) -> dict[str, str]:
    found: dict[str, str] = json.loads((STORED.parent / name).read_text())
    return found


def test_a_stored_forecast_s_params_read_and_write_back() -> None:
    stored = _fixture("forecast-run-params.json")
    setup = ForecastSetup.from_params(stored)
    assert (setup.series, setup.horizon, setup.origins, setup.rows) == (1, 14, 6, 5698)
    assert (setup.frequency, setup.country, setup.interval) == ("daily", "US", 0.8)
    assert setup.groups == ()
    assert setup.covariates[:2] == ("temp_min", "temp")
    written = {k: str(v) for k, v in setup.to_params().items()}
    assert written == {k: v for k, v in stored.items() if k != "model"}


def test_a_stored_segmentation_s_params_read_and_write_back() -> None:
    stored = _fixture("segment-run-params.json")
    setup = SegmentSetup.from_params(stored)
    assert setup.methods == ("kmeans", "gmm")
    assert (setup.min_segments, setup.max_segments, setup.rows) == (2, 8, 7043)
    assert setup.excluded == ("female", "senior_citizen")
    written = {k: str(v) for k, v in setup.to_params().items()}
    assert written == {k: v for k, v in stored.items() if k != "model"}
