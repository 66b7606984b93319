"""What ``create_app`` builds from this room: version routing (registry stable channel + canary split)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.engine import Engine as DatabaseEngine

from paramstack.deploy.canary_store import CanaryStore
from paramstack.deploy.online_judge import build_online_judge
from paramstack.deploy.settings import CanarySettings
from paramstack.engine.canary import CanarySplit
from paramstack.engine.versions import VersionRouting
from paramstack.observability.metrics import GatewayMetrics
from paramstack.registry import AdapterRegistry, AdapterResolver

LOG = logging.getLogger("paramstack.deploy")


def build_version_routing(
    database: DatabaseEngine, settings: CanarySettings, metrics: GatewayMetrics
) -> VersionRouting:
    registry = AdapterRegistry(database)
    resolver = AdapterResolver(registry, ttl_s=settings.refresh_s)

    def stable(name: str) -> str:
        try:
            return resolver.engine_adapter(name)
        except sa.exc.SQLAlchemyError as error:
            # The registry cannot be read: serve the adapter by its plain name rather than fail the request.
            LOG.warning("adapter registry unreadable", extra={"error": type(error).__name__})
            return name

    split = CanarySplit(CanaryStore(database), refresh_s=settings.refresh_s)
    judge = build_online_judge(settings, metrics)  # None unless canary.judge is set
    return VersionRouting(
        split,
        metrics,
        stable=stable,
        path_of=lambda name, version: registry.get(name, version).path,
        on_response=judge.offer if judge else None,
        on_close=judge.aclose if judge else None,
    )
