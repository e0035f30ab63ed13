"""The model runtime: load a version, predict, and decide under its approved policy.

One path for every caller (batch scoring, the SDK, the server, monitoring, retraining), below
evaluation and serving and above training, whose model families it loads: `runtime` (the
loaded model), `policy` (deciding), `batch` (scoring a file), `evaluations` (the stored
evaluation the policy comes from), `returns` (ROI, one definition). Import from those
modules: this package imports no model library until one is used.
"""
