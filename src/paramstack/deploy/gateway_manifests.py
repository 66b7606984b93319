"""The gateway's own Kubernetes objects: ConfigMap, Deployment, Service, metrics Service, ServiceMonitor,
PrometheusRule.

Secrets are referenced (``envFrom.secretRef``), never generated: database and Redis URLs are created by
whoever owns them. The ConfigMap points the gateway at the InferenceService, so ``paramstack deploy kserve``
yields a working pair. The PrometheusRule records the per-version error ratio and p95 latency that the
canary controller reads in Prometheus mode (same expressions as ``deploy/canary_metrics.py``).
"""

from __future__ import annotations

from typing import Any

import yaml

from paramstack.deploy.config_file import DeployConfig
from paramstack.deploy.kserve_manifest import PART_OF, served_name, upstream_base_url

CONFIG_DIR = "/etc/paramstack"
METRICS_PORT = 9464  # the gateway's metrics listener: /metrics is not on the public port
VERSION_LABELS = "tenant, adapter, version"
ERROR_RATIO_RULE = "paramstack:adapter_version_error_ratio:rate5m"
P95_RULE = "paramstack:adapter_version_latency_p95_seconds:rate5m"


def gateway_manifests(config: DeployConfig) -> list[dict[str, Any]]:
    return [
        config_map(config),
        deployment(config),
        service(config),
        metrics_service(config),
        service_monitor(config),
        prometheus_rule(config),
    ]


def _meta(config: DeployConfig, name: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": config.kserve.namespace,
        "labels": {**PART_OF, "app.kubernetes.io/name": config.gateway.name, "app.kubernetes.io/component": component},
    }


def config_map(config: DeployConfig) -> dict[str, Any]:
    name = served_name(config.vllm)
    settings = {
        "host": "0.0.0.0",
        "port": config.gateway.port,
        "home": "/var/lib/paramstack",
        # the pod's IP, so Prometheus can reach it; only the metrics Service below exposes the port
        "metrics": {"host": "0.0.0.0", "port": METRICS_PORT},
        "models": [{"name": name, "backend": "openai", "base_url": upstream_base_url(config), "upstream_model": name}],
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(config, f"{config.gateway.name}-config", "gateway"),
        "data": {"paramstack.yaml": yaml.safe_dump(settings, sort_keys=False)},
    }


def deployment(config: DeployConfig) -> dict[str, Any]:
    gateway = config.gateway
    selector = {"app.kubernetes.io/name": gateway.name}
    resources = {"cpu": gateway.cpu, "memory": gateway.memory}
    container = {
        "name": "gateway",
        "image": gateway.image,
        "args": ["serve", "--host", "0.0.0.0", "--port", str(gateway.port)],
        "ports": [{"name": "http", "containerPort": gateway.port}, {"name": "metrics", "containerPort": METRICS_PORT}],
        "env": [
            {"name": "PARAMSTACK_CONFIG", "value": f"{CONFIG_DIR}/paramstack.yaml"},
            {"name": "PARAMSTACK_HOME", "value": "/var/lib/paramstack"},
        ],
        "envFrom": [{"secretRef": {"name": gateway.secret}}],
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "data", "mountPath": "/var/lib/paramstack"},
        ],
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
        "resources": {"requests": resources, "limits": resources},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(config, gateway.name, "gateway"),
        "spec": {
            "replicas": gateway.replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": {**PART_OF, **selector}},
                "spec": {
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": f"{gateway.name}-config"}},
                        {"name": "data", "emptyDir": {}},
                    ],
                },
            },
        },
    }


def service(config: DeployConfig) -> dict[str, Any]:
    gateway = config.gateway
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(config, gateway.name, "gateway"),
        "spec": {
            "selector": {"app.kubernetes.io/name": gateway.name},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def metrics_service(config: DeployConfig) -> dict[str, Any]:
    """The metrics port alone, in a Service of its own: the public Service (and any Ingress in front of it)
    never carries /metrics, which names every tenant with its traffic."""
    gateway = config.gateway
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(config, f"{gateway.name}-metrics", "metrics"),
        "spec": {
            "selector": {"app.kubernetes.io/name": gateway.name},
            "ports": [{"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"}],
        },
    }


def service_monitor(config: DeployConfig) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": _meta(config, config.gateway.name, "monitoring"),
        "spec": {
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": config.gateway.name, "app.kubernetes.io/component": "metrics"}
            },
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "15s"}],
        },
    }


def prometheus_rule(config: DeployConfig) -> dict[str, Any]:
    gateway = config.gateway
    requests = "paramstack_adapter_version_requests_total"
    durations = "paramstack_adapter_version_request_duration_seconds_bucket"
    rules = [
        {
            "record": ERROR_RATIO_RULE,
            "expr": f'sum by ({VERSION_LABELS}) (rate({requests}{{outcome="error"}}[5m])) / '
            f"sum by ({VERSION_LABELS}) (rate({requests}[5m]))",
        },
        {
            "record": P95_RULE,
            "expr": f"histogram_quantile(0.95, sum by ({VERSION_LABELS}, le) (rate({durations}[5m])))",
        },
        {
            "alert": "ParamstackAdapterVersionErrorRate",
            "expr": f"{ERROR_RATIO_RULE} > {gateway.alert_error_rate:g}",
            "for": "5m",
            "labels": {"severity": "page"},
            "annotations": {
                "summary": "Adapter {{ $labels.adapter }} version {{ $labels.version }} of tenant "
                "{{ $labels.tenant }} fails {{ $value | humanizePercentage }} of requests"
            },
        },
        {
            "alert": "ParamstackAdapterVersionLatencyP95",
            "expr": f"{P95_RULE} > {gateway.alert_p95_latency_s:g}",
            "for": "10m",
            "labels": {"severity": "ticket"},
            "annotations": {
                "summary": "Adapter {{ $labels.adapter }} version {{ $labels.version }}: p95 latency "
                "{{ $value | humanizeDuration }}"
            },
        },
        {
            "alert": "ParamstackGatewayServerErrors",
            "expr": 'sum(rate(paramstack_http_errors_total{status_code=~"5.."}[5m])) / '
            f"clamp_min(sum(rate(paramstack_requests_total[5m])), 1e-9) > {gateway.alert_error_rate:g}",
            "for": "5m",
            "labels": {"severity": "page"},
            "annotations": {"summary": "The gateway answers {{ $value | humanizePercentage }} of requests with 5xx"},
        },
    ]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": _meta(config, f"{gateway.name}-rules", "monitoring"),
        "spec": {"groups": [{"name": "paramstack.rollout", "rules": rules}]},
    }
