"""The files of the preference loop: prompts in, preference pairs out, read back with errors that name the line.

Prompt file (JSONL, one object per line)::

    {"prompt": "KVKK nedir?", "id": "kvkk-1", "reference": "KVKK, ...", "lang": "tr", "system": "..."}

``prompt`` is required; ``id`` defaults to a digest of the prompt (so a resumed run recognises it);
``reference`` (a string or a list of strings) is an answer a judge may compare against.

Preference file (JSONL), the product description's format::

    {"prompt", "chosen", "rejected", "chosen_score", "rejected_score",
     "metadata": {"prompt_id", "chosen_temp", "rejected_temp", "num_candidates", "judge", "scores", ...}}

A dataset may be a single ``.jsonl`` file or a dataset *directory* (``prefs.jsonl`` + report + signed
manifest): only a directory can carry a manifest, so only a directory links into the chain of custody.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paramstack.errors import InvalidRequest

DATA_FILE = "prefs.jsonl"
STATE_SUFFIX = ".state.jsonl"
REPORT_FILE = "rlaif_report.json"
MAX_PROMPT_CHARS = 20_000


@dataclass(frozen=True)
class PromptRecord:
    prompt_id: str
    prompt: str
    references: tuple[str, ...] = ()
    system: str | None = None
    lang: str | None = None
    line: int = 0

    def messages(self) -> list[dict[str, str]]:
        head = [{"role": "system", "content": self.system}] if self.system else []
        return [*head, {"role": "user", "content": self.prompt}]


@dataclass(frozen=True)
class PreferencePair:
    prompt: str
    chosen: str
    rejected: str
    chosen_score: float
    rejected_score: float
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt_id(self) -> str:
        return str(self.metadata.get("prompt_id") or prompt_digest(self.prompt))

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "chosen": self.chosen,
            "rejected": self.rejected,
            "chosen_score": self.chosen_score,
            "rejected_score": self.rejected_score,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class DatasetPaths:
    """Where a preference dataset lives: ``X.jsonl`` (a file) or ``X/`` (a signed dataset directory)."""

    data: Path
    state: Path
    report: Path
    directory: Path | None  # the artifact directory a manifest can sign; None for a bare file

    @classmethod
    def of(cls, output: str | Path) -> DatasetPaths:
        path = Path(output)
        if not path.name:  # "." or "/": name the directory itself
            path = path.absolute()
        if path.suffix == ".jsonl":
            return cls(path, path.with_name(path.name + STATE_SUFFIX), path.with_name(path.stem + ".report.json"), None)
        # The state file stays outside the signed directory: it is a work log, not part of the dataset.
        return cls(path / DATA_FILE, path.with_name(path.name + STATE_SUFFIX), path / REPORT_FILE, path)

    @classmethod
    def existing(cls, dataset: str | Path) -> DatasetPaths:
        """An existing dataset given as a file or a directory (DPO and export read these)."""
        path = Path(dataset)
        if path.is_dir():
            if not (path / DATA_FILE).is_file():
                raise InvalidRequest(f"{path} is a directory without {DATA_FILE}: not a preference dataset")
            return cls.of(path)
        if not path.is_file():
            raise InvalidRequest(f"preference dataset {path} does not exist")
        return cls(path, path.with_name(path.name + STATE_SUFFIX), path.with_name(path.stem + ".report.json"), None)


def prompt_digest(text: str) -> str:
    return "p-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of every non-blank line; a malformed line is an error naming it."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidRequest(f"{path}, line {number}: not valid JSON ({error.msg})") from None


def load_prompts(path: str | Path) -> list[PromptRecord]:
    """Every prompt of a prompt file, validated; duplicates (same id) are refused, naming both lines."""
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest(f"prompts file {path} does not exist")
    records: list[PromptRecord] = []
    seen: dict[str, int] = {}
    try:
        for number, value in iter_jsonl(path):
            record = _prompt_record(path, number, value)
            if record.prompt_id in seen:
                raise InvalidRequest(
                    f"{path}, line {number}: prompt id {record.prompt_id!r} repeats line {seen[record.prompt_id]}"
                )
            seen[record.prompt_id] = number
            records.append(record)
    except UnicodeDecodeError:
        raise InvalidRequest(f"{path} is not UTF-8 text") from None
    if not records:
        raise InvalidRequest(f"prompts file {path} has no prompts")
    return records


def _prompt_record(path: Path, number: int, value: Any) -> PromptRecord:
    where = f"{path}, line {number}"
    if not isinstance(value, dict):
        raise InvalidRequest(f'{where}: expected a JSON object with a "prompt" field')
    prompt = value.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidRequest(f'{where}: "prompt" must be a non-empty string')
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequest(f"{where}: prompt is longer than {MAX_PROMPT_CHARS} characters")
    reference = value.get("reference", value.get("references", ()))
    references = (reference,) if isinstance(reference, str) else reference
    if not isinstance(references, list | tuple) or not all(isinstance(r, str) for r in references):
        raise InvalidRequest(f'{where}: "reference" must be a string or a list of strings')
    prompt_id = value.get("id")
    if prompt_id is not None and (not isinstance(prompt_id, str | int) or not str(prompt_id).strip()):
        raise InvalidRequest(f'{where}: "id" must be a non-empty string or an integer')
    for name in ("system", "lang"):
        if value.get(name) is not None and not isinstance(value[name], str):
            raise InvalidRequest(f'{where}: "{name}" must be a string')
    return PromptRecord(
        prompt_id=str(prompt_id) if prompt_id is not None else prompt_digest(prompt),
        prompt=prompt.strip(),
        references=tuple(r for r in references if r.strip()),
        system=value.get("system"),
        lang=value.get("lang"),
        line=number,
    )


def read_pairs(path: str | Path) -> list[PreferencePair]:
    """The pairs of a preference file (or dataset directory), validated line by line."""
    paths = DatasetPaths.existing(path)
    pairs = []
    for number, value in iter_jsonl(paths.data):
        where = f"{paths.data}, line {number}"
        if not isinstance(value, dict):
            raise InvalidRequest(f"{where}: expected a JSON object")
        if not isinstance(value.get("prompt"), str) or not value["prompt"].strip():
            raise InvalidRequest(f'{where}: "prompt" must be a non-empty string')
        # An empty rejected answer is a real preference (saying nothing is worse than answering).
        for name in ("chosen", "rejected"):
            if not isinstance(value.get(name), str):
                raise InvalidRequest(f'{where}: "{name}" must be a string')
        if value["chosen"].strip() == value["rejected"].strip():
            raise InvalidRequest(f"{where}: chosen and rejected are the same text")
        scores = [value.get("chosen_score", 0.0), value.get("rejected_score", 0.0)]
        if not all(isinstance(s, int | float) and not isinstance(s, bool) for s in scores):
            raise InvalidRequest(f"{where}: chosen_score and rejected_score must be numbers")
        metadata = value.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise InvalidRequest(f'{where}: "metadata" must be an object')
        pairs.append(
            PreferencePair(
                value["prompt"], value["chosen"], value["rejected"], float(scores[0]), float(scores[1]), metadata
            )
        )
    return pairs


def append_jsonl(path: Path, *records: dict[str, Any]) -> None:
    """Append one line per record in one write, and fsync: a kill loses at most the tail being written
    (see repair_tail)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
        handle.flush()
        os.fsync(handle.fileno())


def repair_tail(path: Path) -> bool:
    """Cut a half-written last line (a kill during a write); returns True when something was cut."""
    if not path.is_file():
        return False
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return False
    with open(path, "r+b") as handle:
        handle.truncate(data.rfind(b"\n") + 1)
    return True
