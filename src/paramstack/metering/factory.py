"""Build the admission step from the settings (``create_app`` calls this once)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine

from paramstack.metering.admission import AdmissionController
from paramstack.metering.ledger import UsageLedger
from paramstack.metering.metrics import MeteringMetrics
from paramstack.metering.settings import MeteringSettings
from paramstack.metering.storage import store_from_url
from paramstack.storage.writer import DatabaseWriter


def build_admission(
    redis_url: str | None,
    settings: MeteringSettings,
    database: Engine,
    registry: CollectorRegistry,
    writer: DatabaseWriter | None = None,
) -> AdmissionController:
    """Redis when ``redis_url`` is set (limits shared by every replica), else in-process state."""
    store = store_from_url(redis_url, timeout_s=settings.store_timeout_s, prefix=settings.redis_key_prefix)
    return AdmissionController(
        store, UsageLedger(database, writer=writer), settings=settings, metrics=MeteringMetrics(registry)
    )
