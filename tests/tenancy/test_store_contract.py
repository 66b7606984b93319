"""Tenants and keys behave the same on SQLite and PostgreSQL (one contract suite, both backends)."""

from __future__ import annotations

import pytest

from paramstack.errors import Conflict, InvalidRequest, NotFound
from paramstack.storage.migrate import upgrade_to_head
from paramstack.tenancy.keys import KeyStore
from paramstack.tenancy.models import TenantLimits, TenantSpec
from paramstack.tenancy.store import TenantStore, parse_spec


@pytest.fixture
def stores(database):
    upgrade_to_head(database)  # migrations are idempotent: a second run changes nothing
    return TenantStore(database), KeyStore(database)


def spec(**changes) -> TenantSpec:
    return TenantSpec(
        name="Medical AI",
        models=["paramstack-tiny"],
        adapters=["medical-lora"],
        default_adapter="medical-lora",
        rag_collection="medical_knowledge",
        guard_policy="medical",
        limits=TenantLimits(tps=5, rpm=150, daily_tokens=5_000_000),
        **changes,
    )


def test_tenant_round_trip_and_partial_update(stores):
    tenants, _ = stores
    added = tenants.add("org_medical", spec())
    assert tenants.get("org_medical") == added
    updated = tenants.update("org_medical", {"limits": {"rpm": 99}, "pricing": {"input_per_1k_micros": 7}})
    assert updated.limits.rpm == 99 and updated.limits.tps == 5  # the other limits stay
    assert updated.pricing.input_per_1k_micros == 7
    assert tenants.get("org_medical").limits.rpm == 99
    assert [t.org_id for t in tenants.list()] == ["org_medical"]


def test_tenant_refusals(stores):
    tenants, _ = stores
    tenants.add("org_medical", spec())
    with pytest.raises(Conflict):
        tenants.add("org_medical", spec())
    with pytest.raises(InvalidRequest, match="limits.rpm"):
        tenants.update("org_medical", {"limits": {"rpm": 0}})
    with pytest.raises(InvalidRequest, match="org_id"):
        tenants.add("Bad Id!", spec())
    with pytest.raises(NotFound):
        tenants.get("org_nobody")
    assert tenants.get("org_medical").limits.rpm == 150  # nothing half-written


def test_rag_by_default_is_stored_and_needs_a_collection(stores):
    tenants, _ = stores
    assert tenants.add("org_medical", spec()).rag_by_default is False  # opt-in per request, as before
    assert tenants.update("org_medical", {"rag_by_default": True}).rag_by_default is True
    assert tenants.get("org_medical").rag_by_default is True
    with pytest.raises(InvalidRequest, match="rag_by_default needs a rag_collection"):
        tenants.update("org_medical", {"rag_collection": None})
    with pytest.raises(InvalidRequest, match="rag_by_default needs a rag_collection"):
        parse_spec({"name": "No collection", "rag_by_default": True})
    assert tenants.get("org_medical").rag_collection == "medical_knowledge"  # the refused change left no trace


def test_keys_are_hashed_shown_once_and_revocable(stores):
    tenants, keys = stores
    tenants.add("org_medical", spec())
    key, secret = keys.create("org_medical", name="ci")
    assert secret.startswith("psk-") and len(secret) > 40
    assert key.prefix == secret[:12] and secret not in key.model_dump_json()
    assert keys.find_by_secret(secret) == key
    assert keys.find_by_secret(secret + "x") is None
    revoked = keys.revoke(key.key_id)
    assert revoked.revoked and keys.find_by_secret(secret).revoked
    with pytest.raises(NotFound):
        keys.revoke("key_missing")
    with pytest.raises(NotFound):
        keys.create("org_nobody")


@pytest.mark.parametrize(
    "changes",
    [{"name": "Medical\x00AI"}, {"name": "two\nlines"}, {"models": ["tiny\x00"]}, {"adapters": ["\x1b[31mred"]}],
)
def test_control_characters_in_stored_text_are_refused_on_both_backends(stores, changes):
    """PostgreSQL cannot store NUL at all (it was a 500 there); newlines and escapes would reach terminals."""
    tenants, keys = stores
    with pytest.raises(InvalidRequest):  # what the admin API and `paramstack tenants add` validate with
        parse_spec({**spec().model_dump(), **changes})
    tenants.add("org_medical", spec())
    with pytest.raises(InvalidRequest):
        keys.create("org_medical", name="ci\x00key")
    assert keys.list("org_medical") == []
