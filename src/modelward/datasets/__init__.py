"""Versioned datasets: ingest from files, URIs or SQL into immutable, content-addressed versions
with an inferred schema contract, lineage and diffs."""

from modelward.datasets.contract import ColumnContract, Contract, Role, infer_contract
from modelward.datasets.diff import ColumnChange, DatasetDiff, Verdict, diff_frames
from modelward.datasets.readers import read_file, read_sql, read_uri
from modelward.datasets.records import AddResult, DatasetVersion
from modelward.datasets.service import (
    add_dataset,
    diff_versions,
    get_version,
    list_versions,
    load_frame,
)

__all__ = [
    "AddResult",
    "ColumnChange",
    "ColumnContract",
    "Contract",
    "DatasetDiff",
    "DatasetVersion",
    "Role",
    "Verdict",
    "add_dataset",
    "diff_frames",
    "diff_versions",
    "get_version",
    "infer_contract",
    "list_versions",
    "load_frame",
    "read_file",
    "read_sql",
    "read_uri",
]
