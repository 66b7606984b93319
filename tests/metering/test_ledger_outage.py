"""A ledger that cannot be written: the call fails with 503 (never an uncounted success), and the audit chain
still records that it failed. Real `paramstack serve`, real SQLite file, the table taken away under it."""

from __future__ import annotations

import sqlite3

import openai
import pytest

from tests.gateway_process import start_gateway, tiny_model_config


@pytest.fixture
def gateway(tiny_model, tmp_path):
    model_dir, adapters_dir = tiny_model
    server = start_gateway(tmp_path / "home", tiny_model_config(model_dir, adapters_dir))
    yield server
    server.stop()


def audit_rows(database: str) -> list[tuple[str, int, int]]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT status, http_status, cost_micros FROM audit_entries ORDER BY seq").fetchall()


def test_a_call_whose_usage_cannot_be_recorded_fails_and_is_audited(gateway):
    database = str(gateway.home / "paramstack.db")
    client = openai.OpenAI(base_url=gateway.base_url, api_key=gateway.key("org_medical"), max_retries=0)
    ask = {"model": "paramstack-tiny", "messages": [{"role": "user", "content": "Merhaba"}], "max_tokens": 4}

    with sqlite3.connect(database) as connection:
        connection.execute("ALTER TABLE usage_ledger RENAME TO usage_ledger_away")
    with pytest.raises(openai.InternalServerError) as failed:
        client.chat.completions.create(**ask)
    assert failed.value.status_code == 503 and failed.value.code == "usage_ledger_unavailable"
    assert audit_rows(database)[-1] == ("error", 503, 0)

    with sqlite3.connect(database) as connection:
        connection.execute("ALTER TABLE usage_ledger_away RENAME TO usage_ledger")
    assert client.chat.completions.create(**ask).choices[0].message.content is not None  # back by itself
    status, http_status, cost = audit_rows(database)[-1]
    assert (status, http_status) == ("ok", 200) and cost > 0
    verified = gateway.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
