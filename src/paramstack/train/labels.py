"""Human review of preference pairs: import pairs, label them (keep / swap / reject / edit + note), export.

One label per pair; labelling again replaces it (the latest judgement of a person wins). Export writes
the human-checked dataset DPO reads: kept pairs as they are, swapped pairs reversed, edited pairs with the
person's texts, rejected and unlabelled pairs left out (unless asked), with the human verdict in metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from paramstack.errors import InvalidRequest, NotFound
from paramstack.train.label_tables import preference_labels, preference_pairs
from paramstack.train.preference_data import PreferencePair

Decision = Literal["keep", "swap", "reject", "edit"]
DECISIONS: tuple[str, ...] = ("keep", "swap", "reject", "edit")
MAX_TEXT = 20_000


@dataclass(frozen=True)
class LabelInput:
    decision: str
    note: str = ""
    chosen: str | None = None
    rejected: str | None = None

    def validate(self) -> None:
        if self.decision not in DECISIONS:
            raise InvalidRequest(f"decision must be one of {', '.join(DECISIONS)}", param="decision")
        if self.decision == "edit":
            if not (self.chosen or "").strip():
                raise InvalidRequest("an edit needs the chosen text", param="chosen")
            if (self.chosen or "").strip() == (self.rejected or "").strip():
                raise InvalidRequest("chosen and rejected must differ", param="rejected")
        for name in ("note", "chosen", "rejected"):
            if len(getattr(self, name) or "") > MAX_TEXT:
                raise InvalidRequest(f"{name} is longer than {MAX_TEXT} characters", param=name)


class LabelStore:
    def __init__(self, database: Engine) -> None:
        self._db = database

    def import_pairs(self, dataset: str, pairs: list[PreferencePair]) -> dict[str, int]:
        """Add pairs under ``dataset``; a pair already there (same prompt id) is left alone with its label."""
        if not dataset.strip() or len(dataset) > 128:
            raise InvalidRequest("dataset name must be 1-128 characters", param="dataset")
        now = datetime.now(UTC)
        added = 0
        with self._db.begin() as connection:
            existing = set(
                connection.execute(
                    sa.select(preference_pairs.c.prompt_id).where(preference_pairs.c.dataset == dataset)
                ).scalars()
            )
            for pair in pairs:
                if pair.prompt_id in existing:
                    continue
                existing.add(pair.prompt_id)
                connection.execute(
                    preference_pairs.insert().values(
                        dataset=dataset,
                        prompt_id=pair.prompt_id,
                        prompt=pair.prompt,
                        chosen=pair.chosen,
                        rejected=pair.rejected,
                        chosen_score=pair.chosen_score,
                        rejected_score=pair.rejected_score,
                        details=pair.metadata,
                        created_at=now,
                    )
                )
                added += 1
        return {"added": added, "already_there": len(pairs) - added}

    def datasets(self) -> list[dict[str, Any]]:
        joined = preference_pairs.outerjoin(preference_labels, preference_labels.c.pair_id == preference_pairs.c.id)
        query = (
            sa.select(
                preference_pairs.c.dataset,
                sa.func.count(preference_pairs.c.id),
                sa.func.count(preference_labels.c.pair_id),
            )
            .select_from(joined)
            .group_by(preference_pairs.c.dataset)
            .order_by(preference_pairs.c.dataset)
        )
        with self._db.connect() as connection:
            rows = connection.execute(query).all()
        return [{"dataset": d, "pairs": total, "labelled": done} for d, total, done in rows]

    def pairs(self, dataset: str, *, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        joined = preference_pairs.outerjoin(preference_labels, preference_labels.c.pair_id == preference_pairs.c.id)
        query = (
            sa.select(
                preference_pairs,
                preference_labels.c.decision,
                preference_labels.c.note,
                preference_labels.c.chosen.label("label_chosen"),
                preference_labels.c.rejected.label("label_rejected"),
                preference_labels.c.labeller,
                preference_labels.c.updated_at,
            )
            .select_from(joined)
            .where(preference_pairs.c.dataset == dataset)
            .order_by(preference_pairs.c.id)
            .offset(offset)
            .limit(min(limit, 500))
        )
        with self._db.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [_pair_view(row) for row in rows]

    def label(self, pair_id: int, label: LabelInput, labeller: str | None) -> dict[str, Any]:
        label.validate()
        now = datetime.now(UTC)
        values = {
            "decision": label.decision,
            "note": label.note.strip(),
            "labeller": labeller,
            "updated_at": now,
            "chosen": label.chosen if label.decision == "edit" else None,
            "rejected": label.rejected if label.decision == "edit" else None,
        }
        with self._db.begin() as connection:
            exists = connection.execute(
                sa.select(preference_pairs.c.dataset).where(preference_pairs.c.id == pair_id)
            ).scalar()
            if exists is None:
                raise NotFound(f"preference pair {pair_id} does not exist", param="pair_id")
            updated = connection.execute(
                preference_labels.update().where(preference_labels.c.pair_id == pair_id).values(**values)
            )
            if updated.rowcount == 0:
                connection.execute(preference_labels.insert().values(pair_id=pair_id, **values))
        return {"pair_id": pair_id, **values, "updated_at": now.isoformat()}

    def export(self, output: Path, *, dataset: str | None = None, include_unlabelled: bool = False) -> dict[str, int]:
        """Write the human-checked pairs as a preference JSONL file DPO reads; returns counts by decision."""
        counts = {d: 0 for d in (*DECISIONS, "unlabelled", "written")}
        names = [dataset] if dataset else [d["dataset"] for d in self.datasets()]
        if dataset and dataset not in {d["dataset"] for d in self.datasets()}:
            raise NotFound(f"no preference pairs imported under dataset {dataset!r}", param="dataset")
        output.parent.mkdir(parents=True, exist_ok=True)
        temporary = output.with_name(output.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            for name in names:
                offset = 0
                while page := self.pairs(name, offset=offset, limit=500):
                    offset += len(page)
                    for view in page:
                        record = _exported(view, include_unlabelled)
                        counts[view["label"]["decision"] if view["label"] else "unlabelled"] += 1
                        if record is not None:
                            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                            counts["written"] += 1
        temporary.replace(output)  # a half-written export never replaces a good one
        return counts


def _pair_view(row: Any) -> dict[str, Any]:
    label = None
    if row["decision"] is not None:
        label = {
            "decision": row["decision"],
            "note": row["note"],
            "chosen": row["label_chosen"],
            "rejected": row["label_rejected"],
            "labeller": row["labeller"],
            "updated_at": row["updated_at"].isoformat() if row["updated_at"] else None,
        }
    return {
        "id": row["id"],
        "dataset": row["dataset"],
        "prompt_id": row["prompt_id"],
        "prompt": row["prompt"],
        "chosen": row["chosen"],
        "rejected": row["rejected"],
        "chosen_score": row["chosen_score"],
        "rejected_score": row["rejected_score"],
        "metadata": row["details"] or {},
        "label": label,
    }


def _exported(view: dict[str, Any], include_unlabelled: bool) -> dict[str, Any] | None:
    label = view["label"]
    if label is None and not include_unlabelled:
        return None
    decision = label["decision"] if label else None
    if decision == "reject":
        return None
    chosen, rejected = view["chosen"], view["rejected"]
    chosen_score, rejected_score = view["chosen_score"], view["rejected_score"]
    if decision == "swap":
        chosen, rejected, chosen_score, rejected_score = rejected, chosen, rejected_score, chosen_score
    elif decision == "edit":
        chosen = label["chosen"]
        rejected = label["rejected"] if label["rejected"] is not None else rejected
    human = None if label is None else {k: label[k] for k in ("decision", "note", "labeller", "updated_at")}
    metadata = {**view["metadata"], "prompt_id": view["prompt_id"], "dataset": view["dataset"], "human": human}
    return {
        "prompt": view["prompt"],
        "chosen": chosen,
        "rejected": rejected,
        "chosen_score": chosen_score,
        "rejected_score": rejected_score,
        "metadata": metadata,
    }
