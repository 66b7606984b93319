"""The ``auth:`` section of paramstack's settings: the key cache, and how failed authentications are contained
(``PARAMSTACK_AUTH__*``)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # How long a replica trusts what it read about a key: a revoke made elsewhere lands within this.
    cache_ttl_s: float = Field(default=5.0, gt=0, le=300)
    # How long a key digest the database did not know is refused from memory, without a query.
    unknown_key_ttl_s: float = Field(default=30.0, ge=0, le=3600)
    # Failed authentications one client address may make per window before it gets 429 with Retry-After.
    # Shared by every replica through Redis when redis_url is set.
    max_failures: int = Field(default=20, ge=1)
    failure_window_s: int = Field(default=60, ge=1, le=3600)
    # Peers whose X-Forwarded-For (and -Proto) is believed: load balancers, ingress, a proxy on this host.
    # Addresses or CIDRs. Default: loopback only (a proxy on the same machine; nobody remote can connect from
    # there). Empty: the connecting address is the client, whatever the header says.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=lambda: _loopback())
    # One signed audit entry per interval summarises failed authentications per source address.
    failure_summary_interval_s: float = Field(default=60.0, gt=0)


def _loopback() -> list[IPvAnyNetwork]:
    return [IPv4Network("127.0.0.1/32"), IPv6Network("::1/128")]
