"""Stage faces import their modules on first use, and every name they list is there."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from modelward.faces import exported_names

SRC = Path(__file__).parents[3] / "src"
FACES = sorted(
    ".".join(path.parent.relative_to(SRC).parts)
    for path in SRC.glob("modelward/**/__init__.py")
    if "lazy_face(" in path.read_text()
)


def test_the_stages_that_pulled_in_data_libraries_are_lazy() -> None:
    assert {"modelward", "modelward.datasets", "modelward.audit", "modelward.review"} <= set(FACES)


@pytest.mark.parametrize("package", FACES)
def test_every_listed_name_resolves_to_its_module_s_object(package: str) -> None:
    face = importlib.import_module(package)
    where = exported_names(Path(face.__file__ or "").read_text())
    assert sorted(where) == face.__all__ == dir(face)
    for name, module in where.items():
        assert getattr(face, name) is getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("package", FACES)
def test_an_unknown_name_is_an_attribute_error_naming_it(package: str) -> None:
    face = importlib.import_module(package)
    with pytest.raises(AttributeError, match="no_such_thing"):
        face.no_such_thing  # noqa: B018 - the access is the test


def test_importing_a_face_imports_none_of_its_modules() -> None:
    code = "import sys, modelward.datasets; print('modelward.datasets.service' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("package", FACES)
def test_no_listed_name_is_also_a_submodule(package: str) -> None:
    """Importing a submodule sets it on the package, over a lazily found name of the same name."""
    folder = SRC.joinpath(*package.split("."))
    submodules = {path.stem for path in folder.glob("*.py")} | {
        path.name for path in folder.iterdir() if path.is_dir()
    }
    assert set(exported_names((folder / "__init__.py").read_text())) & submodules == set()
