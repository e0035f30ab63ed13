"""Model search, fitting and export: task detection, features, families, search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.training.bundle import (
        build_bundle as build_bundle,
    )
    from modelward.training.encode import (
        Encoder as Encoder,
    )
    from modelward.training.ensemble import (
        Blend as Blend,
    )
    from modelward.training.evidence import (
        Evidence as Evidence,
        fold_of_rows as fold_of_rows,
        load_evidence as load_evidence,
        save_evidence as save_evidence,
    )
    from modelward.training.families import (
        Family as Family,
        FitData as FitData,
        FitOptions as FitOptions,
        FittedModel as FittedModel,
        Model as Model,
        all_families as all_families,
        get_family as get_family,
    )
    from modelward.training.families.base import (
        Artifact as Artifact,
    )
    from modelward.training.families.explaining import (
        Explain as Explain,
        Link as Link,
        MemberContributions as MemberContributions,
    )
    from modelward.training.features import (
        ColumnKind as ColumnKind,
        identifier_columns as identifier_columns,
    )
    from modelward.training.folds import (
        Fold as Fold,
    )
    from modelward.training.groups import (
        group_labels as group_labels,
    )
    from modelward.training.kinds import (
        Style as Style,
    )
    from modelward.training.manifest import (
        BUNDLE_FORMAT as BUNDLE_FORMAT,
        MemberEntry as MemberEntry,
        NativeFile as NativeFile,
        TabularManifest as TabularManifest,
    )
    from modelward.training.metrics import (
        METRICS as METRICS,
        Metric as Metric,
        get_metric as get_metric,
    )
    from modelward.training.options import (
        TrainOptions as TrainOptions,
    )
    from modelward.training.predictor import (
        DecisionRule as DecisionRule,
        LoadedMember as LoadedMember,
        Predictor as Predictor,
        RecordPrediction as RecordPrediction,
    )
    from modelward.training.prepare import (
        Prepared as Prepared,
        Problem as Problem,
        prepare_problem as prepare_problem,
        problem_folds as problem_folds,
    )
    from modelward.training.records import (
        Record as Record,
        conform_records as conform_records,
    )
    from modelward.training.refit import (
        ROUNDS_SCALE as ROUNDS_SCALE,
        FinalModel as FinalModel,
        Member as Member,
        export_members as export_members,
        fit_encoders as fit_encoders,
        fitted_predictions as fitted_predictions,
        refit_final as refit_final,
    )
    from modelward.training.result import (
        TrainResult as TrainResult,
    )
    from modelward.training.schema import (
        InputSchema as InputSchema,
    )
    from modelward.training.scorer import (
        Scorer as Scorer,
        load_scorer as load_scorer,
    )
    from modelward.training.scoring import (
        load_predictor as load_predictor,
    )
    from modelward.training.search import (
        OnTrial as OnTrial,
        SearchState as SearchState,
    )
    from modelward.training.segment.quality import (
        Quality as Quality,
    )
    from modelward.training.service import (
        train as train,
        training_problem as training_problem,
    )
    from modelward.training.setup import (
        ForecastSetup as ForecastSetup,
        SearchSetup as SearchSetup,
        SegmentSetup as SegmentSetup,
    )
    from modelward.training.target import (
        POSITIVE_NAMES as POSITIVE_NAMES,
        Label as Label,
        Target as Target,
    )
    from modelward.training.trial import (
        SearchData as SearchData,
        TrialOutcome as TrialOutcome,
        TrialState as TrialState,
        fold_fit_data as fold_fit_data,
    )
    from modelward.training.version import (
        Built as Built,
        register_built as register_built,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
