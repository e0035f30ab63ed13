"""An S3 blob store that is wrong or down fails fast and clearly: the setting to fix is named,
a stalled endpoint gives up within its timeouts, and nothing half-written is left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelward.backends.blobs import BlobStore, open_backend
from modelward.errors import InputError
from modelward.settings import resolve

FAST = {"s3_connect_timeout": "1", "s3_read_timeout": "1", "s3_retries": "1"}


@pytest.fixture
def stalled_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def store(tmp_path: Path, url: str, endpoint: str) -> BlobStore:
    settings = resolve({"home": tmp_path, "s3_endpoint_url": endpoint, **FAST}, environ={})
    return BlobStore(open_backend(url, settings.storage_options()), tmp_path / "tmp")


def test_a_wrong_endpoint_names_the_setting(tmp_path: Path, s3_endpoint: str) -> None:
    blobs = store(tmp_path, "s3://any/prefix", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    with pytest.raises(InputError, match=r"cannot connect to the endpoint .* s3_endpoint_url"):
        blobs.put_bytes(b"a model")
    assert time.monotonic() - started < 30
    assert not list((tmp_path / "tmp").glob("*"))  # no scratch file left


def test_a_missing_bucket_is_named(tmp_path: Path, s3_endpoint: str) -> None:
    blobs = store(tmp_path, "s3://no-such-bucket/prefix", s3_endpoint)
    with pytest.raises(InputError, match="the bucket no-such-bucket does not exist"):
        blobs.put_bytes(b"a model")


def test_a_stalled_endpoint_gives_up_within_its_timeouts(
    tmp_path: Path, stalled_endpoint: str, s3_endpoint: str
) -> None:
    blobs = store(tmp_path, "s3://bucket/prefix", stalled_endpoint)
    started = time.monotonic()
    with pytest.raises(InputError, match="no answer in time"):
        blobs.put_bytes(b"a model")
    assert time.monotonic() - started < 60  # 2 attempts of 1 s + 1 s, with room for a busy box
    with pytest.raises(InputError, match="no answer in time"):
        blobs.read_bytes("0" * 64)
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"x" * 1000)
    started = time.monotonic()
    with pytest.raises(InputError, match="no answer in time"):  # a PUT waits on 100-continue
        blobs.backend.put("sha256/00/00/upload", upload)
    assert time.monotonic() - started < 60


def test_terminating_data_add_leaves_no_staging_file(
    tmp_path: Path, stalled_endpoint: str, s3_endpoint: str
) -> None:
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    home = tmp_path / "ws"
    env = {
        **os.environ,
        "MODELWARD_HOME": str(home),
        "MODELWARD_BLOB_URL": "s3://bucket/prefix",
        "MODELWARD_S3_ENDPOINT_URL": stalled_endpoint,
        "MODELWARD_S3_READ_TIMEOUT": "60",
    }
    adding = subprocess.Popen(
        [sys.executable, "-m", "modelward", "data", "add", str(csv), "--name", "rows"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list((home / "tmp").glob("dataset-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the canonical file is staged, the upload is under way
    assert list((home / "tmp").glob("dataset-*")), "data add never staged its file"
    adding.send_signal(signal.SIGTERM)
    _, err = adding.communicate(timeout=60)
    assert adding.returncode == 143, err
    assert "terminated" in err
    assert not list((home / "tmp").iterdir())
