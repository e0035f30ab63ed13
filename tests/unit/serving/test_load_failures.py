"""A deployment whose models cannot be loaded fails alone: the others serve and switch, the
failure is named in `/readyz`'s `degraded`, logged and counted once, and retried."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

import modelward
from modelward.backends.blobs.backend import LocalBackend
from modelward.errors import BackendError
from modelward.registry import get_model
from modelward.serving.deployments import create_deployment
from modelward.serving.scorer import Scorer
from tests.unit.serving.conftest import churn_rows


def _manifest_path(ws: modelward.Workspace, ref: str) -> Path:
    backend = ws.blobs.backend
    assert isinstance(backend, LocalBackend)
    key = get_model(ws, ref).manifest_sha256
    return backend.path(f"sha256/{key[:2]}/{key[2:4]}/{key}")


def test_a_deployment_that_cannot_load_fails_alone(served_home: Path, tmp_path: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "good", "churn/v1")
        create_deployment(ws, "bad", "churn/v2")
        manifest = _manifest_path(ws, "churn/v2")
        kept = Path(shutil.copy(manifest, tmp_path / "manifest"))
        manifest.unlink()  # a lifecycle rule on the bucket, a wrong prefix
        scorer = Scorer(ws, poll_interval=3600)
        scorer.start()  # no exception: the server starts and serves what it can
        try:
            assert scorer.predict("good", churn_rows(2)).model == "churn/v1"
            with pytest.raises(BackendError, match="deployment 'bad' cannot load its models: "):
                scorer.predict("bad", churn_rows(2))
            assert [(d["deployment"], d["serving"]) for d in scorer.degraded] == [
                ("bad", "nothing")
            ]
            assert "model churn/v2" in scorer.degraded[0]["reason"]
            create_deployment(ws, "later", "churn/v1")  # the others still switch
            assert scorer.refresh() == ["later"]  # `bad` waits for its retry time
            metrics = scorer.metrics.render().decode()
            assert 'modelward_deployment_load_failures_total{deployment="bad"} 1.0' in metrics
            assert 'modelward_deployment_degraded{deployment="bad"} 1.0' in metrics

            shutil.copy(kept, manifest)  # the blob is back
            scorer._failed["bad"] = replace(scorer._failed["bad"], retry_at=0.0)  # 30 s on
            assert scorer.refresh() == ["bad"]
            assert scorer.degraded == []
            assert scorer.predict("bad", churn_rows(2)).model == "churn/v2"
            metrics = scorer.metrics.render().decode()
            assert 'modelward_deployment_degraded{deployment="bad"} 0.0' in metrics
        finally:
            scorer.close()


def test_readyz_and_the_page_name_the_deployment_that_cannot_load(served_home: Path) -> None:
    from tests.unit.api.conftest import running

    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "good", "churn/v1")
        create_deployment(ws, "bad", "churn/v2")
        _manifest_path(ws, "churn/v2").unlink()
    with running(served_home) as client:
        ready = client.get("/readyz")
        good = client.post("/v1/deployments/good/predict", json={"instances": churn_rows(2)})
        bad = client.post("/v1/deployments/bad/predict", json={"instances": churn_rows(2)})
        page = client.get("/deployments/bad").text
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert [d["deployment"] for d in ready.json()["degraded"]] == ["bad"]
    assert good.status_code == 200
    assert bad.status_code == 503
    assert "cannot load its models" in bad.json()["error"]["message"]
    assert "This server cannot load these routes' models, and serves nothing" in page
