"""Retraining: challengers built without forgetting (memory set, forgetting guard)."""
