"""Preference pairs under human review, and the labels people give them (schema: migration 0005_registry)."""

from __future__ import annotations

import sqlalchemy as sa

from paramstack.storage.database import METADATA
from paramstack.storage.types import UtcDateTime

preference_pairs = sa.Table(
    "preference_pairs",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset", sa.String(128), nullable=False),
    sa.Column("prompt_id", sa.String(128), nullable=False),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("chosen", sa.Text, nullable=False),
    sa.Column("rejected", sa.Text, nullable=False),
    sa.Column("chosen_score", sa.Float, nullable=False),  # judge scores 0-10: measurements, not money
    sa.Column("rejected_score", sa.Float, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),  # the pair's metadata: judge, per-criterion scores, temps
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("dataset", "prompt_id", name="uq_preference_pairs_dataset_prompt_id"),
)

preference_labels = sa.Table(
    "preference_labels",
    METADATA,
    sa.Column("pair_id", sa.Integer, sa.ForeignKey("preference_pairs.id"), primary_key=True),
    sa.Column("decision", sa.String(16), nullable=False),  # keep | swap | reject | edit
    sa.Column("chosen", sa.Text, nullable=True),  # the edited texts (decision "edit")
    sa.Column("rejected", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("labeller", sa.String(64), nullable=True),  # the admin key id that labelled it
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
