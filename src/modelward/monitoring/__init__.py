"""Monitoring: drift, performance and staleness of deployments, alerts."""
