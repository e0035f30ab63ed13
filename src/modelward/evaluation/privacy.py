"""Memorization risk: can an attacker tell the model's training rows from other rows?

A loss-threshold membership-inference attack (Yeom et al., 2018, "Privacy Risk in Machine
Learning: Analyzing the Connection to Overfitting"): a model that memorized its training rows
gives them a lower loss than rows it never saw, so "low loss" betrays "was in the training set".
The attack's ROC-AUC measures how well that works; 0.5 means the losses carry no signal.

Here the evidence answers it without holding data back. Members are the training rows scored
by the final model (`Evidence.fitted`, in-sample); non-members are the *same rows* scored by the
cross-validation models that never saw them (`Evidence.oof`). Each row thus appears once as a
member and once as a non-member, with the same features and the same label, so the difference
in loss comes from having been trained on, not from the rows being easier or harder: the
out-of-fold loss is what the final model's loss on that row would have been, had the row been
held out. The pairing also gives a direct statistic: the share of rows whose in-sample loss is
lower than their own out-of-fold loss (0.5 with no memorization).

Limitation: each fold model was trained on fewer rows (k-1 of k folds) than the final model, so
it generalizes slightly worse, and its losses are slightly higher even with no memorization at
all. The AUC is therefore a slight overestimate; the message says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from sklearn import metrics as skm

from modelward.errors import InputError
from modelward.evaluation.numbers import json_sig
from modelward.training import Evidence

# Probabilities are clipped before the log so that a confident mistake costs a large, finite loss.
PROBA_FLOOR = 1e-15
LOW_AUC = 0.55
MODERATE_AUC = 0.60


class RiskLevel(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"

    @classmethod
    def of(cls, auc: float) -> RiskLevel:
        """Low up to AUC 0.55, moderate up to 0.60, high above."""
        if auc <= LOW_AUC:
            return cls.LOW
        return cls.MODERATE if auc <= MODERATE_AUC else cls.HIGH


@dataclass(frozen=True)
class MembershipRisk:
    """The result of the loss-threshold membership attack on one model's evidence.

    - `auc`: ROC-AUC of telling members from non-members by low loss (0.5 = no signal).
    - `advantage`: the attack's best true-positive rate minus false-positive rate (0 = none).
    - `member_loss`, `nonmember_loss`: mean loss in-sample and out-of-fold.
    - `paired_share`: share of rows whose in-sample loss is below their out-of-fold loss
      (ties count half; 0.5 = no memorization).
    - `loss`: "log_loss" (classification) or "squared_error" (regression).
    """

    auc: float
    advantage: float
    member_loss: float
    nonmember_loss: float
    paired_share: float
    rows: int
    loss: str

    @property
    def level(self) -> RiskLevel:
        return RiskLevel.of(self.auc)

    @property
    def message(self) -> str:
        seen = "confidence" if self.loss == "log_loss" else "predictions"
        return (
            f"memorization risk is {self.level.value}: an attacker who knows a row's true "
            f"outcome and sees the model's {seen} tells training rows from others with "
            f"AUC {self.auc:.2f} (0.50 = no signal; best advantage {self.advantage:.2f}); "
            f"{self.paired_share:.0%} of {self.rows:,} training rows get a lower loss from the "
            "final model than from a model that never saw them. Caveat: slightly overstated, "
            "since the comparison models were trained on fewer rows."
        )

    def facts(self) -> dict[str, float]:
        return {"membership_auc": self.auc, "membership_advantage": self.advantage}

    def to_json(self) -> dict[str, Any]:
        return {
            "auc": round(self.auc, 4),
            "advantage": round(self.advantage, 4),
            "member_loss": json_sig(self.member_loss),
            "nonmember_loss": json_sig(self.nonmember_loss),
            "paired_share": round(self.paired_share, 4),
            "rows": self.rows,
            "loss": self.loss,
            "level": self.level.value,
            "message": self.message,
        }


def membership_risk(evidence: Evidence) -> MembershipRisk:
    """Run the loss-threshold membership attack on the rows the evidence scored out of fold.

    Members are the final model's in-sample predictions, non-members the out-of-fold
    predictions of the same rows; see the module docstring for why that is a fair test.
    """
    rows = _usable_rows(evidence)
    y = evidence.y[rows]
    classification = evidence.target.is_classification
    member = _losses(y, evidence.fitted[rows], classification=classification)
    nonmember = _losses(y, evidence.oof[rows], classification=classification)
    auc, advantage = _attack(member, nonmember)
    # Ties count half, so identical predictions read as "no memorization" (0.5).
    paired = float(np.mean((member < nonmember) + 0.5 * (member == nonmember)))
    return MembershipRisk(
        auc=auc,
        advantage=advantage,
        member_loss=float(member.mean()),
        nonmember_loss=float(nonmember.mean()),
        paired_share=paired,
        rows=len(rows),
        loss="log_loss" if classification else "squared_error",
    )


def _usable_rows(evidence: Evidence) -> np.ndarray:
    """Scored rows whose in-sample prediction is present too."""
    rows = evidence.scored
    fitted = np.asarray(evidence.fitted[rows], dtype=np.float64)
    present = np.isfinite(fitted) if fitted.ndim == 1 else np.isfinite(fitted).all(axis=1)
    rows = rows[present]
    if len(rows) < 2:
        raise InputError.field(
            "evidence",
            f"{len(rows)} row(s) with both in-sample and out-of-fold predictions",
            "at least 2 rows for the membership test",
        )
    return rows


def _losses(y: np.ndarray, pred: np.ndarray, *, classification: bool) -> np.ndarray:
    """Per-row log-loss of the true class, or squared error."""
    if classification:
        true_proba = pred[np.arange(len(y)), y.astype(np.int64)]
        return np.asarray(-np.log(np.clip(true_proba, PROBA_FLOOR, 1.0)))
    return np.asarray((pred - y) ** 2)


def _attack(member: np.ndarray, nonmember: np.ndarray) -> tuple[float, float]:
    """AUC and best advantage of scoring "member" by a low loss."""
    labels = np.concatenate([np.ones(len(member)), np.zeros(len(nonmember))])
    scores = -np.concatenate([member, nonmember])
    fpr, tpr, _ = skm.roc_curve(labels, scores)
    return float(skm.auc(fpr, tpr)), float(np.max(tpr - fpr))
