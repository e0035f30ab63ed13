"""MLflow's own scoring client works against modelward unchanged: it waits on /ping, reads
/version, sends a data frame (dataframe_split) or records (inputs), and reads the
`predictions` list; a deployment (or a request) can answer MLflow's plain list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import modelward
from modelward.serving.deployments import create_deployment
from modelward.serving.records import Answers, DeploymentOptions
from tests.unit.api.conftest import running
from tests.unit.serving.conftest import churn_rows

# MLflow (installed by `make install` for the benches) warns about its own type hints on import.
pytestmark = pytest.mark.filterwarnings("ignore:.*Any type hint is inferred:UserWarning")


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        plain = DeploymentOptions(answers=Answers.MLFLOW)
        create_deployment(ws, "plain", "churn/v1", options=plain)
    return served_home


def test_mlflows_scoring_client_works_unchanged(deployed: Path) -> None:
    from mlflow.pyfunc.scoring_server import client as mlflow_client

    # MLflow's client has no type hints: held as Any
    scoring_client: Any = mlflow_client.ScoringServerClient
    frame = pd.DataFrame(churn_rows(4))
    with running(deployed) as client:
        mlflow = scoring_client("127.0.0.1", client.base_url.port)
        mlflow.wait_server_ready(timeout=30)
        version = mlflow.get_version()
        from_frame = mlflow.invoke(frame).get_predictions()
        # a list of records goes as `inputs` (MLflow 3's client fails on a dict of arrays
        # itself, before sending; the columns form is posted directly below)
        from_records = mlflow.invoke(frame.to_dict(orient="records")).get_predictions()
        columns = {c: frame[c].tolist() for c in frame.columns}
        by_columns = client.post("/invocations", json={"inputs": columns})
        mlflow_answer = client.post(
            "/invocations",
            json={"dataframe_records": churn_rows(4)},
            headers={"x-modelward-answers": "mlflow"},
        )
        plain = client.post("/v1/deployments/plain/predict", json={"inputs": churn_rows(4)})
        ours = client.post(
            "/v1/deployments/plain/predict",
            json={"inputs": churn_rows(4)},
            headers={"x-modelward-answers": "modelward"},
        )
        bad = client.post(
            "/invocations",
            json={"inputs": churn_rows(1)},
            headers={"x-modelward-answers": "xml"},
        )
        bare = client.post("/invocations", json={"inputs": [[1, 2, 3]]})
        for probe in ("/ping", "/health"):
            assert client.get(probe).status_code == 200
    assert version.startswith("modelward ")
    assert list(from_frame["prediction"]) == list(from_records["prediction"])
    assert [r["prediction"] for r in by_columns.json()["predictions"]] == list(
        from_frame["prediction"]
    )
    assert set(from_frame["prediction"]) <= {"Yes", "No"}
    labels = list(from_frame["prediction"])
    assert mlflow_answer.json() == {"predictions": labels}
    assert plain.json() == {"predictions": labels}
    assert [row["prediction"] for row in ours.json()["predictions"]] == labels
    assert bad.status_code == 422
    assert "x-modelward-answers" in bad.json()["error"]["message"]
    assert bare.status_code == 422
    assert "rows without column names" in bare.json()["error"]["message"]
