"""Routes compared on feedback over HTTP: canary vs primary, shadow, and the incumbent rule."""

from __future__ import annotations

from pathlib import Path

import modelward
from modelward.serving.deployments import create_deployment, set_canary, set_shadow
from tests.unit.api.conftest import churn_rows, running

ROWS = churn_rows(120, target=True)


def test_feedback_compares_every_route_and_the_incumbent_rule(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        set_canary(ws, "default", "churn/v2", weight=50)
        set_shadow(ws, "default", "churn/v3")
    feedback, served = [], {"primary": 0, "canary": 0}
    with running(served_home) as client:
        for i, row in enumerate(ROWS):
            features = {k: v for k, v in row.items() if k != "churn"}
            headers = {"x-modelward-key": f"customer-{i}"}
            answer = client.post("/invocations", json={"instances": [features]}, headers=headers)
            body = answer.json()
            served["canary" if body["model"] == "churn/v2" else "primary"] += 1
            feedback.append({"request_id": body["request_id"], "label": row["churn"]})
        sent = client.post("/v1/deployments/default/feedback", json={"feedback": feedback})
        assert sent.json()["accepted"] == len(ROWS)
    with running(served_home) as client:
        report = client.get(
            "/api/v1/deployments/default/compare", params={"min_samples": 10}
        ).json()
    assert report["labelled"] == {**served, "shadow": len(ROWS)}
    pairs = {(c["route_a"], c["route_b"]): c for c in report["comparisons"]}
    assert set(pairs) == {("primary", "canary"), ("served", "shadow"), ("incumbent rule", "served")}
    canary = pairs[("primary", "canary")]
    assert (canary["n_a"], canary["n_b"]) == (served["primary"], served["canary"])
    assert pairs[("served", "shadow")]["n_a"] == len(ROWS)
    rule = pairs[("incumbent rule", "served")]
    truth = [r["churn"] for r in ROWS]
    said = [
        "Yes" if r["contract"] == "Month-to-month" and float(str(r["tenure"])) < 12 else "No"
        for r in ROWS
    ]
    rule_accuracy = sum(s == t for s, t in zip(said, truth, strict=True)) / len(ROWS)
    assert abs(rule["test"]["estimate_a"] - rule_accuracy) < 1e-9
    for comparison in pairs.values():
        assert comparison["recommendation"]
        assert comparison["decision"] in {
            "keep_collecting",
            "b_better",
            "a_better",
            "no_difference",
        }
