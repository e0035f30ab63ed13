"""Evaluation: what a model is worth, measured honestly on rows it did not train on."""
