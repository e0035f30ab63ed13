"""The model runtime: load a version, predict, and decide under its approved policy.

One path for every caller (batch scoring, the SDK, the server, monitoring, retraining), below
evaluation and serving and above training, whose model families it loads.
"""

from modelward.model.evaluations import StoredEvaluation, latest_evaluation, save_evaluation
from modelward.model.policy import DecisionPolicy, Source
from modelward.model.runtime import DECISION, ModelRuntime, evaluated_policy, load_runtime

__all__ = [
    "DECISION",
    "DecisionPolicy",
    "ModelRuntime",
    "Source",
    "StoredEvaluation",
    "evaluated_policy",
    "latest_evaluation",
    "load_runtime",
    "save_evaluation",
]
