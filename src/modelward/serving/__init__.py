"""Serving: deployments and their routes, the scorer, the prediction log, feedback, comparison."""
