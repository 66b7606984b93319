"""Metering's Prometheus metrics, on the gateway's own registry (``GatewayMetrics.registry``).

The per-tenant gauges are set from what the limiter store reports at each admission and settle; with
Redis every replica reports the shared values, so any replica's /metrics is current for the tenants it
served recently. Label children are looked up once per tenant (``labels()`` costs more than ``set()``
on the hot path), and the limit gauges are only touched when a tenant's limits change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from paramstack.metering.plan import AdmissionPlan
from paramstack.metering.storage.base import Decision, QuotaState
from paramstack.tenancy.models import TenantLimits

LIMIT_NAMES = ("tps", "rpm", "max_concurrent", "daily_tokens")


@dataclass
class _TenantSeries:
    used: Any
    reserved: Any
    remaining: Any
    limits: TenantLimits | None = None


class MeteringMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.admissions = Counter(
            "paramstack_admissions",
            "Admission decisions by tenant and outcome (admitted, or the refusing limit).",
            ("tenant", "outcome"),
            registry=registry,
        )
        self.store_unavailable = Counter(
            "paramstack_limiter_store_unavailable",
            "Calls to the limiter store (Redis) that failed, by operation and what the gateway did "
            "(rejected = failed closed with 503, admitted = failed open, deferred = settle left to the lease).",
            ("operation", "action"),
            registry=registry,
        )
        self.limit = Gauge(
            "paramstack_tenant_limit", "A tenant's configured limit.", ("tenant", "limit"), registry=registry
        )
        self.quota_used = Gauge(
            "paramstack_tenant_quota_used_tokens",
            "Tokens settled today (UTC) against the tenant's quota.",
            ("tenant",),
            registry=registry,
        )
        self.quota_reserved = Gauge(
            "paramstack_tenant_quota_reserved_tokens",
            "Tokens reserved by the tenant's calls in flight.",
            ("tenant",),
            registry=registry,
        )
        self.quota_remaining = Gauge(
            "paramstack_tenant_quota_remaining_tokens",
            "Tokens the tenant may still reserve today (UTC).",
            ("tenant",),
            registry=registry,
        )
        self.ledger_failures = Counter(
            "paramstack_usage_ledger_failures", "Usage ledger writes that failed after retries.", registry=registry
        )
        self._tenants: dict[str, _TenantSeries] = {}
        self._outcomes: dict[tuple[str, str], Any] = {}

    def observe_admission(
        self, tenant: str, limits: TenantLimits, plan: AdmissionPlan, decision: Decision, outcome: str
    ) -> None:
        counter = self._outcomes.get((tenant, outcome))
        if counter is None:
            counter = self._outcomes[(tenant, outcome)] = self.admissions.labels(tenant, outcome)
        counter.inc()
        series = self._series(tenant)
        if series.limits != limits:
            for name in LIMIT_NAMES:
                self.limit.labels(tenant, name).set(getattr(limits, name))
            series.limits = limits
        for quota, balance in zip(plan.quotas, decision.quotas, strict=True):
            if quota.scope.startswith("tenant "):
                self.observe_quota(tenant, quota.limit, balance)

    def observe_quota(self, tenant: str, limit: int, balance: QuotaState) -> None:
        series = self._series(tenant)
        series.used.set(balance.used)
        series.reserved.set(balance.reserved)
        series.remaining.set(max(0, limit - balance.used - balance.reserved))

    def _series(self, tenant: str) -> _TenantSeries:
        series = self._tenants.get(tenant)
        if series is None:
            series = self._tenants[tenant] = _TenantSeries(
                self.quota_used.labels(tenant), self.quota_reserved.labels(tenant), self.quota_remaining.labels(tenant)
            )
        return series
