from __future__ import annotations

import os
from typing import Any

import pytest

from modelward.datasets.readers import read_uri
from modelward.errors import InputError
from tests.conftest import S3_KEY, S3_SECRET


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        region_name="us-east-1",
    )


def _options(endpoint: str) -> dict[str, Any]:
    return {"client_kwargs": {"endpoint_url": endpoint}, "key": S3_KEY, "secret": S3_SECRET}


def test_a_csv_on_s3_is_read(s3_endpoint: str, s3_bucket: str) -> None:
    _client(s3_endpoint).put_object(Bucket=s3_bucket, Key="in/c.csv", Body=b"a,b\n1,x\n2,y\n")
    frame = read_uri(f"s3://{s3_bucket}/in/c.csv", storage_options=_options(s3_endpoint))
    assert frame.rows() == [(1, "x"), (2, "y")]


def test_a_remote_file_gets_the_same_checks_naming_the_url(
    s3_endpoint: str, s3_bucket: str
) -> None:
    _client(s3_endpoint).put_object(Bucket=s3_bucket, Key="bad.csv", Body=b"a,b\n1,2,3\n")
    uri = f"s3://{s3_bucket}/bad.csv"
    with pytest.raises(InputError, match=rf"^{uri}: line 2 has 3 fields, expected 2"):
        read_uri(uri, storage_options=_options(s3_endpoint))


@pytest.mark.parametrize("key", ["missing.csv", "folder/"])
def test_a_missing_key_is_not_found(s3_endpoint: str, s3_bucket: str, key: str) -> None:
    uri = f"s3://{s3_bucket}/{key}"
    with pytest.raises(InputError, match=rf"^{uri}: not found; check the bucket and the key"):
        read_uri(uri, storage_options=_options(s3_endpoint))


def test_a_missing_bucket_is_not_found(s3_endpoint: str) -> None:
    with pytest.raises(InputError, match=r"s3://no-such-bucket-mw/x.csv: not found"):
        read_uri("s3://no-such-bucket-mw/x.csv", storage_options=_options(s3_endpoint))


def test_missing_credentials_name_the_fix(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    # No file, no profile, and never the EC2 metadata service (a non-loopback address).
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    uri = f"s3://{s3_bucket}/c.csv"
    options = {"client_kwargs": {"endpoint_url": s3_endpoint}}
    with pytest.raises(InputError, match=rf"^{uri}: no credentials.*AWS_ACCESS_KEY_ID"):
        read_uri(uri, storage_options=options)


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(InputError, match=r"URI: got 'nope://b/x.csv'; expected a local path"):
        read_uri("nope://b/x.csv")
