"""skops artifacts: sklearn-style objects saved without pickle, loaded trusting a recorded list.

At export the types skops cannot trust by itself are listed and recorded with the artifact; at
load exactly that list is trusted, and only if every name lies in the family's own libraries.
"""

from __future__ import annotations

from typing import Any

import skops.io as sio

from modelward.errors import IntegrityError, Tampered
from modelward.training.families.base import Artifact

FILENAME = "model.skops"


def dump(obj: Any, *, allowed: tuple[str, ...]) -> Artifact:
    """`obj` as a skops artifact; `allowed` are the module prefixes its types may come from."""
    data = sio.dumps(obj)
    trusted = tuple(sorted(sio.get_untrusted_types(data=data)))
    _check(trusted, allowed, error=IntegrityError)
    return Artifact("skops", FILENAME, data, trusted)


def load(artifact: Artifact, *, allowed: tuple[str, ...]) -> Any:
    """The object in `artifact`, trusting only `artifact.trusted` (each within `allowed`)."""
    if artifact.format != "skops":
        raise Tampered(f"expected a skops artifact, got format {artifact.format!r}")
    _check(artifact.trusted, allowed, error=Tampered)
    found = set(sio.get_untrusted_types(data=artifact.data))
    extra = sorted(found - set(artifact.trusted))
    if extra:
        raise Tampered(f"skops artifact holds types not recorded as trusted: {', '.join(extra)}")
    return sio.loads(artifact.data, trusted=list(artifact.trusted))


def _check(
    trusted: tuple[str, ...], allowed: tuple[str, ...], *, error: type[IntegrityError]
) -> None:
    outside = [name for name in trusted if not name.startswith(allowed)]
    if outside:
        raise error(f"skops artifact needs types outside {', '.join(allowed)}: {outside}")
