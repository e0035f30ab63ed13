"""Settings: resolved once, frozen, passed down.

Precedence, highest first: explicit overrides (CLI flags, `open(**overrides)`), environment
variables `MODELWARD_<NAME>`, the workspace's `config.yaml`, then defaults. Nothing else in
modelward reads the environment for its own configuration.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from modelward.errors import InputError

CONFIG_FILE = "config.yaml"
ENV_PREFIX = "MODELWARD_"


@dataclass(frozen=True)
class SettingInfo:
    """A documented setting: its name, default (as text) and help."""

    name: str
    default: str
    help: str


SETTINGS_HELP: dict[str, SettingInfo] = {
    info.name: info
    for info in (
        SettingInfo("home", "./.modelward", "Workspace folder (also `--home`)."),
        SettingInfo(
            "store_url",
            "sqlite:///<home>/modelward.db",
            "Metadata store: a SQLAlchemy URL, `sqlite:///PATH` or `postgresql+psycopg://…`.",
        ),
        SettingInfo(
            "blob_url",
            "<home>/blobs",
            "Blob store for datasets, models and reports: a folder or `s3://bucket/prefix`.",
        ),
        SettingInfo(
            "s3_endpoint_url",
            "(none)",
            "Endpoint of an S3-compatible object store (MinIO, moto); AWS when unset.",
        ),
        SettingInfo(
            "redis_url",
            "(none)",
            "Redis shared by server replicas for rate limits (`redis://127.0.0.1:6379/0`); "
            "in-process when unset.",
        ),
        SettingInfo(
            "actor",
            "<login name>",
            "Who is acting: recorded on every event and matched against `users` in reviews "
            "(also `MODELWARD_USER`).",
        ),
    )
}


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one workspace. Immutable; build it with `resolve`."""

    home: Path
    store_url: str
    blob_url: str
    s3_endpoint_url: str | None
    actor: str
    redis_url: str | None = None

    @property
    def tmp_dir(self) -> Path:
        """Scratch space on the workspace's own disk, so that renames out of it are atomic."""
        return self.home / "tmp"

    def storage_options(self) -> dict[str, Any]:
        """fsspec options for remote URLs (S3 endpoint); empty for local paths."""
        if self.s3_endpoint_url:
            return {"client_kwargs": {"endpoint_url": self.s3_endpoint_url}}
        return {}


def resolve(
    overrides: Mapping[str, object | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from overrides > `MODELWARD_*` environment > config file > defaults."""
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    env = os.environ if environ is None else environ
    unknown = sorted(set(given) - set(SETTINGS_HELP))
    if unknown:
        raise InputError.field("setting", unknown[0], f"one of {', '.join(SETTINGS_HELP)}")
    home = Path(str(given.get("home") or env.get(ENV_PREFIX + "HOME") or ".modelward"))
    home = home.expanduser().absolute()
    layers: list[Mapping[str, object]] = [given, _from_env(env), _read_config(home)]

    def pick(name: str) -> str | None:
        for layer in layers:
            value = layer.get(name)
            if value is not None and value != "":
                return str(value)
        return None

    return Settings(
        home=home,
        store_url=pick("store_url") or f"sqlite:///{home / 'modelward.db'}",
        blob_url=pick("blob_url") or str(home / "blobs"),
        s3_endpoint_url=pick("s3_endpoint_url"),
        actor=pick("actor") or _login_name(),
        redis_url=pick("redis_url"),
    )


def write_config(settings: Settings, values: Mapping[str, str]) -> Path:
    """Persist chosen settings into the workspace's config file (merged with what is there)."""
    path = settings.home / CONFIG_FILE
    current = dict(_read_config(settings.home))
    current.update(values)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(current, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    found: dict[str, object] = {
        name: env[ENV_PREFIX + name.upper()]
        for name in SETTINGS_HELP
        if name != "home" and ENV_PREFIX + name.upper() in env
    }
    # `MODELWARD_USER` is the name reviewers know; `MODELWARD_ACTOR` wins when both are set.
    if "actor" not in found and env.get(ENV_PREFIX + "USER"):
        found["actor"] = env[ENV_PREFIX + "USER"]
    return found


def _read_config(home: Path) -> Mapping[str, object]:
    path = home / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid YAML ({exc}); fix or delete the file") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError.field(str(path), type(data).__name__, "a mapping of setting: value")
    unknown = sorted(set(data) - set(SETTINGS_HELP) - {"home"})
    if unknown:
        raise InputError.field(f"{path}: setting", unknown[0], f"one of {', '.join(SETTINGS_HELP)}")
    return {str(k): v for k, v in data.items()}


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
