"""The web UI: server-rendered pages over the same core functions as the CLI and the API."""
