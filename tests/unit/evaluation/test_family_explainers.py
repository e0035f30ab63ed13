"""Each family brings its own explainer through the registry; others get permutation SHAP."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from modelward.evaluation.contributions import own_base
from modelward.training.families import all_families

# The built-ins that explain against their own training rows (the base values they carry).
OWN_BASE = {
    "lightgbm",
    "xgboost",
    "catboost",
    "random_forest",
    "extra_trees",
    "tree",
    "ebm",
    "prior",
    "one_rule",
}


def test_every_built_in_family_registers_an_exact_explainer() -> None:
    assert [f.name for f in all_families() if f.explain is None] == []


@pytest.mark.parametrize("family", [f.name for f in all_families()])
def test_which_families_need_background_rows(family: str) -> None:
    assert own_base(family) is (family in OWN_BASE)


def test_an_unregistered_family_needs_background_rows() -> None:
    assert own_base("no_such_family") is False


# A plugin family, registered in a fresh process (the registry is process-wide): its own hook
# explains its models; a hook that declines, and a family without one, fall back to permutation.
PLUGIN = """
import dataclasses, json
import numpy as np
from modelward.evaluation.contributions import member_contributions
from modelward.training.families import get_family, register
from modelward.training.families.explaining import Link, MemberContributions

class Constant:
    def __init__(self, family): self.family = family
    rounds = None
    def predict(self, x): return np.tile([0.25, 0.75], (len(x), 1))

def exact(model, x, background):
    base = np.tile([0.25, 0.75], (len(x), 1))
    return MemberContributions(np.zeros((*x.shape, 2)), base, Link.IDENTITY, "plugin exact")

prior = get_family("prior")
register(dataclasses.replace(prior, name="plugin_exact", explain=exact, own_base=True))
register(dataclasses.replace(prior, name="plugin_declines", explain=lambda m, x, b: None))
register(dataclasses.replace(prior, name="plugin_plain", explain=None))
x, background = np.zeros((3, 2)), np.zeros((40, 2))
print(json.dumps({
    name: member_contributions(Constant(name), x, background).method
    for name in ("plugin_exact", "plugin_declines", "plugin_plain", "never_registered")
}))
"""


def test_a_plugin_family_explains_its_own_models() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PLUGIN], capture_output=True, text=True, timeout=120, check=True
    )
    methods = json.loads(done.stdout.strip().splitlines()[-1])
    assert methods == {
        "plugin_exact": "plugin exact",
        "plugin_declines": "permutation SHAP (estimate)",
        "plugin_plain": "permutation SHAP (estimate)",
        "never_registered": "permutation SHAP (estimate)",
    }
