"""Scoring over real HTTP: MLflow's protocol, CSV and Parquet, validation, logging, feedback."""

from __future__ import annotations

import io
import re
from pathlib import Path

import orjson
import polars as pl
import pytest
from sqlalchemy import select

import modelward
from modelward.backends.store.tables import serving_usage
from modelward.serving.deployments import create_deployment
from modelward.serving.feedback import read_feedback
from modelward.serving.predlog import read_predictions
from modelward.serving.records import DeploymentOptions, Validation
from modelward.training.scoring import load_predictor
from tests.unit.api.conftest import churn_rows, running

JSON = {"content-type": "application/json"}


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")  # flag validation, the default
    return served_home


@pytest.fixture
def strict(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        options = DeploymentOptions(Validation.STRICT)
        create_deployment(ws, "default", "churn/v1", options=options)
    return served_home


def expected(home: Path, rows: list[dict[str, object]]) -> pl.DataFrame:
    with modelward.open(home=home) as ws:
        return load_predictor(ws, "churn/v1")[1].predict(pl.DataFrame(rows))


def test_every_body_form_gives_the_batch_scorer_s_answers(deployed: Path) -> None:
    rows = churn_rows(20)
    want = expected(deployed, rows)
    columns = list(rows[0])
    split = {"columns": columns, "data": [[r[c] for c in columns] for r in rows]}
    csv = pl.DataFrame(rows).write_csv().encode()
    parquet = io.BytesIO()
    pl.DataFrame(rows).write_parquet(parquet)
    with running(deployed) as client:
        answers = [
            client.post("/invocations", json={"dataframe_records": rows}),
            client.post("/v1/deployments/default/predict", json={"instances": rows}),
            client.post("/v1/deployments/default/predict", json={"dataframe_split": split}),
            client.post(
                "/invocations", content=csv, headers={"content-type": "text/csv; charset=utf-8"}
            ),
            client.post(
                "/invocations",
                content=parquet.getvalue(),
                headers={"content-type": "application/vnd.apache.parquet"},
            ),
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["model"] == "churn/v1"
        assert len(body["request_id"]) == 32
        got = body["predictions"]
        assert [p["prediction"] for p in got] == want["prediction"].to_list()
        assert [p["proba"]["Yes"] for p in got] == pytest.approx(want["proba_Yes"].to_list())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tenure": "long"}, r"records\[0\]\.tenure: got 'long'; expected a number"),
        ({"contract": "Weekly"}, r"records\[0\]\.contract: got 'Weekly'; expected one of"),
        ({"monthly_charges": 1e6}, r"monthly_charges.*training range"),
        ({"tenure": True}, r"records\[0\]\.tenure: got True; expected a number, not true/false"),
        ({"tenure": None}, r"records\[0\]\.tenure: got None; expected a value \(training"),
        ({"tenure": 12.5}, r"records\[0\]\.tenure: got 12.5; expected a whole number"),
        ({"favourite_colour": "red"}, r"records\[0\]: unknown field.*favourite_colour"),
        (
            {"tenure": [1, 2]},
            r"dataframe_records\[0\]\.tenure: got 'a list of 2'; expected a number",
        ),
    ],
)
def test_bad_values_are_422_naming_the_field(
    strict: Path, change: dict[str, object], message: str
) -> None:
    row = {**churn_rows(1)[0], **change}
    with running(strict) as client:
        answer = client.post("/invocations", json={"dataframe_records": [row]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["type"] == "InputError"
    assert re.search(message, answer.json()["error"]["message"]), answer.json()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"contract": "Weekly"}, "one of"),
        ({"monthly_charges": 1e6}, "training range"),
        ({"total_charges": 1.0}, "training range"),  # below the training minimum
        ({"tenure": None}, "a value (training data had none missing here)"),
        ({"tenure": 12.5}, "a whole number"),
    ],
)
def test_values_outside_training_are_scored_and_flagged_by_default(
    deployed: Path, change: dict[str, object], expected: str
) -> None:
    rows = churn_rows(3)
    rows[1] = {**rows[1], **change}
    with running(deployed) as client:
        answer = client.post("/invocations", json={"dataframe_records": rows})
    assert answer.status_code == 200, answer.text
    first, flagged, last = answer.json()["predictions"]
    assert "out_of_contract" not in first
    assert "out_of_contract" not in last
    ((field, value),) = change.items()
    (flag,) = flagged["out_of_contract"]
    assert (flag["field"], flag["value"]) == (field, value)
    assert expected in flag["expected"]
    with modelward.open(home=deployed) as ws:
        logged = read_predictions(ws, "default")
    assert logged.height == 3
    assert "out_of_contract" in logged["prediction"][1]


def test_a_wrong_type_is_refused_by_default_and_logged_for_monitoring(deployed: Path) -> None:
    rows = churn_rows(2)
    rows[1] = {**rows[1], "tenure": True, "monthly_charges": 1e6}
    with running(deployed) as client:
        answer = client.post("/invocations", json={"dataframe_records": rows})
        metrics = client.get("/metrics").text
    assert answer.status_code == 422, answer.text
    assert "records[1].tenure: got True; expected a number, not true/false" in answer.text
    with modelward.open(home=deployed) as ws:
        logged = read_predictions(ws, "default")
    assert logged["route"].to_list() == ["refused", "refused"]
    said = [orjson.loads(text)["refused"] for text in logged["prediction"]]
    message = answer.json()["error"]["message"]
    # The row the error names is refused for its input; the other only came with it.
    assert said == [
        {"reason": "batch", "status": 422, "message": message},
        {"reason": "input", "status": 422, "message": message},
    ]
    assert 'modelward_refused_rows_total{deployment="default",reason="input"} 1.0' in metrics
    assert 'modelward_refused_rows_total{deployment="default",reason="batch"} 1.0' in metrics


def test_strict_refusals_name_each_row_s_fields_outside_training(strict: Path) -> None:
    rows = churn_rows(3)
    rows[1] = {**rows[1], "monthly_charges": 1e6, "contract": "Weekly"}
    with running(strict) as client:
        answer = client.post("/invocations", json={"dataframe_records": rows})
    assert answer.status_code == 422, answer.text
    with modelward.open(home=strict) as ws:
        logged = read_predictions(ws, "default")
    said = [orjson.loads(text)["refused"] for text in logged["prediction"]]
    assert [s["reason"] for s in said] == ["batch", "contract", "batch"]
    assert {f["field"] for f in said[1]["fields"]} == {"monthly_charges", "contract"}


def test_missing_values_are_scored_where_training_had_them(deployed: Path) -> None:
    # wa_churn's total_charges has blanks (new customers): a null there is what training saw.
    rows = [{**churn_rows(1)[0], "total_charges": None}, {**churn_rows(1)[0], "tenure": 12.0}]
    with running(deployed) as client:
        answer = client.post("/invocations", json={"dataframe_records": rows})
    assert answer.status_code == 200, answer.text


def test_a_csv_blank_where_training_had_none_is_refused_under_strict(strict: Path) -> None:
    frame = pl.DataFrame(churn_rows(3)).with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise(pl.col("tenure")).alias("tenure")
    )
    with running(strict) as client:
        answer = client.post(
            "/invocations", content=frame.write_csv(), headers={"content-type": "text/csv"}
        )
    assert answer.status_code == 422, answer.text
    assert "records[2].tenure" in answer.json()["error"]["message"]


def test_a_csv_blank_where_training_had_none_is_flagged_by_default(deployed: Path) -> None:
    frame = pl.DataFrame(churn_rows(3)).with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise(pl.col("tenure")).alias("tenure")
    )
    with running(deployed) as client:
        answer = client.post(
            "/invocations", content=frame.write_csv(), headers={"content-type": "text/csv"}
        )
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    assert [("out_of_contract" in p) for p in predictions] == [False, False, True]
    assert predictions[2]["out_of_contract"][0]["field"] == "tenure"


def test_a_missing_field_names_it(deployed: Path) -> None:
    row = churn_rows(1)[0]
    del row["tenure"]
    with running(deployed) as client:
        answer = client.post("/invocations", json={"dataframe_records": [row]})
    assert answer.status_code == 422
    assert "'tenure'" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", JSON, 422),
        (b"[1, 2]", JSON, 422),
        (b'{"dataframe_records": []}', JSON, 422),
        (b'{"rows": [{}]}', JSON, 422),
        (b"a,b\n1,2\n", {"content-type": "text/plain"}, 422),
        (b"\x00\x01garbage", {"content-type": "application/vnd.apache.parquet"}, 422),
        (b'{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}', JSON, 422),
    ],
)
def test_malformed_bodies_are_4xx_never_5xx(
    deployed: Path, body: bytes, headers: dict[str, str], status: int
) -> None:
    with running(deployed) as client:
        answer = client.post("/invocations", content=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert "message" in answer.json()["error"]


def test_unknown_deployment_is_404_and_oversized_body_413(deployed: Path) -> None:
    from modelward.api.security import EdgeConfig

    with running(deployed, edge=EdgeConfig(auth=False, max_body_bytes=2_000)) as client:
        missing = client.post("/v1/deployments/nope/predict", json={"instances": churn_rows(1)})
        large = client.post("/invocations", json={"instances": churn_rows(50)})
    assert missing.status_code == 404
    assert "no deployment 'nope'" in missing.json()["error"]["message"]
    assert large.status_code == 413


def test_rounding_of_returned_probabilities(served_home: Path) -> None:
    from modelward.serving.records import DeploymentOptions

    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(
            ws, "default", "churn/v1", options=DeploymentOptions(round_probabilities=2)
        )
    with running(served_home) as client:
        got = client.post("/invocations", json={"instances": churn_rows(5)}).json()
    for p in got["predictions"]:
        assert all(round(v, 2) == v for v in p["proba"].values())


def test_every_scored_row_is_logged_and_feedback_joins_by_request_id(deployed: Path) -> None:
    rows = churn_rows(6)
    with running(deployed) as client:
        single = client.post("/invocations", json={"instances": rows[:1]}).json()
        batch = client.post("/invocations", json={"instances": rows[1:]}).json()
        ids = [single["request_id"], *(f"{batch['request_id']}:{i}" for i in range(5))]
        labels = [{"request_id": i, "label": "Yes"} for i in ids]
        accepted = client.post("/v1/deployments/default/feedback", json={"feedback": labels})
        refused = client.post(
            "/v1/deployments/default/feedback",
            json={"feedback": [{"request_id": "nope", "label": "Yes"}]},
        )
    # the server has shut down cleanly: the log was drained
    with modelward.open(home=deployed) as ws:
        logged = read_predictions(ws, "default")
        assert logged["request_id"].to_list() == ids
        assert set(logged["model"]) == {"churn/v1"}
        assert (logged["latency_ms"] > 0).all()
        assert read_feedback(ws, "default")["request_id"].to_list() == ids
        with ws.transaction() as conn:
            usage = conn.execute(select(serving_usage)).all()
    assert [(u.model, u.requests, u.rows) for u in usage] == [("churn/v1", 2, 6)]
    assert usage[0].cpu_seconds > 0
    assert accepted.json() == {
        "deployment": "default",
        "accepted": 6,
        "unchanged": 0,
        "disputed": 0,
    }
    assert refused.status_code == 422
    assert "feedback[0].request_id" in refused.json()["error"]["message"]


def test_probes_and_metrics(deployed: Path) -> None:
    with running(deployed) as client:
        client.post("/invocations", json={"instances": churn_rows(3)})
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        metrics = client.get("/metrics").text
        spec = client.get("/openapi.json").json()
    assert 'modelward_predicted_rows_total{deployment="default",route="primary"} 3.0' in metrics
    assert "/v1/deployments/{name}/predict" in spec["paths"]
    assert "/api/v1/deployments/{name}/rollback" in spec["paths"]


def test_a_binary_model_decides_at_its_evaluated_policy(served_home: Path) -> None:
    """Reviewers approved decisions at the evaluation's policy: production makes those, and
    `prediction` stays the most probable class beside the decision."""
    from modelward.model.evaluations import save_evaluation
    from modelward.model.policy import DecisionPolicy
    from modelward.model.runtime import load_runtime
    from modelward.registry import get_model

    with modelward.open(home=served_home, actor="ana") as ws:
        target = load_runtime(ws, "churn/v1").target
        policy = DecisionPolicy.of(target, 0.2, action="retention_offer")
        report = {"policy": policy.to_json(), "threshold": {"value": 0.2}}
        save_evaluation(ws, get_model(ws, "churn/v1"), report, {}, "<p/>")
        create_deployment(ws, "default", "churn/v1")
        assert load_runtime(ws, "churn/v1").policy == policy
        batch = ws.predict("churn/v1", pl.DataFrame(churn_rows(40)))
    with running(served_home) as client:
        got = client.post("/invocations", json={"instances": churn_rows(40)}).json()
    answers = got["predictions"]
    decided = [p["decision"] for p in answers]
    assert decided == ["retention_offer" if p["proba"]["Yes"] >= 0.2 else "none" for p in answers]
    assert "retention_offer" in decided
    assert [p["prediction"] for p in answers] == [
        "Yes" if p["proba"]["Yes"] > p["proba"]["No"] else "No" for p in answers
    ]
    assert batch["decision"].to_list() == decided
    assert batch["prediction"].to_list() == [p["prediction"] for p in answers]


def test_a_report_of_before_the_policy_decides_at_its_threshold(served_home: Path) -> None:
    from modelward.model.evaluations import save_evaluation
    from modelward.model.runtime import load_runtime
    from modelward.registry import get_model

    with modelward.open(home=served_home, actor="ana") as ws:
        save_evaluation(ws, get_model(ws, "churn/v1"), {"threshold": {"value": 0.2}}, {}, "<p/>")
        runtime = load_runtime(ws, "churn/v1")
    assert runtime.policy is not None
    assert runtime.policy.threshold == 0.2
    assert (runtime.policy.act, runtime.policy.otherwise) == ("Yes", "No")


@pytest.mark.parametrize("body", ["json", "csv"])
def test_a_per_row_strict_batch_scores_the_rest_and_logs_the_refused(
    served_home: Path, body: str
) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        options = DeploymentOptions(Validation.STRICT, per_row=True)
        create_deployment(ws, "default", "churn/v1", options=options)
    rows = churn_rows(4)
    rows[2] = {**rows[2], "monthly_charges": 1e6}
    want = expected(served_home, [r for i, r in enumerate(rows) if i != 2])
    with running(served_home) as client:
        if body == "json":
            answer = client.post("/invocations", json={"dataframe_records": rows})
        else:
            csv = pl.DataFrame(rows).write_csv()
            answer = client.post("/invocations", content=csv, headers={"content-type": "text/csv"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    predictions = found["predictions"]
    error = predictions[2]["error"]
    assert error["type"] == "InputError"
    assert error["message"].startswith("records[2].monthly_charges: got 1")
    assert "training range" in error["message"]
    scored = [p["proba"]["Yes"] for i, p in enumerate(predictions) if i != 2]
    assert scored == pytest.approx(want["proba_Yes"].to_list())
    with modelward.open(home=served_home) as ws:
        logged = read_predictions(ws, "default").sort("request_id")
    assert logged["route"].to_list() == ["primary", "primary", "refused", "primary"]
    assert logged["request_id"][2] == f"{found['request_id']}:2"


def test_per_row_needs_strict_validation() -> None:
    with pytest.raises(modelward.InputError, match="--per-row: got 'with --validation flag'"):
        DeploymentOptions(Validation.FLAG, per_row=True)
