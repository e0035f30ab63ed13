"""A search's run params read back as values: no reader compares with the string "None"."""

from __future__ import annotations

import json
from pathlib import Path

from modelward.training.setup import SearchSetup

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
    assert setup == SearchSetup()
    assert setup.families == ()
