"""The ``metrics:`` section of paramstack's settings: where Prometheus scrapes (``PARAMSTACK_METRICS__*``).

``/metrics`` names every tenant with its traffic, so it is not on the public port by default: ``paramstack
serve`` answers it on its own listener (``host``:``port``, loopback unless configured otherwise). With
``bearer_token`` set the public port also answers ``/metrics``, to that bearer token only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class MetricsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int | None = Field(default=9464, ge=0, le=65535, description="None: no separate metrics listener")
    bearer_token: SecretStr | None = Field(default=None, min_length=16)
