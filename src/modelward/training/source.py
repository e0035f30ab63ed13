"""Where training data comes from: a file (project and dataset made on the way) or a reference.

Nothing is written until the data and the target have passed their checks: a bad file leaves
no project, dataset version or run behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from modelward.audit import audit_dataset
from modelward.datasets import (
    DatasetVersion,
    add_dataset,
    get_version,
    load_frame,
    read_file,
    require_columns,
)
from modelward.errors import InputError, NotFound
from modelward.refs import check_name
from modelward.spec import ProjectSpec, Task, create_project, get_project
from modelward.training.options import TrainOptions
from modelward.workspace import Workspace

FILE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")


@dataclass(frozen=True)
class Source:
    """The training frame and what it will be recorded as."""

    frame: pl.DataFrame
    project: str
    spec: ProjectSpec | None  # the existing project's spec, None when it is new
    path: Path | None  # a file to add as a dataset version, or None
    version: DatasetVersion | None  # the existing version, when DATA was a reference


def open_source(ws: Workspace, data: str, options: TrainOptions) -> Source:
    path = Path(data)
    if path.is_file():
        frame = read_file(path)
        project = options.project or _name_from(path)
        return Source(frame, project, _spec(ws, project), path, None)
    if path.suffix.lower() in FILE_SUFFIXES or "/" in data:
        raise InputError.field(
            "DATA", data, "an existing CSV or Parquet file, or a dataset reference name[@version]"
        )
    version = get_version(ws, data)
    project = options.project or version.project or version.name
    return Source(load_frame(ws, version), project, _spec(ws, project), None, version)


def record_source(ws: Workspace, source: Source, spec: ProjectSpec) -> DatasetVersion:
    """Create the project when new, and the dataset version when the data came from a file."""
    if source.spec is None:
        create_project(ws, spec)
    if source.version is not None:
        return source.version
    assert source.path is not None
    added = add_dataset(ws, source.path, name=source.project, project=source.project)
    if added.created:
        # As `data add` would: the new version gets its audit, which the training scan joins.
        audit_dataset(ws, added.version.ref, target=spec.target, sensitive=spec.sensitive)
    return added.version


def project_spec(source: Source, options: TrainOptions) -> ProjectSpec:
    """The spec the job runs under: the project's, with this job's flags on top."""
    base = source.spec
    task = options.task if options.task is not Task.AUTO or base is None else base.task
    target = options.target or (base.target if base else None)
    if target is None and task is not Task.SEGMENT:
        raise InputError.field("--target", None, "the column to predict (the project has none)")
    fields: dict[str, Any] = {
        "target": target,
        "task": task,
        "metric": options.metric or (base.metric if base else None),
        "sensitive": options.sensitive if options.sensitive is not None else _sensitive(base),
    }
    fields.update(_forecast_fields(base, options, task))
    if options.group_column is not None:
        _check_group_column(source, options.group_column, task, target)
        fields["group_column"] = options.group_column
    try:
        # Validated like a spec file: the metric must fit the task, the target may not be
        # sensitive, and so on.
        merged = {**(base.model_dump() if base else {"name": source.project}), **fields}
        spec = ProjectSpec.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"train options{': ' + where if where else ''}: {first['msg']}") from None
    require_columns(source.frame.columns, spec.columns_named(), "the data")
    return spec


def _check_group_column(source: Source, column: str, task: Task, target: str | None) -> None:
    """A tabular job's group column: one of the data's columns, with a group on every row."""
    flag = "--group-col"
    if task in (Task.FORECAST, Task.SEGMENT):
        raise InputError.field(
            flag, column, "a tabular task (a forecast's series are named by --group-cols)"
        )
    if column == target:
        raise InputError.field(flag, column, "a column other than the target")
    if column not in source.frame.columns:
        raise InputError.field(
            flag, column, f"a column of the data ({_some(source.frame.columns)})"
        )
    values = source.frame[column]
    missing = values.null_count() + (int(values.is_nan().sum()) if values.dtype.is_float() else 0)
    if missing:
        raise InputError.field(
            flag, f"{column} with {missing:,} empty value(s)", "a column with a group on every row"
        )


def _some(columns: list[str], shown: int = 8) -> str:
    more = f", … {len(columns) - shown} more" if len(columns) > shown else ""
    return ", ".join(columns[:shown]) + more


def _forecast_fields(base: ProjectSpec | None, options: TrainOptions, task: Task) -> dict[str, Any]:
    """The flags framing a forecast over the spec's `forecast:` section and time column."""
    flags = options.forecast_flags()
    if task is not Task.FORECAST:
        if flags:
            flag = next(iter(flags))
            expected = "--task forecast (the flag frames a forecast)"
            raise InputError.field(flag, flags[flag], expected)
        return {}
    section = base.forecast.model_dump() if base is not None and base.forecast else {}
    given = {
        "horizon": options.horizon,
        "groups": options.group_columns,
        "covariates": options.covariates,
        "country": options.country,
    }
    section.update({key: value for key, value in given.items() if value is not None})
    if "horizon" not in section:
        raise InputError.field("--horizon", None, "the periods to forecast ahead, e.g. 14")
    time_column = options.time_column or (base.time_column if base else None)
    if time_column is None:
        raise InputError.field("--time-col", None, "the column with each period's date")
    return {"forecast": section, "time_column": time_column}


def _sensitive(base: ProjectSpec | None) -> tuple[str, ...]:
    return base.sensitive if base is not None else ()


def _spec(ws: Workspace, project: str) -> ProjectSpec | None:
    check_name(project, field="--project")
    try:
        return get_project(ws, project).spec
    except NotFound:
        return None


def _name_from(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-._") or "project"
    return stem[:64]
