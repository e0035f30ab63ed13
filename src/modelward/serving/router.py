"""Routing a request: primary or canary, sticky by a request key; the shadow on the side."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from modelward.serving.models import ModelCache, ServedModel
from modelward.serving.records import Deployment, RouteName

BUCKETS = 10_000  # canary weights resolve to 0.01 %


@dataclass(frozen=True)
class LiveDeployment:
    """A deployment with its models loaded: what one generation of its routes serves."""

    deployment: Deployment
    primary: ServedModel
    canary: ServedModel | None
    shadow: ServedModel | None

    @classmethod
    def load(cls, deployment: Deployment, cache: ModelCache) -> LiveDeployment:
        routes = deployment.routes
        return cls(
            deployment,
            cache.get(routes.primary),
            None if routes.canary is None else cache.get(routes.canary),
            None if routes.shadow is None else cache.get(routes.shadow),
        )

    @property
    def name(self) -> str:
        return self.deployment.name

    @property
    def generation(self) -> int:
        return self.deployment.generation

    def choose(self, key: str | None) -> tuple[RouteName, ServedModel]:
        """The route for a request: the same `key` always gets the same route (sticky A/B)."""
        if self.canary is None:
            return RouteName.PRIMARY, self.primary
        bucket = sticky_bucket(self.name, key) if key else random.randrange(BUCKETS)  # noqa: S311
        if bucket < self.deployment.routes.canary_weight * (BUCKETS / 100):
            return RouteName.CANARY, self.canary
        return RouteName.PRIMARY, self.primary


def sticky_bucket(deployment: str, key: str) -> int:
    """A stable bucket in [0, BUCKETS) for `key`, independent of process and restart."""
    digest = hashlib.blake2b(f"{deployment}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS
