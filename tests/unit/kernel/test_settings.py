from __future__ import annotations

from pathlib import Path

import pytest

from modelward.errors import InputError
from modelward.settings import SETTINGS_HELP, resolve, setting_names, write_config

ROOT = Path(__file__).parents[3]


def test_defaults_live_in_the_workspace(tmp_path: Path) -> None:
    settings = resolve({"home": tmp_path}, environ={})
    assert settings.store_url == f"sqlite:///{tmp_path / 'modelward.db'}"
    assert settings.blob_url == str(tmp_path / "blobs")
    assert settings.s3_endpoint_url is None


def test_flags_beat_environment_beat_config_file(tmp_path: Path) -> None:
    write_config(resolve({"home": tmp_path}, environ={}), {"actor": "from-file", "blob_url": "f"})
    env = {"MODELWARD_ACTOR": "from-env"}
    assert resolve({"home": tmp_path}, environ={}).actor == "from-file"
    assert resolve({"home": tmp_path}, environ=env).actor == "from-env"
    assert resolve({"home": tmp_path, "actor": "from-flag"}, environ=env).actor == "from-flag"
    assert resolve({"home": tmp_path}, environ=env).blob_url == "f"


def test_home_comes_from_environment(tmp_path: Path) -> None:
    settings = resolve(environ={"MODELWARD_HOME": str(tmp_path / "w")})
    assert settings.home == tmp_path / "w"


def test_unknown_setting_in_config_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("stor_url: x\n")
    with pytest.raises(InputError, match="stor_url"):
        resolve({"home": tmp_path}, environ={})


def test_broken_config_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("a: [\n")
    with pytest.raises(InputError, match=r"config\.yaml: not valid YAML"):
        resolve({"home": tmp_path}, environ={})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert set(setting_names()) == set(SETTINGS_HELP)
    for name in SETTINGS_HELP:
        assert f"`{name}`" in readme, f"setting {name} is missing from the README table"


def test_executor_and_ray_address_are_settings(tmp_path: Path) -> None:
    settings = resolve({"home": tmp_path}, environ={"RAY_ADDRESS": "ray://head:10001"})
    assert (settings.executor, settings.ray_address) == ("local", "ray://head:10001")
    configured = resolve(
        {"home": tmp_path}, environ={"MODELWARD_EXECUTOR": "Ray", "MODELWARD_RAY_ADDRESS": "auto"}
    )
    assert (configured.executor, configured.ray_address) == ("ray", "auto")
    with pytest.raises(InputError, match=r"executor: got 'spark'; expected local \| ray"):
        resolve({"home": tmp_path, "executor": "spark"}, environ={})


@pytest.mark.parametrize(
    ("name", "value"),
    [("s3_connect_timeout", "soon"), ("s3_read_timeout", "0"), ("s3_retries", "1.5")],
)
def test_s3_limits_are_checked(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(InputError, match=f"{name}: got '{value}'"):
        resolve({"home": tmp_path, name: value}, environ={})
