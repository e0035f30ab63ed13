"""Small shared vocabularies of the training stage."""

from __future__ import annotations

from enum import StrEnum


class Style(StrEnum):
    """Which encoding of the features a model family consumes."""

    TREE = "tree"  # numbers as they are (NaN = missing), categories as integer codes
    LINEAR = "linear"  # imputed, standardized numbers, one-hot categories, missing indicators


class Kind(StrEnum):
    """The role of a model family in the search."""

    BASELINE = "baseline"  # fitted once with fixed settings, to answer "is ML worth it here?"
    GLASSBOX = "glassbox"  # a person can read the whole model (kept by --interpretable)
    STRONG = "strong"  # the accurate families: boosted trees, forests
