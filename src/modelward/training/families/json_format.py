"""JSON artifacts, for the models small enough to be written out whole (baselines)."""

from __future__ import annotations

import json
from typing import Any

from modelward.errors import Tampered
from modelward.training.families.base import Artifact

FILENAME = "model.json"


def dump(family: str, body: dict[str, Any]) -> Artifact:
    document = {"family": family, **body}
    return Artifact("json", FILENAME, json.dumps(document, sort_keys=True).encode())


def load(artifact: Artifact, family: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The document in `artifact`, checked to be `family`'s and to hold every one of `keys`."""
    if artifact.format != "json":
        raise Tampered(f"expected a json artifact, got format {artifact.format!r}")
    try:
        document = json.loads(artifact.data)
    except ValueError as exc:
        raise Tampered(f"json artifact {artifact.filename!r} does not parse: {exc}") from exc
    if not isinstance(document, dict) or document.get("family") != family:
        raise Tampered(f"json artifact {artifact.filename!r} is not a {family} model")
    missing = [key for key in keys if key not in document]
    if missing:
        raise Tampered(f"json artifact {artifact.filename!r} lacks {', '.join(missing)}")
    return document
