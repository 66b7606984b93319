"""Read one metric from a running gateway's /metrics, whatever the order of its labels."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families


def metric(gateway, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    text = httpx.get(gateway.metrics_url, timeout=30).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )
