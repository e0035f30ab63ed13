"""Shared fixtures: real PostgreSQL and Redis (started if down), moto's S3 server, workspaces."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock

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


@pytest.fixture(params=["sqlite", "postgresql"])
def each_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a module's tests on both stores: `pytestmark = pytest.mark.usefixtures("each_store")`.

    On PostgreSQL every workspace the test creates (in process, or in a `modelward` process
    it starts) gets a fresh schema through MODELWARD_STORE_URL. Only for modules whose
    workspaces are made inside the test: the environment outranks a copied workspace's config.
    """
    if request.param == "postgresql":
        monkeypatch.setenv("MODELWARD_STORE_URL", request.getfixturevalue("pg_url"))
    else:
        monkeypatch.delenv("MODELWARD_STORE_URL", raising=False)
    return str(request.param)


def _worker_number() -> int:
    """0 in a serial run; 1, 2, … for pytest-xdist's workers gw0, gw1, …"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) + 1 if worker.startswith("gw") else 0


# Each xdist worker has a Redis database of its own: servers in two workers that share a
# workspace copy (same workspace id, same callers) must not share rate buckets or evidence.
REDIS_URL = f"redis://127.0.0.1:6379/{_worker_number()}"


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]) -> Path:
    """`build(folder)` once per test run: under xdist the first worker to ask builds it in the
    run's shared temporary folder while the others wait for it, then all read the same copy."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(factory.mktemp(name))
    shared = factory.getbasetemp().parent
    made = shared / f"{name}.path"
    with FileLock(str(shared / f"{name}.lock")):
        if not made.exists():
            folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=shared))  # fresh after a failure
            made.write_text(str(build(folder)))
    return Path(made.read_text())


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

    return built_once(tmp_path_factory, "served", build_served_workspace)


@pytest.fixture
def served_home(request: pytest.FixtureRequest, served: Path, tmp_path: Path) -> Path:
    """A private copy of the served workspace, for tests that change it; in a module run on
    each store (`each_store`), its PostgreSQL run gets a copy of the workspace built there."""
    if _store_of(request) != "postgresql":
        return Path(shutil.copytree(served, tmp_path / "ws"))
    home, template = request.getfixturevalue("served_on_postgres")
    url = request.getfixturevalue("database_copy")(template)
    request.getfixturevalue("monkeypatch").setenv("MODELWARD_STORE_URL", url)
    return Path(shutil.copytree(home, tmp_path / "ws"))


def _store_of(request: pytest.FixtureRequest) -> str:
    callspec = getattr(request.node, "callspec", None)
    return str(callspec.params.get("each_store", "sqlite")) if callspec else "sqlite"


def _pg_database_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _run_tag(factory: pytest.TempPathFactory) -> str:
    """The same for every xdist worker of one run: the name of the run's temporary folder."""
    root = factory.getbasetemp()
    root = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    return root.name.replace("-", "_")


@pytest.fixture(scope="session")
def served_on_postgres(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """The served workspace built on PostgreSQL: its folder, and its database, a template that
    each test copies (CREATE DATABASE … TEMPLATE copies files, much faster than rebuilding)."""
    import psycopg

    from tests.unit.serving.conftest import build_served_workspace

    template = f"mw_tpl_{_run_tag(tmp_path_factory)}"

    def build(folder: Path) -> Path:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')  # an old run's
            conn.execute(f'CREATE DATABASE "{template}"')
        return build_served_workspace(folder, store_url=_pg_database_url(template))

    return built_once(tmp_path_factory, "served-pg", build), template


@pytest.fixture
def database_copy(postgres_server: str) -> Iterator[Callable[[str], str]]:
    """`copy(template)`: the store URL of a fresh copy of a template database, dropped after."""
    import psycopg

    made: list[str] = []

    def copy(template: str) -> str:
        name = f"mw_copy_{uuid.uuid4().hex[:12]}"
        for attempt in range(40):  # another worker copying the same template at this moment
            try:
                with psycopg.connect(postgres_server, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 39:
                    raise
                time.sleep(0.25)
        made.append(name)
        return _pg_database_url(name)

    yield copy
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's template databases go with it (xdist: once, by the controller, at the end)."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not _port_open(5432):
        return
    import psycopg

    tag = _run_tag(session.config._tmp_path_factory)  # type: ignore[attr-defined]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "mw_tpl_{tag}" WITH (FORCE)')


@pytest.fixture(scope="session")
def ray_head(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A Ray head of its own (its own ports and temp folder), as a team's cluster would be:
    (HOST:PORT, ray://HOST:PORT). Stopped as a process group at the end, never with
    `ray stop`, which would stop every Ray on the machine (other tests' too)."""
    gcs, client = _free_port(), _free_port()
    temp = tmp_path_factory.mktemp("ray")
    ray_cli = Path(sys.executable).parent / "ray"
    head = subprocess.Popen(
        [
            str(ray_cli), "start", "--head", "--block", f"--port={gcs}",
            f"--ray-client-server-port={client}", "--num-cpus=2", "--include-dashboard=false",
            "--disable-usage-stats", f"--temp-dir={temp}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not _port_open(client):
        if time.monotonic() > deadline or head.poll() is not None:
            os.killpg(head.pid, signal.SIGTERM)
            pytest.fail("the Ray head did not start within 120 s")
        time.sleep(0.5)
    yield f"127.0.0.1:{gcs}", f"ray://127.0.0.1:{client}"
    # `ray start --block` takes about 34 s to stop its processes on SIGTERM; nothing of this
    # throwaway cluster needs keeping, so the group gets 3 s, then SIGKILL.
    os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(3)
    except subprocess.TimeoutExpired:
        os.killpg(head.pid, signal.SIGKILL)
        head.wait(30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
