"""Which model families a job searches, and what the search spaces need to know."""

from __future__ import annotations

import numpy as np

from modelward.errors import InputError
from modelward.spec import Task
from modelward.training.families import Family, SpaceContext, all_families, get_family
from modelward.training.kinds import Kind, Style
from modelward.training.options import TrainOptions
from modelward.training.prepare import Prepared

IMBALANCED_SHARE = 0.2


def candidate_families(task: Task, options: TrainOptions) -> tuple[Family, ...]:
    """Baselines always; glass-box only under `--interpretable`; `--families` narrows further."""
    chosen = [f for f in all_families() if task in f.tasks]
    if options.interpretable:
        chosen = [f for f in chosen if f.kind in (Kind.BASELINE, Kind.GLASSBOX)]
    if options.families:
        named = {get_family(name).name for name in options.families}
        chosen = [f for f in chosen if f.kind is Kind.BASELINE or f.name in named]
        if not any(f.name in named for f in chosen):
            raise InputError.field(
                "--families", ",".join(options.families), f"families that fit a {task} task"
            )
    return tuple(chosen)


def search_context(prepared: Prepared) -> SpaceContext:
    y = prepared.data.y
    imbalanced = False
    if prepared.target.is_classification:
        shares = np.bincount(y) / len(y)
        imbalanced = bool(shares.min() < IMBALANCED_SHARE)
    tree = prepared.data.styles[Style.TREE]
    return SpaceContext(
        task=prepared.target.task,
        n_rows=len(y),
        n_features=len(tree.feature_names[0]),
        n_classes=prepared.target.n_classes,
        imbalanced=imbalanced,
        n_categorical=len(tree.categorical[0]),
    )
