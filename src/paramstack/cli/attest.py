"""``paramstack attest``: signing keys (keygen, rotate, retire, list) and response verification."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.attest.canonical import EncodingProblem, utc_now
from paramstack.attest.keys import KeyRing, load_public_key_text
from paramstack.attest.keystore import SigningKeyStore
from paramstack.attest.settings import attest_settings_of
from paramstack.attest.timestamps import TimestampAuthority, load_tsa_roots
from paramstack.attest.verdict import Verdict
from paramstack.attest.wire import verify_response
from paramstack.cli.output import cli_errors, emit, fail

app = typer.Typer(no_args_is_help=True, help="Signing keys and response verification.")

INVALID_EXIT_CODE = 1  # verification ran and said no (2 stays for bad usage/unreadable input)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
KeysDir = Annotated[
    Path | None,
    typer.Option(
        "--keys-dir", help="Signing key directory (default: settings' attest.keys_dir or $PARAMSTACK_HOME/keys)."
    ),
]
PublicKeyOpt = Annotated[
    str | None, typer.Option("--public-key", help="A public key: file or text (JWKS, JWK, PEM, or raw base64url).")
]
KeysUrl = Annotated[
    str | None, typer.Option("--keys-url", help="A JWKS URL, e.g. https://gateway/v1/attestation/keys.")
]


def key_store(keys_dir: Path | None) -> SigningKeyStore:
    if keys_dir is not None:
        return SigningKeyStore(keys_dir)
    from paramstack.settings import load_settings

    settings = load_settings()
    return SigningKeyStore(attest_settings_of(settings).resolved_keys_dir(settings.home))


TsaUrl = Annotated[
    str | None, typer.Option("--tsa-url", help="RFC 3161 time-stamping authority (default: settings' attest.tsa_url).")
]
TsaCert = Annotated[
    Path | None, typer.Option("--tsa-cert", help="The TSA's root certificate (PEM): also verify RFC 3161 timestamps.")
]


def timestamp_authority(tsa_url: str | None) -> TimestampAuthority:
    settings = None
    if tsa_url is None:
        from paramstack.settings import load_settings

        settings = attest_settings_of(load_settings())
        tsa_url = settings.tsa_url
    if not tsa_url:
        fail("no time-stamping authority: pass --tsa-url or set attest.tsa_url")
    return TimestampAuthority(tsa_url, timeout_s=settings.tsa_timeout_s if settings else 10.0)


def tsa_roots(tsa_cert: Path | None) -> list[Any] | None:
    return load_tsa_roots(tsa_cert) if tsa_cert is not None else None


def verification_keys(public_key: str | None, keys_url: str | None, keys_dir: Path | None) -> KeyRing:
    """The keys a verifier trusts: given explicitly, fetched from a gateway, or the local key ring."""
    if public_key and keys_url:
        fail("give --public-key or --keys-url, not both")
    try:
        if public_key:
            path = Path(public_key)
            text = path.read_text(encoding="utf-8") if path.is_file() else public_key
            return load_public_key_text(text)
        if keys_url:
            return _fetch_jwks(keys_url)
    except EncodingProblem as error:
        fail(f"public key: {error}")
    ring = key_store(keys_dir).load().without_signer()
    if not len(ring):
        fail("no public keys: pass --public-key or --keys-url, or run `paramstack attest keygen`")
    return ring


def finish(verdict: Verdict, as_json: bool, render: Any) -> None:
    """Print the verdict, exit non-zero when it is not valid."""
    emit(verdict.to_dict(), as_json, render)
    if not verdict:
        raise typer.Exit(INVALID_EXIT_CODE)


@app.command("keygen")
def keygen(
    keys_dir: KeysDir = None,
    expires_days: Annotated[int | None, typer.Option(min=1, help="Key expires after N days.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a new Ed25519 signing key and make it active; the previous one is retired (rotation) and
    stays published so that what it signed keeps verifying. The private key never leaves the file."""
    with cli_errors():
        store = key_store(keys_dir)
        expires = utc_now() + timedelta(days=expires_days) if expires_days else None
        public = store.generate(expires_at=expires)
    result = {"kid": public.kid, "keys_dir": str(store.directory), "public_key": public.to_jwk()}
    emit(result, as_json, lambda r: f"new signing key {r['kid']} in {r['keys_dir']} (active)")


@app.command("keys")
def list_keys(keys_dir: KeysDir = None, as_json: JsonFlag = False) -> None:
    """List the key ring (public parts only): what GET /v1/attestation/keys publishes."""
    with cli_errors():
        ring = key_store(keys_dir).load()
    active = ring.signer.kid if ring.can_sign else None
    rows = [{**k.to_jwk(), "active": k.kid == active} for k in ring.public_keys]
    emit({"keys": rows}, as_json, _render_keys)


@app.command("retire")
def retire_key(kid: str, keys_dir: KeysDir = None, as_json: JsonFlag = False) -> None:
    """End a key's signing span now (it stays published for verification)."""
    with cli_errors():
        public = key_store(keys_dir).retire(kid)
    emit(public.to_jwk(), as_json, lambda r: f"retired {r['kid']} at {r['retired_at']}")


@app.command("verify")
def verify(
    response: Annotated[
        Path, typer.Argument(help="A saved response: JSON body, SSE transcript, or {attestation, output}.")
    ],
    public_key: PublicKeyOpt = None,
    keys_url: KeysUrl = None,
    keys_dir: KeysDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a response's attestation: valid (exit 0), or exactly what failed (exit 1)."""
    with cli_errors():
        document = response.read_bytes()
        keys = verification_keys(public_key, keys_url, keys_dir)
    finish(verify_response(document, keys), as_json, render_response_verdict)


def render_response_verdict(result: dict[str, Any]) -> str:
    payload = result.get("attestation") or {}
    if result["valid"]:
        adapter = f", adapter {payload['adapter_id']}" if payload.get("adapter_id") else ""
        return (
            f"VALID: signed by key {payload['kid']} at {payload['timestamp']} for tenant "
            f"{payload['org_id']}, model {payload['model_id']}{adapter}, request {payload['request_id']}"
        )
    return f"INVALID ({result['problem']}): {result['message']}"


def _fetch_jwks(url: str) -> KeyRing:
    import httpx

    try:
        reply = httpx.get(url, timeout=10.0, follow_redirects=True)
        reply.raise_for_status()
        return KeyRing.from_jwks(reply.json())
    except httpx.HTTPError as error:
        fail(f"cannot fetch keys from {url}: {error}")
    except ValueError as error:  # JSONDecodeError and EncodingProblem
        fail(f"{url} did not return a JWKS document: {error}")


def _render_keys(result: dict[str, Any]) -> str:
    if not result["keys"]:
        return "no signing keys (run `paramstack attest keygen`)"
    lines = []
    for key in result["keys"]:
        state = "active" if key["active"] else ("retired " + key["retired_at"] if key.get("retired_at") else "")
        expires = f" expires {key['expires_at']}" if key.get("expires_at") else ""
        lines.append(f"{key['kid']}  created {key.get('created_at', '?')}{expires}  {state}".rstrip())
    return "\n".join(lines)
