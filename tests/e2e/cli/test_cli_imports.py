"""The command line starts at once: `--help` and the everyday reads import no ML library, and
every sub-command's listed help is the command's own (the listing does not import them)."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modelward.cli.app import COMMANDS

ML = {"sklearn", "lightgbm", "xgboost", "catboost", "scipy", "skops", "onnx", "onnxruntime"}
ML |= {"shap", "interpret", "ray", "fastapi", "uvicorn", "boto3", "statsforecast", "optuna"}
DATA = {"polars", "numpy", "pandas", "pyarrow"}
RUN = """
import json, sys
sys.argv = ["modelward", *sys.argv[2:]]
try:
    from modelward.cli import main
    main()
except SystemExit:
    pass
finally:
    with open(OUT, "w") as out:
        json.dump(sorted({name.split(".")[0] for name in sys.modules}), out)
"""


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages a `modelward ARGS` process imported."""
    out = tmp_path / "modules.json"
    script = textwrap.dedent(RUN).replace("OUT", repr(str(out)))
    env = {**os.environ, "MODELWARD_USER": "ana"}
    done = subprocess.run(
        [sys.executable, "-c", script, "-", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.exists(), done.stderr
    return set(json.loads(out.read_text()))


def test_help_imports_no_ml_library_nor_data_library(tmp_path: Path) -> None:
    found = imported(tmp_path, "--help")
    assert "typer" in found  # really ran
    assert found & (ML | DATA | {"sqlalchemy"}) == set()


@pytest.mark.parametrize("command", [("models", "list"), ("runs", "list"), ("audit", "verify")])
def test_everyday_reads_import_no_ml_library_nor_data_library(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    home = str(tmp_path / "ws")
    found = imported(tmp_path, "--home", home, *command)
    assert "sqlalchemy" in found  # really read the store
    assert found & (ML | DATA) == set()


def test_each_listed_help_is_the_command_s_own() -> None:
    for name, entry in COMMANDS.items():
        loaded = entry.load(name)
        own = inspect.cleandoc(loaded.help or "").split("\n\n")[0]
        assert entry.help == own, name


def test_scoring_imports_only_the_families_a_model_names() -> None:
    """The scoring path (`predict`, `ws.predict`, the server) loads families by name: importing
    it brings in no family, nor the search (optuna) or scikit-learn behind them."""
    script = (
        "import json, sys; import modelward.model.batch, modelward.model.runtime; "
        "from modelward.training.families import get_family; get_family('prior'); "
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    found = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "polars" in found  # really ran
    assert found & {"sklearn", "lightgbm", "xgboost", "catboost", "interpret", "optuna"} == set()
