"""The three demo tenants of the product description, each with its own adapter, collection and policy."""

from __future__ import annotations

from dataclasses import dataclass

from paramstack.tenancy.models import TenantLimits, TenantSpec


@dataclass(frozen=True)
class DemoTenant:
    org_id: str
    spec: TenantSpec


def demo_tenants(model: str) -> list[DemoTenant]:
    def tenant(
        org_id: str, name: str, adapter: str, collection: str, policy: str, tps: int, rpm: int, daily_tokens: int
    ) -> DemoTenant:
        return DemoTenant(
            org_id,
            TenantSpec(
                name=name,
                models=[model],
                adapters=[adapter],
                default_adapter=adapter,
                rag_collection=collection,
                guard_policy=policy,
                limits=TenantLimits(tps=tps, rpm=rpm, daily_tokens=daily_tokens),
            ),
        )

    return [
        tenant("org_ailydian", "Ailydian HQ", "ailydian-general", "ailydian_docs", "default", 10, 300, 10_000_000),
        tenant("org_medical", "Medical AI", "medical-lora", "medical_knowledge", "medical", 5, 150, 5_000_000),
        tenant("org_legal", "Legal AI", "legal-lora", "legal_corpus", "legal", 3, 100, 3_000_000),
    ]
