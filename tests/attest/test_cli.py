"""The CLI as a user runs it: exit 0 valid, 1 verification failed (with the verdict), 2 bad input;
never a traceback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from paramstack.attest.audit import AuditEntry, AuditLog
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.manifest import manifest_digest
from paramstack.attest.response import sign_output
from paramstack.attest.tables import audit_entries
from paramstack.attest.wire import attach_attestation
from paramstack.cli.main import app
from paramstack.storage.database import create_db_engine
from paramstack.storage.migrate import upgrade_to_head


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PARAMSTACK_CONFIG", raising=False)
    monkeypatch.delenv("PARAMSTACK_DATABASE_URL", raising=False)
    return tmp_path / "home"


def run(*args):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _response(home, tmp_path, text="Cevap metni", adapter_digest=None):
    ring = SigningKeyStore(home / "keys").current()
    signed = sign_output(
        "paramstack-tiny",
        text,
        key=ring,
        org_id="org_a",
        request_id="chatcmpl-1",
        adapter_id="support" if adapter_digest else None,
        adapter_manifest_sha256=adapter_digest,
    )
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "paramstack-tiny",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }
    path = tmp_path / "response.json"
    path.write_text(json.dumps(attach_attestation(body, signed)))
    return path, body


def test_keygen_list_and_verify(home, tmp_path):
    result = run("attest", "keygen", "--json")
    assert result.exit_code == 0
    kid = json.loads(result.output)["kid"]
    assert "PRIVATE" not in result.output
    assert kid in run("attest", "keys").output
    path, body = _response(home, tmp_path)
    result = run("attest", "verify", str(path))
    assert result.exit_code == 0 and result.output.startswith("VALID")
    # verify with only the public key, as a third party would
    jwks = tmp_path / "jwks.json"
    jwks.write_text(run("attest", "keys", "--json").output)
    public_only = json.dumps(
        {"keys": [{k: v for k, v in key.items() if k != "active"} for key in json.loads(jwks.read_text())["keys"]]}
    )
    jwks.write_text(public_only)
    assert run("attest", "verify", str(path), "--public-key", str(jwks)).exit_code == 0


def test_verify_failures_exit_1_with_a_verdict(home, tmp_path):
    run("attest", "keygen")
    path, body = _response(home, tmp_path)
    body["choices"][0]["message"]["content"] = "Değiştirilmiş"
    path.write_text(json.dumps(body))
    result = run("attest", "verify", str(path), "--json")
    assert result.exit_code == 1 and json.loads(result.output)["problem"] == "hash_mismatch"
    path.write_text(json.dumps(body)[:120])  # truncated
    result = run("attest", "verify", str(path))
    assert result.exit_code == 1 and "INVALID (malformed)" in result.output
    other = tmp_path / "other-keys"
    SigningKeyStore(other).generate()
    _response(home, tmp_path)
    result = run("attest", "verify", str(path.parent / "response.json"), "--keys-dir", str(other))
    assert result.exit_code == 1 and "unknown_key" in result.output


def test_bad_input_exits_2_on_one_line(home, tmp_path):
    result = run("attest", "verify", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and result.output.count("\n") == 1
    run("attest", "keygen")
    path, _ = _response(home, tmp_path)
    result = run("attest", "verify", str(path), "--public-key", "not-a-key!")
    assert result.exit_code == 2 and "public key" in result.output
    result = run("attest", "verify", str(path), "--keys-url", "http://127.0.0.1:9/keys")
    assert result.exit_code == 2 and "cannot fetch keys" in result.output


def test_audit_verify_and_export(home, tmp_path):
    run("attest", "keygen")
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    log = AuditLog(engine, SigningKeyStore(home / "keys").current(), checkpoint_every=2)
    for i in range(5):
        log.append(AuditEntry(request_id=f"r{i}", org_id="org_a" if i % 2 else "org_b", model="m", status="ok"))
    result = run("audit", "verify", "--database-url", url)
    assert result.exit_code == 0 and result.output.startswith("VALID")
    lines = run("audit", "export", "--tenant", "org_a", "--database-url", url).output.splitlines()
    assert [json.loads(line)["request_id"] for line in lines] == ["r1", "r3"]
    assert run("audit", "export", "--since", "yesterday", "--database-url", url).exit_code == 2
    with engine.begin() as conn:
        conn.execute(audit_entries.delete().where(audit_entries.c.seq == 3))
    result = run("audit", "verify", "--database-url", url, "--json")
    assert result.exit_code == 1
    finding = json.loads(result.output)["findings"][0]
    assert finding["problem"] == "deleted" and finding["where"] == 3
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"garbage" * 500)
    result = run("audit", "verify", "--database-url", f"sqlite:///{broken}")
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_provenance_sign_verify_and_show(home, tmp_path):
    run("attest", "keygen")
    corpus = home / "artifacts" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "data.txt").write_text("veri")
    assert run("provenance", "sign", str(corpus), "--kind", "corpus", "--config", '{"lang": "tr"}').exit_code == 0
    adapter = home / "adapters" / "support"
    adapter.mkdir(parents=True)
    (adapter / "adapter_model.safetensors").write_bytes(b"w" * 64)
    result = run("provenance", "sign", str(adapter), "--kind", "adapter", "--parent", str(corpus), "--json")
    assert result.exit_code == 0 and json.loads(result.output)["parents"][0]["kind"] == "corpus"
    assert run("provenance", "verify", str(adapter)).exit_code == 0
    assert run("provenance", "verify", str(adapter), "--recursive").exit_code == 0
    path, _ = _response(home, tmp_path, adapter_digest=manifest_digest(adapter))
    result = run("provenance", "show", str(path))
    assert result.exit_code == 0 and "corpus" in result.output and "VALID" in result.output
    (corpus / "data.txt").write_text("zehirli veri")  # the data behind the adapter changed
    result = run("provenance", "show", str(path), "--json")
    assert result.exit_code == 1
    corpus_node = json.loads(result.output)["lineage"]["parents"][0]
    assert corpus_node["verified"] is False and corpus_node["findings"][0]["where"] == "data.txt"
    result = run("provenance", "verify", str(corpus))
    assert result.exit_code == 1 and "changed_file: data.txt" in result.output
    result = run("provenance", "verify", str(tmp_path / "nothing-here"))
    assert result.exit_code == 1 and "missing_manifest" in result.output


def test_verify_with_keys_fetched_from_a_url(home, tmp_path):
    """--keys-url: the JWKS as GET /v1/attestation/keys serves it, over real HTTP."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    run("attest", "keygen")
    path, _ = _response(home, tmp_path)
    jwks = json.dumps(SigningKeyStore(home / "keys").current().jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(jwks)))
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1/attestation/keys"
        result = run("attest", "verify", str(path), "--keys-url", url, "--keys-dir", str(tmp_path / "empty"))
        assert result.exit_code == 0 and result.output.startswith("VALID")
    finally:
        server.shutdown()
        server.server_close()
