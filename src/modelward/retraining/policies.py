"""Retraining policies: the spec's `retraining:` section, applied after a monitoring pass.

Each policy names a trigger (schedule, drift, an estimated or realized value drop, new data)
and an action (notify, train a challenger, or train one and shadow it). When a trigger fires,
the decision is priced: retraining is worth it when the value expected to be lost until the
next window (the evaluation's expected gain minus the monitored gain, estimated before labels
or realized after, times the decisions of a window) exceeds what a retrain costs (the
champion's training compute, and the people's time a challenger's review and approval take).
Where decisions are not priced (no value model), the trigger alone decides. A challenger made
in the last `cooldown_days` holds further retrains back: a drift that persists for a week must
not produce a challenger an hour. Every decision, to retrain or not, is an event with its
reason; a challenger goes through review like any model (a shadow needs none).

A running server applies the policies after each monitoring pass, on the replica that holds
that pass's lease, so once across replicas.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from modelward.errors import ModelwardError
from modelward.evaluation import money
from modelward.model import policy_evaluation
from modelward.monitoring import (
    KIND_VALUE,
    REASONS,
    Expected,
    MonitorResult,
    Severity,
    post_webhook,
)
from modelward.registry import ModelVersion, get_model
from modelward.retraining.service import RetrainResult, retrain
from modelward.retraining.triggers import DAY_SECONDS, newer_data
from modelward.serving import set_shadow
from modelward.spec import ProjectSpec, RetrainAction, RetrainingPolicy, RetrainTrigger, get_project
from modelward.tracking import get_run
from modelward.workspace import Workspace

# A shift in the rows themselves: drift, and values outside training (refused or flagged).
# Refusals for a caller's rate, unreadable input or a refused batch say nothing of the rows.
DRIFT_KINDS = ("feature_drift", "label_drift", "prediction_drift", "refused", "out_of_contract")
REALIZED = "value"  # the finding kind of the realized value (monitoring.value)
SECONDS_PER_HOUR = 3_600.0
ALERTING = (Severity.WARNING, Severity.CRITICAL)
STARTED = "retraining.started"
DECIDED = "retraining.decided"
REPEAT_AFTER = timedelta(days=1)  # a standing verdict is recorded again at most this often

Retrainer = Callable[[Workspace, str, RetrainingPolicy], RetrainResult]


@dataclass(frozen=True)
class Decision:
    """One policy's verdict on one monitoring pass."""

    trigger: str
    action: str
    fired: str  # why the trigger fired
    retrain: bool
    reason: str  # why retrain (or not), with the money where it is priced

    def to_json(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "action": self.action,
            "fired": self.fired,
            "retrain": self.retrain,
            "reason": self.reason,
        }


def apply_policies(
    ws: Workspace,
    result: MonitorResult,
    *,
    now: datetime | None = None,
    retrainer: Retrainer | None = None,
    background: bool = False,
) -> list[Decision]:
    """Decide on each of the spec's policies whose trigger fired after `result`, record each
    decision, and act on the first that retrains (one challenger per pass at most); with
    `background`, the retrain runs in its own thread (a server's monitoring goes on meanwhile;
    the cool-down, counted from its start, keeps a second one from starting)."""
    model = get_model(ws, result.model)
    spec = get_project(ws, model.project).spec
    if not spec.retraining:
        return []
    at = now or datetime.now(UTC)
    decided = [
        (p, d) for p in spec.retraining if (d := decide(ws, result, spec, model, p, at)) is not None
    ]
    decisions = [d for _, d in decided]
    subject = f"deployment/{result.deployment}"
    fresh = [d for d in decisions if d.retrain or not _said_lately(ws, subject, d, at)]
    with ws.transaction() as conn:
        entries = [(DECIDED, subject, {"model": model.ref, **d.to_json()}) for d in fresh]
        ws.record_all(conn, entries)
    told = [d for d in fresh if d.retrain or d.action == RetrainAction.NOTIFY.value]
    if told and spec.monitoring.webhook:
        body = {"deployment": result.deployment, "retraining": [d.to_json() for d in told]}
        post_webhook(spec.monitoring.webhook, body)

    chosen = next((p for p, d in decided if d.retrain), None)
    if chosen is not None:
        with ws.transaction() as conn:  # the cool-down counts attempts, failed ones included
            ws.record(conn, STARTED, subject, {"trigger": chosen.trigger.value})
        job = (ws, result.deployment, chosen, retrainer or _retrain)
        if background:
            name = f"retrain-{result.deployment}"
            threading.Thread(target=_act, args=job, name=name, daemon=True).start()
        else:
            _act(*job)
    return decisions


def decide(
    ws: Workspace,
    result: MonitorResult,
    spec: ProjectSpec,
    model: ModelVersion,
    policy: RetrainingPolicy,
    now: datetime,
) -> Decision | None:
    """The policy's decision, or None when its trigger did not fire."""
    fired = _fired(ws, result, model, policy, now)
    if fired is None:
        return None
    trigger, action = policy.trigger.value, policy.action.value
    if policy.action is RetrainAction.NOTIFY:
        return Decision(trigger, action, fired, False, "the policy notifies: people decide")
    recent = _recent_challenger(ws, result.deployment, policy.cooldown_days, now)
    if recent is not None:
        return Decision(trigger, action, fired, False, recent)
    if newer_data(ws, model.run) is None:
        why = (
            f"no data newer than what {model.ref} trained on: a challenger would learn nothing "
            "new (add a dataset version with `modelward data add … --name NAME`)"
        )
        return Decision(trigger, action, fired, False, why)
    retrain_it, reason = _worth_it(ws, result, spec, model)
    return Decision(trigger, action, fired, retrain_it, reason)


def _fired(
    ws: Workspace,
    result: MonitorResult,
    model: ModelVersion,
    policy: RetrainingPolicy,
    now: datetime,
) -> str | None:
    trigger = policy.trigger
    if trigger is RetrainTrigger.SCHEDULE:
        age = (now - datetime.fromisoformat(model.created_at)).total_seconds() / DAY_SECONDS
        limit = policy.every_days or math.inf
        return f"{model.ref} is {age:.1f} days old (every {limit:g})" if age > limit else None
    if trigger is RetrainTrigger.NEW_DATA:
        newer = newer_data(ws, model.run)
        return None if newer is None else f"{newer} is newer than what {model.ref} trained on"
    kinds = {
        RetrainTrigger.DRIFT: DRIFT_KINDS,
        RetrainTrigger.ESTIMATED_VALUE_DROP: (KIND_VALUE,),
        RetrainTrigger.REALIZED_VALUE_DROP: (REALIZED,),
    }[trigger]
    # Drift must be critical; a value drop fires from its warning level (the spec's bound).
    firing = (Severity.CRITICAL,) if trigger is RetrainTrigger.DRIFT else ALERTING
    found = [
        f
        for f in result.findings
        if f.kind in kinds and f.severity in firing and f.subject not in REASONS
    ]
    return None if not found else f"{found[0].kind.replace('_', ' ')}: {found[0].message}"


def _worth_it(
    ws: Workspace, result: MonitorResult, spec: ProjectSpec, model: ModelVersion
) -> tuple[bool, str]:
    """Whether the value at stake until the next window exceeds a retrain's cost."""
    cost, made_of = retraining_cost(ws, spec, model)
    loss = _loss_per_window(ws, result, spec, model)
    currency = spec.prices.currency
    if loss is None:
        return True, (
            f"the value at stake is not priced (no value model, or no estimate yet): retraining on "
            f"the trigger; a retrain costs about {money(cost)} {currency} ({made_of})"
        )
    amount, how = loss
    window = f"per {spec.monitoring.window_hours:g} h window"
    said = (
        f"{how} loss {money(amount)} {currency} {window} vs retraining cost "
        f"{money(cost)} {currency} ({made_of})"
    )
    if amount > cost:
        return True, f"{said}: retraining"
    return False, f"{said}: not retraining (it would cost more than it saves)"


def _loss_per_window(
    ws: Workspace, result: MonitorResult, spec: ProjectSpec, model: ModelVersion
) -> tuple[float, str] | None:
    """The value lost in a window at the monitored gain against the evaluation's expected
    one: realized where judged, else estimated; None where not priced."""
    evaluated = policy_evaluation(ws, model)
    expected = None if evaluated is None else Expected.of(evaluated.typed_report)
    if expected is None or spec.value is None:
        return None
    by_kind = {f.kind: f for f in result.findings if f.value is not None}
    for kind, how in ((REALIZED, "realized"), (KIND_VALUE, "estimated")):
        found = by_kind.get(kind)
        if found is not None and found.value is not None:
            per_decision = max(0.0, expected.gain_per_1000 - found.value) / 1000.0
            return per_decision * result.rows, how
    return None


def retraining_cost(ws: Workspace, spec: ProjectSpec, model: ModelVersion) -> tuple[float, str]:
    """What a challenger costs: the champion's training compute again, and the people's time
    its review and approval take (from the spec); with what it is made of."""
    cpu = 0.0
    if model.run is not None:
        cpu = get_run(ws, model.run).cpu_seconds or 0.0
    compute = cpu / SECONDS_PER_HOUR * spec.prices.cpu_hour
    people = 0.0
    if spec.people is not None:
        hours = spec.people.per_version()
        people = hours.get("reviewing", 0.0) + hours.get("approving", 0.0)
    parts = [f"compute {money(compute)}"]
    parts += [f"review and approval {money(people)}"] if people else []
    return compute + people, ", ".join(parts)


def _said_lately(ws: Workspace, subject: str, decision: Decision, now: datetime) -> bool:
    """Whether the same verdict on the same trigger was recorded in the last `REPEAT_AFTER`:
    a trigger that keeps firing must not add an event to the chain every pass."""
    for event in ws.read_events(subject=subject, action=DECIDED, limit=20):
        said = event.payload_data()
        if said.get("trigger") != decision.trigger:
            continue
        recent = now - datetime.fromisoformat(event.time) < REPEAT_AFTER
        return recent and said.get("retrain") == decision.retrain
    return False


def _recent_challenger(
    ws: Workspace, deployment: str, cooldown_days: float, now: datetime
) -> str | None:
    """Why not now: a challenger made for `deployment` within the cool-down, or None."""
    subject = f"deployment/{deployment}"
    for event in ws.read_events(subject=subject, action=STARTED, limit=1):
        began = datetime.fromisoformat(event.time)
        if now - began < timedelta(days=cooldown_days):
            return (
                f"a challenger was started {_ago(now - began)} ago (cool-down "
                f"{cooldown_days:g} days)"
            )
    return None


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / SECONDS_PER_HOUR
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def _act(ws: Workspace, deployment: str, policy: RetrainingPolicy, retrainer: Retrainer) -> None:
    """Train the challenger and, for `shadow`, mirror live traffic to it; a failure is an
    event, never an exception out of the server's background thread."""
    subject = f"deployment/{deployment}"
    try:
        made = retrainer(ws, deployment, policy)
        shadowed = policy.action is RetrainAction.SHADOW and not made.archived
        if shadowed:
            set_shadow(ws, deployment, made.challenger)
        payload = {
            "challenger": made.challenger,
            "archived": made.archived,
            "shadow": shadowed,
            "trigger": policy.trigger.value,
        }
        with ws.transaction() as conn:
            ws.record(conn, "retraining.done", subject, payload)
    except Exception as exc:
        reason = exc.message if isinstance(exc, ModelwardError) else f"{type(exc).__name__}: {exc}"
        with ws.transaction() as conn:
            ws.record(conn, "retraining.failed", subject, {"reason": reason})


def _retrain(ws: Workspace, deployment: str, policy: RetrainingPolicy) -> RetrainResult:
    return retrain(ws, deployment, budget=policy.budget_seconds)
