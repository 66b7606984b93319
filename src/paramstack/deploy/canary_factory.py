"""Build a ``CanaryController`` from the settings and a policy (what the CLI and the benchmark use)."""

from __future__ import annotations

from sqlalchemy.engine import Engine as DatabaseEngine

from paramstack.deploy.canary_controller import CanaryController
from paramstack.deploy.canary_metrics import GatewayScrapeSource, MetricsSource
from paramstack.deploy.canary_notify import CanaryNotifier
from paramstack.deploy.canary_store import CanaryStore
from paramstack.deploy.kserve_actuator import KServeActuator
from paramstack.deploy.prometheus_source import PrometheusSource
from paramstack.deploy.settings import CanarySettings
from paramstack.deploy.slo_policy import SloPolicy
from paramstack.errors import ConfigurationError
from paramstack.registry import AdapterRegistry


def metrics_source(policy: SloPolicy) -> MetricsSource:
    settings = policy.metrics
    if settings.source == "prometheus":
        return PrometheusSource(settings.urls[0], policy.interval_s, timeout_s=settings.timeout_s)
    token = settings.bearer_token.get_secret_value() if settings.bearer_token else None
    return GatewayScrapeSource(settings.urls, timeout_s=settings.timeout_s, bearer_token=token)


def ensure_policy_can_be_judged(policy: SloPolicy, settings: CanarySettings) -> None:
    """A policy with ``min_judge_score`` needs judge scores; without an online judge none are ever recorded and
    the rollout would hold forever. Refused before it starts (not when rolling back by hand)."""
    if policy.slo.min_judge_score is not None and not settings.judge_configured:
        raise ConfigurationError(
            "the policy sets slo.min_judge_score, but no online judge is configured to record "
            "paramstack_adapter_version_judge_score, so the rollout could never pass: set canary.judge (offline, "
            "openai:BASE_URL#MODEL or anthropic:MODEL) with canary.judge_sample_rate above 0 in the gateway's "
            "settings, or remove min_judge_score from the policy"
        )


def build_controller(
    database: DatabaseEngine,
    policy: SloPolicy,
    settings: CanarySettings,
    *,
    audit: object | None = None,
    kubernetes_client: object | None = None,
) -> CanaryController:
    webhook = policy.webhook_url or settings.webhook_url
    notifier = CanaryNotifier(audit, webhook.get_secret_value() if webhook else None)
    kserve = KServeActuator(policy.kubernetes, kubernetes_client) if policy.kubernetes is not None else None
    return CanaryController(
        CanaryStore(database),
        AdapterRegistry(database),
        metrics_source(policy),
        notifier,
        kserve=kserve,
        settle_s=settings.refresh_s,
    )
