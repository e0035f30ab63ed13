"""Model versions as a server holds them: loaded once, verified at load, with their contract."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from modelward.datasets import get_version
from modelward.errors import InputError, NotFound
from modelward.model import ModelRuntime, load_runtime
from modelward.registry import ModelVersion
from modelward.serving.contract import Flag, ServingContract, refusal
from modelward.serving.records import Validation
from modelward.tracking import get_run
from modelward.training import conform_records
from modelward.workspace import Workspace


@dataclass(frozen=True)
class Scored:
    """A request's answers: one JSON-ready prediction per row, in row order; under per-row
    strict validation, `refused` rows have an error in their place, with their flags."""

    predictions: list[dict[str, Any]]
    refused: dict[int, list[Flag]] = field(default_factory=dict)


@dataclass(frozen=True)
class ServedModel:
    """A verified, loaded model version (its runtime) and its serving contract. Thread-safe."""

    runtime: ModelRuntime
    contract: ServingContract

    @cached_property
    def ref(self) -> str:
        return self.runtime.ref  # read on every request: formatted once

    @property
    def version(self) -> ModelVersion:
        return self.runtime.version

    def score(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        validation: Validation,
        digits: int | None = None,
        per_row: bool = False,
    ) -> Scored:
        """Validate (types always, training values under strict), predict and decide; under
        `flag`, values outside training are scored and named in the answer; under strict
        `per_row`, rows outside training are answered with an error each."""
        if per_row and validation is Validation.STRICT and self.contract.columns:
            refused = self.contract.flags(records)
            if refused:
                kept = [i for i in range(len(records)) if i not in refused]
                answers = _scored_rows(
                    kept, lambda: self.runtime.answers([records[i] for i in kept], digits=digits)
                )
                return _per_row(len(records), kept, answers, refused)
        flags = self._flags(records, validation)
        answers = self.runtime.answers(records, digits=digits)
        _mark(answers, flags)
        return Scored(answers)

    def admit(self, records: Sequence[Mapping[str, Any]], *, validation: Validation) -> None:
        """The checks `score` makes, without scoring: for work that reads the rows another way
        (explanations), so no path takes a value that predict would refuse."""
        conform_records(self.runtime.schema, records)
        self._flags(records, validation)

    def score_frame(
        self,
        frame: pl.DataFrame,
        *,
        validation: Validation,
        digits: int | None = None,
        per_row: bool = False,
    ) -> Scored:
        """A batch (CSV or Parquet body) through the vectorized path; same checks."""
        if per_row and validation is Validation.STRICT and self.contract.columns:
            refused = self.contract.flags_frame(frame)
            if refused:
                kept = [i for i in range(frame.height) if i not in refused]
                answers = _scored_rows(
                    kept, lambda: self.runtime.answers_frame(frame[kept], digits=digits)
                )
                return _per_row(frame.height, kept, answers, refused)
        flags: dict[int, list[Flag]] = {}
        if validation is Validation.STRICT:
            self.contract.check_frame(frame)
        elif validation is Validation.FLAG and self.contract.columns:
            flags = self.contract.flags_frame(frame)
        answers = self.runtime.answers_frame(frame, digits=digits)
        _mark(answers, flags)
        return Scored(answers)

    def _flags(
        self, records: Sequence[Mapping[str, Any]], validation: Validation
    ) -> dict[int, list[Flag]]:
        """The contract's verdict on JSON records: InputError under strict for any value
        outside training, under flag only for a wrong type; else the values to flag."""
        if validation is Validation.STRICT:
            self.contract.check(records)
        elif validation is Validation.FLAG and self.contract.columns:
            return self.contract.flags(records)
        return {}


OUT_OF_CONTRACT = "out_of_contract"  # an answer's key: the values scored outside training


def _scored_rows(
    kept: list[int], score: Callable[[], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The kept rows' answers; an error naming a kept row is renamed to its batch index."""
    if not kept:
        return []
    try:
        return score()
    except InputError as exc:
        raise InputError(
            re.sub(r"records\[(\d+)\]", lambda m: f"records[{kept[int(m.group(1))]}]", exc.message)
        ) from exc


def _per_row(
    n: int, kept: list[int], answers: list[dict[str, Any]], refused: dict[int, list[Flag]]
) -> Scored:
    """Answers in batch order: the scored rows' own, an error in place of each refused row."""
    merged: list[dict[str, Any]] = [{} for _ in range(n)]
    for i, answer in zip(kept, answers, strict=True):
        merged[i] = answer
    for i, flags in refused.items():
        merged[i] = {"error": {"type": "InputError", "message": refusal(i, flags[0]).message}}
    return Scored(merged, refused)


def _mark(answers: list[dict[str, Any]], flags: dict[int, list[Flag]]) -> None:
    for i, found in flags.items():
        answers[i][OUT_OF_CONTRACT] = found


class ModelCache:
    """Each model version loaded once per process; a tampered bundle is refused at load."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._loaded: dict[str, ServedModel] = {}
        self._lock = threading.Lock()

    def get(self, ref: str) -> ServedModel:
        found = self._loaded.get(ref)
        if found is not None:
            return found
        with self._lock:
            found = self._loaded.get(ref)
            if found is None:
                found = load_served(self._ws, ref)
                self._loaded[found.ref] = found
                self._loaded[ref] = found
            return found


def load_served(ws: Workspace, ref: str) -> ServedModel:
    runtime = load_runtime(ws, ref)
    features = [column.name for column in runtime.schema.columns]
    contract = ServingContract.build(_contract(ws, runtime.version), features)
    return ServedModel(runtime, contract)


def _contract(ws: Workspace, version: ModelVersion) -> Any:
    if version.run is None:
        return None
    try:
        dataset = get_run(ws, version.run).dataset
        return None if dataset is None else get_version(ws, dataset).contract
    except NotFound:
        return None
