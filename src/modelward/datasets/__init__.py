"""Versioned datasets: ingest from files, URIs or SQL into immutable, content-addressed versions
with an inferred schema contract, lineage and diffs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.datasets.contract import (
        ColumnContract as ColumnContract,
        Contract as Contract,
        Role as Role,
        infer_contract as infer_contract,
    )
    from modelward.datasets.diff import (
        ColumnChange as ColumnChange,
        DatasetDiff as DatasetDiff,
        Verdict as Verdict,
        diff_frames as diff_frames,
        psi as psi,
    )
    from modelward.datasets.readers import (
        read_file as read_file,
        read_sql as read_sql,
        read_uri as read_uri,
    )
    from modelward.datasets.records import (
        AddResult as AddResult,
        DatasetVersion as DatasetVersion,
    )
    from modelward.datasets.service import (
        add_dataset as add_dataset,
        diff_versions as diff_versions,
        get_version as get_version,
        list_versions as list_versions,
        load_frame as load_frame,
        require_columns as require_columns,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
