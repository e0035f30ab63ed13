"""Shared fixtures: real PostgreSQL and Redis (started if down), moto's S3 server, workspaces."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# botocore would otherwise ask the EC2 metadata service (a non-loopback address) for credentials.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
S3_KEY, S3_SECRET = "modelward-test", "modelward-secret"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _start_postgres() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.fail("PostgreSQL is down on 127.0.0.1:5432 and no local cluster can be started")
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]
    subprocess.run(cmd, check=False, capture_output=True, timeout=60)
    for _ in range(60):
        if _port_open(5432):
            return
        time.sleep(0.5)
    pytest.fail("PostgreSQL did not come up on 127.0.0.1:5432")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL admin URL; the server is started when it is down, a failure otherwise."""
    if not _port_open(5432):
        _start_postgres()
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(postgres_server: str) -> Iterator[str]:
    """A store URL on its own fresh PostgreSQL schema, dropped after the test."""
    import psycopg

    schema = f"mw_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store contract runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis URL on loopback; the server is started (no persistence) when it is down."""
    if not _port_open(6379):
        if shutil.which("redis-server") is None:
            pytest.fail("Redis is down on 127.0.0.1:6379 and redis-server is not installed")
        cmd = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"]
        cmd += ["--save", "", "--appendonly", "no"]
        subprocess.run(cmd, check=False, capture_output=True, timeout=30)
        for _ in range(40):
            if _port_open(6379):
                break
            time.sleep(0.25)
        else:
            pytest.fail("Redis did not come up on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on loopback, with dummy credentials in the environment."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID=S3_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET)
    yield f"http://127.0.0.1:{port}"
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on the moto server."""
    import boto3

    name = f"mw-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with approved churn models (built once per session; see tests/unit/serving)."""
    from tests.unit.serving.conftest import build_served_workspace

    return build_served_workspace(tmp_path_factory.mktemp("served"))


@pytest.fixture
def served_home(served: Path, tmp_path: Path) -> Path:
    """A private copy of the served workspace, for tests that change it."""
    return Path(shutil.copytree(served, tmp_path / "ws"))
