"""Signed artifact manifests (in-toto Statement in DSSE) and the walk from a response to its data."""

from __future__ import annotations

import base64
import json

import pytest

from paramstack.attest.dsse import pae
from paramstack.attest.errors import ManifestVerificationFailed
from paramstack.attest.keys import KeyRing, SigningKey
from paramstack.attest.manifest import (
    MANIFEST_FILE,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    ensure_artifact_verified,
    manifest_digest,
    verify_manifest,
    write_manifest,
)
from paramstack.attest.provenance import ManifestRegistry, lineage
from paramstack.attest.response import sign_output
from paramstack.attest.verdict import Problem
from paramstack.errors import ArtifactError


def _artifact(root, name, files):
    directory = root / name
    for relative, content in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return directory


@pytest.fixture
def chain(tmp_path, keyring):
    """corpus -> tokenizer -> base -> preference data -> adapter, each signed over its parents."""
    corpus = _artifact(tmp_path, "corpus", {"train.jsonl": b'{"text": "merhaba"}\n', "meta/README.txt": b"tr"})
    write_manifest(corpus, "corpus", keyring=keyring, config={"sources": ["manpages-tr"], "dedupe": True})
    tokenizer = _artifact(tmp_path, "tokenizer", {"tokenizer.model": b"\x00spm"})
    write_manifest(tokenizer, "tokenizer", keyring=keyring, parents=[corpus], config={"vocab_size": 8000})
    base = _artifact(tmp_path, "base", {"model.safetensors": b"W" * 4096, "config.json": b"{}"})
    write_manifest(base, "base_model", keyring=keyring, parents=[tokenizer, corpus], config={"lr": 3e-3})
    prefs = _artifact(tmp_path, "prefs", {"pairs.jsonl": b'{"chosen": "a", "rejected": "b"}\n'})
    write_manifest(prefs, "preference_dataset", keyring=keyring, parents=[base])
    adapter = _artifact(
        tmp_path, "adapter", {"adapter_model.safetensors": b"A" * 1024, "adapter_config.json": b'{"r": 16}'}
    )
    write_manifest(adapter, "adapter", keyring=keyring, parents=[base, prefs], config={"beta": 0.1})
    return {"corpus": corpus, "tokenizer": tokenizer, "base": base, "prefs": prefs, "adapter": adapter}


def test_manifest_is_an_in_toto_statement_in_a_dsse_envelope(chain, keyring):
    envelope = json.loads((chain["adapter"] / MANIFEST_FILE).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    payload = base64.b64decode(envelope["payload"])
    statement = json.loads(payload)
    assert statement["_type"] == STATEMENT_TYPE and statement["predicateType"] == PREDICATE_TYPE
    assert {s["name"] for s in statement["subject"]} == {"adapter_model.safetensors", "adapter_config.json"}
    assert len(statement["predicate"]["parents"]) == 2 and statement["predicate"]["config"] == {"beta": 0.1}
    # the DSSE signature is over PAE(type, payload), checkable with nothing but the public key
    signature = base64.b64decode(envelope["signatures"][0]["sig"])
    keyring.signer.public.key.verify(signature, pae(envelope["payloadType"], payload))
    assert verify_manifest(chain["adapter"], keyring.without_signer())


@pytest.mark.parametrize(
    ("change", "problem", "where"),
    [
        ("edit", Problem.CHANGED_FILE, "adapter_model.safetensors"),
        ("delete", Problem.MISSING_FILE, "adapter_model.safetensors"),
        ("add", Problem.EXTRA_FILE, "sneaky.bin"),
    ],
)
def test_changed_missing_and_extra_files_are_named(chain, keyring, change, problem, where):
    adapter = chain["adapter"]
    if change == "edit":
        data = bytearray((adapter / where).read_bytes())
        data[100] ^= 1
        (adapter / where).write_bytes(bytes(data))
    elif change == "delete":
        (adapter / where).unlink()
    else:
        (adapter / where).write_bytes(b"x")
    verdict = verify_manifest(adapter, keyring)
    assert [(f.problem, f.where) for f in verdict.findings] == [(problem, where)]
    with pytest.raises(ManifestVerificationFailed, match=where):
        ensure_artifact_verified(adapter, keyring)


def test_tampered_manifest_wrong_key_and_garbage(chain, keyring):
    path = chain["adapter"] / MANIFEST_FILE
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["config"]["beta"] = 0.5
    path.write_text(json.dumps({**envelope, "payload": base64.b64encode(json.dumps(statement).encode()).decode()}))
    assert verify_manifest(chain["adapter"], keyring).problem is Problem.BAD_SIGNATURE
    assert verify_manifest(chain["base"], KeyRing([SigningKey.generate().public])).problem is Problem.UNKNOWN_KEY
    for garbage in ("", "{", "[]", '{"payloadType": "x"}'):
        path.write_text(garbage)
        assert verify_manifest(chain["adapter"], keyring).problem is Problem.MALFORMED
    path.unlink()
    assert verify_manifest(chain["adapter"], keyring).problem is Problem.MISSING_MANIFEST
    assert manifest_digest(chain["adapter"]) is None


def test_a_subject_outside_the_directory_is_refused(tmp_path, keyring):
    directory = _artifact(tmp_path, "evil", {"a.txt": b"a"})
    write_manifest(directory, "other", keyring=keyring)
    envelope = json.loads((directory / MANIFEST_FILE).read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][0]["name"] = "../../etc/passwd"
    from paramstack.attest.canonical import canonical_json
    from paramstack.attest.dsse import sign_envelope

    (directory / MANIFEST_FILE).write_text(json.dumps(sign_envelope(canonical_json(statement), keyring.signer)))
    verdict = verify_manifest(directory, keyring)
    assert verdict.problem is Problem.MALFORMED and "bad subject" in verdict.message


def test_parents_must_verify_before_a_child_is_signed(chain, tmp_path, keyring):
    (chain["corpus"] / "train.jsonl").write_bytes(b"poisoned")
    child = _artifact(tmp_path, "child", {"x": b"1"})
    with pytest.raises(ManifestVerificationFailed, match="train.jsonl"):
        write_manifest(child, "tokenizer", keyring=keyring, parents=[chain["corpus"]])
    with pytest.raises(ArtifactError, match="unknown artifact kind"):
        write_manifest(child, "weights", keyring=keyring)


def test_a_response_traces_to_its_data_and_a_changed_adapter_fails(chain, tmp_path, keyring):
    signed = sign_output(
        "paramstack-tiny",
        "yanıt",
        key=keyring,
        org_id="org_a",
        request_id="r1",
        adapter_id="support",
        adapter_manifest_sha256=manifest_digest(chain["adapter"]),
    )
    registry = ManifestRegistry([tmp_path])
    assert len(registry) == 5
    tree = lineage(signed.payload["adapter_manifest_sha256"], registry, keyring)
    assert tree.ok and tree.kind == "adapter"
    kinds = set()

    def walk(node):
        kinds.add(node.kind)
        for parent in node.parents:
            walk(parent)

    walk(tree)
    assert kinds == {"adapter", "base_model", "preference_dataset", "tokenizer", "corpus"}
    # now the adapter weights change after signing: the walk points at the failing manifest and file
    (chain["adapter"] / "adapter_model.safetensors").write_bytes(b"B" * 1024)
    tree = lineage(signed.payload["adapter_manifest_sha256"], ManifestRegistry([tmp_path]), keyring)
    assert not tree.ok
    (failed,) = tree.failures()
    assert failed.kind == "adapter" and failed.verdict.findings[0].where == "adapter_model.safetensors"


def test_lineage_reports_parents_that_cannot_be_found(chain, keyring):
    tree = lineage(manifest_digest(chain["adapter"]), ManifestRegistry([chain["adapter"]]), keyring)
    assert not tree.ok and {p.manifest for p in tree.parents} == {None}
