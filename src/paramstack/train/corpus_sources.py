"""Where corpus documents come from: .txt/.md files, .jsonl records, directories of them, ``hf:NAME`` datasets.

A jsonl line is one of three shapes:
- ``{"text": "..."}``: a document;
- ``{"messages": [{"role": "user", "content": "..."}, ...]}``: one chat conversation;
- ``{"questions": [...], "answers": [...]}``: a paraphrase set, one fact asked and answered several ways.
  It stays one record in the corpus (so dedupe does not throw paraphrases away as near duplicates) and is
  expanded into question/answer pairs only when training text is made (``training_text.py``).
Any line may add ``"domain"`` and ``"lang"``. Documents take their domain from their folder otherwise.
Chat and paraphrase lines may add ``"weight": N`` (default 1): their training text is repeated N times per
epoch, the data-mixture knob for the few answers a model must get right (the demo prompts).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeGuard

from paramstack.errors import ConfigurationError, InvalidRequest

SUFFIXES = (".txt", ".md", ".jsonl")
ROLES = frozenset({"system", "user", "assistant"})
RecordKind = Literal["text", "chat", "qa"]


@dataclass
class RawRecord:
    """One document as read, before normalisation and dedupe."""

    kind: RecordKind
    source: str
    domain: str
    text: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    lang: str | None = None
    weight: int = 1


def iter_source(source: str | Path) -> Iterator[RawRecord]:
    """All records of one source: a file, a directory (recursively, sorted), or ``hf:NAME[:SPLIT]``."""
    if isinstance(source, str) and source.startswith("hf:"):
        yield from _iter_hf(source[3:])
        return
    path = Path(source)
    if not path.exists():
        raise InvalidRequest(f"corpus source not found: {path}")
    if path.is_file():
        if path.suffix not in SUFFIXES:
            raise InvalidRequest(f"unsupported corpus file {path} (use {', '.join(SUFFIXES)})")
        yield from _read_file(path, path.parent.name or "general", str(path))
        return
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES):
        relative = file.relative_to(path)
        if any(part.startswith(".") for part in relative.parts):
            continue
        domain = relative.parts[0] if len(relative.parts) > 1 else (path.name or "general")
        yield from _read_file(file, domain, str(relative))


def _read_file(path: Path, domain: str, label: str) -> Iterator[RawRecord]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".jsonl":
        yield RawRecord(kind="text", source=label, domain=domain, text=text)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield parse_jsonl_record(line, domain, f"{label}:{number}")


def parse_jsonl_record(line: str, domain: str, where: str) -> RawRecord:
    """One jsonl line -> a record; a malformed line is bad input naming file and line."""
    try:
        obj: Any = json.loads(line)
    except json.JSONDecodeError as error:
        raise InvalidRequest(f"{where}: not valid JSON ({error.msg})") from None
    if not isinstance(obj, dict):
        raise InvalidRequest(f"{where}: expected a JSON object")
    domain = str(obj.get("domain") or domain)
    lang = obj.get("lang")
    weight = obj.get("weight", 1)
    if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
        raise InvalidRequest(f"{where}: weight must be an integer from 1 to 100")
    if isinstance(obj.get("text"), str):
        return RawRecord(kind="text", source=where, domain=domain, text=obj["text"], lang=lang)
    if isinstance(obj.get("messages"), list):
        messages = obj["messages"]
        if not messages or not all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str) for m in messages
        ):
            raise InvalidRequest(f"{where}: messages must be a list of {{role, content}} with roles {sorted(ROLES)}")
        clean = [{"role": m["role"], "content": m["content"]} for m in messages]
        return RawRecord(kind="chat", source=where, domain=domain, messages=clean, lang=lang, weight=weight)
    questions, answers = obj.get("questions"), obj.get("answers")
    if _strings(questions) and _strings(answers):
        return RawRecord(
            kind="qa", source=where, domain=domain, questions=questions, answers=answers, lang=lang, weight=weight
        )
    raise InvalidRequest(f"{where}: a line needs 'text', 'messages', or 'questions' and 'answers'")


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _iter_hf(spec: str) -> Iterator[RawRecord]:
    """A Hugging Face dataset with a ``text`` or ``messages`` column; needs the network (or a local cache)."""
    name, _, split = spec.partition(":")
    if not name:
        raise InvalidRequest("hf: source needs a dataset name, e.g. hf:wikitext")
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        raise ConfigurationError(f"hf:{name}: Hugging Face datasets are disabled offline (HF_HUB_OFFLINE=1)")
    try:
        import datasets

        dataset = datasets.load_dataset(name, split=split or "train")
    except ImportError:
        raise ConfigurationError("hf: sources need the 'datasets' package (pip install paramstack[train])") from None
    except Exception as error:  # network, auth, missing dataset: all one message for the user
        raise ConfigurationError(f"hf:{name}: cannot load dataset ({type(error).__name__}: {error})") from None
    for index, row in enumerate(dataset):
        line = json.dumps({k: row[k] for k in ("text", "messages") if k in row}, ensure_ascii=False)
        yield parse_jsonl_record(line, name.split("/")[-1], f"hf:{name}:{index}")
