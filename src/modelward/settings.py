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
ATTEMPTS_OPTION = "modelward_attempts"


def apply_attempts(options: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """Storage options without modelward's attempt count, and the count: s3fs takes its
    retries as an attribute of the file system, not as an argument."""
    rest = {k: v for k, v in options.items() if k != ATTEMPTS_OPTION}
    attempts = options.get(ATTEMPTS_OPTION)
    return rest, None if attempts is None else int(attempts)


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
            "executor",
            "local",
            "Where training trials run: `local` (a process pool) or `ray`; `train --executor` "
            "overrides it, and retraining and API training use it.",
        ),
        SettingInfo(
            "ray_address",
            "(none; RAY_ADDRESS)",
            "The Ray cluster for `executor: ray`: HOST:PORT, `ray://HOST:10001` (Ray Client) or "
            "`auto`; Ray's own RAY_ADDRESS when unset, else a local Ray instance.",
        ),
        SettingInfo(
            "s3_connect_timeout",
            "5",
            "Seconds an S3 call waits to connect before it fails with the endpoint named.",
        ),
        SettingInfo(
            "s3_read_timeout",
            "20",
            "Seconds an S3 call waits for the endpoint's next bytes before it fails.",
        ),
        SettingInfo(
            "s3_retries",
            "2",
            "Retries of a failed S3 call (backing off) before the error is reported.",
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
    s3_connect_timeout: float = 5.0
    s3_read_timeout: float = 20.0
    s3_retries: int = 2
    executor: str = "local"
    ray_address: str | None = None

    @property
    def tmp_dir(self) -> Path:
        """Scratch space on the workspace's own disk, so that renames out of it are atomic."""
        return self.home / "tmp"

    def storage_options(self) -> dict[str, Any]:
        """fsspec options for S3: endpoint, timeouts and retries, so that a wrong endpoint or
        a stalled one fails within a bounded time instead of hanging."""
        options: dict[str, Any] = {
            ATTEMPTS_OPTION: self.s3_retries + 1,  # not s3fs's: see `apply_attempts`
            "config_kwargs": {
                "connect_timeout": self.s3_connect_timeout,
                "read_timeout": self.s3_read_timeout,
                # s3fs retries (backing off); botocore's own retries would multiply them
                "retries": {"max_attempts": 1, "mode": "standard"},
            },
        }
        if self.s3_endpoint_url:
            options["client_kwargs"] = {"endpoint_url": self.s3_endpoint_url}
        return options


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
        s3_connect_timeout=_number(pick("s3_connect_timeout"), "s3_connect_timeout", 5.0, 0.1),
        s3_read_timeout=_number(pick("s3_read_timeout"), "s3_read_timeout", 20.0, 0.1),
        s3_retries=int(_number(pick("s3_retries"), "s3_retries", 2, 0, whole=True)),
        executor=_choice(pick("executor"), "executor", ("local", "ray")),
        # Ray's own variable, as every Ray tool reads it: connecting never starts a local Ray.
        ray_address=pick("ray_address") or env.get("RAY_ADDRESS") or None,
    )


def _choice(text: str | None, name: str, choices: tuple[str, ...]) -> str:
    if text is None:
        return choices[0]
    if text.strip().lower() not in choices:
        raise InputError.field(name, text, " | ".join(choices))
    return text.strip().lower()


def _number(
    text: str | None, name: str, default: float, low: float, *, whole: bool = False
) -> float:
    """A numeric setting, refused with its name, the value and the range when it is not one."""
    if text is None:
        return default
    expected = f"{'a whole number' if whole else 'a number'} of at least {low:g}"
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise InputError.field(name, text, expected) from None
    if not value >= low or value > 86_400:
        raise InputError.field(name, text, f"{expected}, at most 86400")
    return value


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
