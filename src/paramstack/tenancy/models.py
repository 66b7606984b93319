"""What a tenant is: who it is, what it may use, how much, and at what price.

Money is integer micro-units of the configured currency (1 USD = 1_000_000); tokens are integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ORG_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]{1,63}$"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$"
# Free text that is stored (display names): no control characters. PostgreSQL cannot store NUL at all, and a
# newline or an escape sequence in a name would end up in tables, logs and terminals.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
ModelName = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)]


class TenantLimits(BaseModel):
    """Enforced by metering/; zero or negative limits are refused (use a disabled tenant to stop one)."""

    model_config = ConfigDict(extra="forbid")

    tps: int = Field(default=10, gt=0, description="requests per second")
    rpm: int = Field(default=300, gt=0, description="requests per minute")
    max_concurrent: int = Field(default=16, gt=0, description="requests in flight at once")
    daily_tokens: int = Field(default=10_000_000, gt=0, description="prompt + completion tokens per UTC day")


class TenantPricing(BaseModel):
    """Price per 1,000 tokens in micro-units (500_000 = 0.50 of the currency)."""

    model_config = ConfigDict(extra="forbid")

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    input_per_1k_micros: int = Field(default=500, ge=0)
    output_per_1k_micros: int = Field(default=1_500, ge=0)


class TenantSpec(BaseModel):
    """The editable part of a tenant (what `tenants add/update` and the admin API accept)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)
    models: list[ModelName] = Field(default_factory=list, description="base models the tenant may call")
    adapters: list[ModelName] = Field(default_factory=list, description="LoRA adapters the tenant may call")
    default_adapter: str | None = Field(default=None, pattern=NAME_PATTERN)
    rag_collection: str | None = Field(default=None, pattern=NAME_PATTERN)
    rag_by_default: bool = Field(
        default=False,
        description=(
            'retrieve from rag_collection on every chat request unless it says "rag": false (else only on "rag": true)'
        ),
    )
    guard_policy: str = Field(default="default", pattern=NAME_PATTERN)
    limits: TenantLimits = Field(default_factory=TenantLimits)
    pricing: TenantPricing = Field(default_factory=TenantPricing)

    @model_validator(mode="after")
    def _default_adapter_is_allowed(self) -> TenantSpec:
        if self.default_adapter and self.default_adapter not in self.adapters:
            self.adapters = [*self.adapters, self.default_adapter]
        return self

    @model_validator(mode="after")
    def _rag_by_default_has_a_collection(self) -> TenantSpec:
        if self.rag_by_default and not self.rag_collection:
            raise ValueError("rag_by_default needs a rag_collection")
        return self


class Tenant(TenantSpec):
    org_id: str = Field(pattern=ORG_ID_PATTERN)
    status: Literal["active", "disabled"] = "active"
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.status == "active"


class ApiKey(BaseModel):
    """A key's public record; the secret itself is shown once at creation and stored only as a hash."""

    key_id: str
    org_id: str | None
    scope: Literal["tenant", "admin"]
    name: str = Field(default="", max_length=200, pattern=TEXT_PATTERN)
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class Caller:
    """Who is calling: an authenticated key and its tenant (None for admin keys)."""

    key: ApiKey
    tenant: Tenant | None

    @property
    def org_id(self) -> str:
        return self.tenant.org_id if self.tenant else "-"
