"""Fairness mitigation: a new model version that trades some accuracy or value for fairness.

Three methods, one use case (`service.mitigate_model`):
- `reweigh` (pre-processing): rows reweighed so that label and group are independent;
- `constraint` (in-processing): fairlearn's exponentiated gradient under a parity constraint;
- `threshold` (post-processing): per-group thresholds with equal selection rates.

Nothing is imported here: the evaluation report reads `postprocess` (a model's decision rule),
and the use case imports the evaluation; importing both from this package would be a cycle.
"""
