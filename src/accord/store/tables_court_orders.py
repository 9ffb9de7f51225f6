"""Court-order events: who recorded, amended or lifted an order, when, and why (docs/integrity.md).

The order's terms live in the `court_orders` fact table, one row per version (an amendment or a lift
ends the order with a new version whose `until` is the cut); this table says who did it, when it
happened (`occurred_at`, the command's `--at`) and when Accord recorded it. Rows are only appended."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text

from accord.store.schema import metadata
from accord.store.types import Id, UtcDateTime

court_order_events = Table(
    "court_order_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # record | amend | lift
    Column("refers", String(200)),  # amend: the id of the amending order
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text),  # lift: why
    Column("source", Text),  # the file it came from
    Index("ix_court_order_events_order", "order_id", "id"),
)
