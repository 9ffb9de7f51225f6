"""Reading stored court orders and appending their events (docs/integrity.md, "Court orders")."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, insert, select

from accord.domain import CourtOrder
from accord.store.reader import visible
from accord.store.tables_court_orders import court_order_events
from accord.store.tables_world import court_orders


class Attributed(Protocol):
    """What an event needs from the step that caused it."""

    @property
    def at(self) -> datetime: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...


def stored_court_order(conn: Connection, order_id: str, known_at: datetime | None = None) -> CourtOrder | None:
    """The order's version current as known at `known_at` (now when None); None when none is."""
    query = select(court_orders.c.body).where(court_orders.c.id == order_id, visible(court_orders, known_at))
    body = conn.execute(query).scalar_one_or_none()
    if body is None:
        return None
    order = CourtOrder.model_validate(json.loads(body))
    return order if known_at is None or order.known_at(known_at) else None


def log_order_event(
    conn: Connection,
    order_id: str,
    kind: str,
    step: Attributed,
    *,
    reason: str | None = None,
    source: str | None = None,
    refers: str | None = None,
) -> None:
    conn.execute(
        insert(court_order_events).values(
            order_id=order_id,
            kind=kind,
            refers=refers,
            occurred_at=step.at,
            recorded_at=step.recorded_at,
            actor=step.actor,
            reason=reason,
            source=source,
        )
    )


def amended_by(conn: Connection, order_id: str) -> str | None:
    """The id of the order that amended `order_id`, if one did."""
    e = court_order_events
    query = select(e.c.refers).where(e.c.order_id == order_id, e.c.kind == "amend").order_by(e.c.id.desc())
    return conn.execute(query.limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class OrderVersion:
    """One stored version of an order: its terms, and the span of recording time it was current for."""

    order: CourtOrder
    recorded_at: datetime | None  # None: known as its file says, from the start
    superseded_at: datetime | None


@dataclass(frozen=True)
class OrderEvent:
    kind: str
    refers: str | None
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reason: str | None
    source: str | None


def order_history(conn: Connection, order_id: str) -> tuple[list[OrderVersion], list[OrderEvent]]:
    """Every version of the order in recording order, and every event about it."""
    t = court_orders
    versions = [
        OrderVersion(CourtOrder.model_validate(json.loads(row.body)), row.recorded_at, row.superseded_at)
        for row in conn.execute(select(t).where(t.c.id == order_id).order_by(t.c.row_id))
    ]
    e = court_order_events
    events = [
        OrderEvent(row.kind, row.refers, row.occurred_at, row.recorded_at, row.actor, row.reason, row.source)
        for row in conn.execute(select(e).where(e.c.order_id == order_id).order_by(e.c.id))
    ]
    return versions, events
