"""RFC 3161 timestamps of audit checkpoints and manifests, against a local TSA made with `openssl ts`
(a real TSA implementation: a test CA, a TSA certificate with the timeStamping usage, an HTTP front)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paramstack.attest.audit import AuditEntry, AuditLog
from paramstack.attest.audit_verify import verify_audit_chain
from paramstack.attest.manifest import TIMESTAMP_FILE, timestamp_manifest, verify_manifest, write_manifest
from paramstack.attest.tables import audit_checkpoints
from paramstack.attest.timestamps import TimestampAuthority, TimestampAuthorityError, load_tsa_roots
from paramstack.attest.verdict import Problem

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

_TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = {dir}/serial
crypto_device = builtin
signer_cert = {dir}/tsa.crt
signer_key = {dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_tsa(directory: Path) -> None:
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=paramstack test root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
        cwd=directory,
    )
    _openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=paramstack test TSA",
        cwd=directory,
    )
    (directory / "tsa.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.crt",
        "-days",
        "2",
        "-extfile",
        "tsa.ext",
        cwd=directory,
    )
    (directory / "serial").write_text("01\n")
    # No `certs =` line: openssl would add the CA unsorted to a DER SET, which strict parsers refuse.
    (directory / "tsa.cnf").write_text(_TSA_CONFIG.format(dir=directory))


@pytest.fixture(scope="module")
def tsa():
    """(url, root certificate PEM path) of a TSA on 127.0.0.1 answering with `openssl ts -reply`."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        _make_tsa(directory)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                query = self.rfile.read(int(self.headers["content-length"]))
                with lock:
                    (directory / "q.tsq").write_bytes(query)
                    result = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-out", "r.tsr"],
                        cwd=directory,
                        capture_output=True,
                    )
                    reply = (directory / "r.tsr").read_bytes() if result.returncode == 0 else b""
                self.send_response(200 if reply else 500)
                self.send_header("content-type", "application/timestamp-reply")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/tsa", directory / "ca.crt"
        finally:
            server.shutdown()
            server.server_close()


def test_checkpoints_are_timestamped_and_verified(tsa, engine, keyring):
    url, ca = tsa
    log = AuditLog(engine, keyring, checkpoint_every=2, checkpoint_interval_s=3600)
    for i in range(4):
        log.append(AuditEntry(request_id=f"r{i}", org_id="org_a", model="m", status="ok"))
    stamped = log.timestamp_checkpoints(TimestampAuthority(url))
    assert len(stamped) == 2 and log.timestamp_checkpoints(TimestampAuthority(url)) == []
    roots = load_tsa_roots(ca)
    verdict = verify_audit_chain(engine, keyring, tsa_roots=roots)
    assert verdict and verdict.details["checkpoint_timestamps_checked"] == 2
    # a token moved onto another checkpoint does not verify there
    first, second = log.checkpoints()
    with engine.begin() as conn:
        conn.execute(
            audit_checkpoints.update().where(audit_checkpoints.c.id == second.id).values(tsa_token=first.tsa_token)
        )
    verdict = verify_audit_chain(engine, keyring, tsa_roots=roots)
    assert [(f.problem, f.where) for f in verdict.findings] == [(Problem.BAD_TIMESTAMP, f"checkpoint {second.id}")]


def test_manifest_timestamp(tsa, tmp_path, keyring, monkeypatch):
    url, ca = tsa
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "w.bin").write_bytes(b"w")
    write_manifest(tmp_path / "adapter", "adapter", keyring=keyring)
    token = timestamp_manifest(tmp_path / "adapter", TimestampAuthority(url))
    assert token.name == TIMESTAMP_FILE
    verdict = verify_manifest(tmp_path / "adapter", keyring, load_tsa_roots(ca))
    assert verdict and verdict.details["timestamp"].endswith("Z")
    write_manifest(tmp_path / "adapter", "adapter", keyring=keyring)  # re-signed: the old token is stale
    verdict = verify_manifest(tmp_path / "adapter", keyring, load_tsa_roots(ca))
    assert verdict.problem is Problem.BAD_TIMESTAMP
    # and through the CLI
    monkeypatch.setenv("PARAMSTACK_HOME", str(tmp_path / "home"))
    from paramstack.attest.keystore import SigningKeyStore
    from paramstack.cli.main import app

    SigningKeyStore(tmp_path / "home" / "keys").generate()
    runner = CliRunner()
    assert runner.invoke(app, ["provenance", "sign", str(tmp_path / "adapter"), "--kind", "adapter"]).exit_code == 0
    assert runner.invoke(app, ["provenance", "timestamp", str(tmp_path / "adapter"), "--tsa-url", url]).exit_code == 0
    result = runner.invoke(app, ["provenance", "verify", str(tmp_path / "adapter"), "--tsa-cert", str(ca)])
    assert result.exit_code == 0, result.output


def test_an_unreachable_or_wrong_tsa_is_a_clear_error(tsa):
    with pytest.raises(TimestampAuthorityError, match="time-stamping authority"):
        TimestampAuthority("http://127.0.0.1:9/tsa", timeout_s=2).timestamp(b"x")
