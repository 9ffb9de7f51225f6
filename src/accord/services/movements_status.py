"""`accord status`: where a person is at an instant, under whose custody, on which manifest, and the last
decision made about them with its reasons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Connection

from accord.domain.errors import NotFound
from accord.domain.time import rfc3339
from accord.ledger.service import Custody, Ledger, where
from accord.movements.manifest import Passenger, PassengerEvent, PassengerStatus, replay
from accord.services import movements_repository as repo
from accord.services.movements_repository import Event
from accord.store.reader import person_known
from accord.store.tables_decisions import StoredDecision, stored_decisions

T = TypeVar("T")


def _prefix(items: Sequence[T], at: datetime, event: Callable[[T], Event]) -> list[T]:
    """The longest prefix of recorded items that happened by `at`."""
    kept: list[T] = []
    for item in items:
        if event(item).occurred_at > at:
            break
        kept.append(item)
    return kept


@dataclass(frozen=True)
class PersonStatus:
    person: str
    at: datetime
    custody: Custody | None
    flight: str | None
    manifest_state: str | None
    passenger: Passenger | None
    last_event: PassengerEvent | None
    decision: StoredDecision | None
    late_entries: tuple[repo.LateEntry, ...] = ()

    def lines(self) -> list[str]:
        lines = [f"{self.person} as of {rfc3339(self.at)}"]
        if self.custody is None:
            lines.append("  custody: no handover recorded in the ledger")
        else:
            lines.append(
                f"  custody: {self.custody.custodian} since {rfc3339(self.custody.since)} "
                f"(ledger entry {self.custody.index}, basis {self.custody.legal_basis})"
            )
        if self.passenger is None:
            lines.append("  manifest: none")
        else:
            strike = f" ({self.passenger.strike_reason.value})" if self.passenger.strike_reason else ""
            lines.append(
                f"  manifest: {self.flight} ({self.manifest_state}), leg {self.passenger.leg}, "
                f"{self.passenger.status.value}{strike}"
            )
        if self.last_event is not None and self.last_event.reason:
            lines.append(f"  last change: {self.last_event.kind}: {self.last_event.reason}")
        if self.passenger is not None and self.passenger.status is PassengerStatus.RETURN_REQUIRED:
            lines.append(f"  next: bring them back with `accord return {self.flight} --person {self.person} --at TS`")
        lines += _decision_lines(self.decision)
        lines += [
            f"  late entry: {e.kind} on {e.flight_id} that happened at {rfc3339(e.occurred_at)}, recorded "
            f"{rfc3339(e.recorded_at)} by {e.actor}: {e.reason}"
            for e in self.late_entries
        ]
        return lines


def _decision_lines(decision: StoredDecision | None) -> list[str]:
    if decision is None:
        return ["  decision: none made by movements yet"]
    lines = [
        f"  decision as of {rfc3339(decision.as_of)} as known at {rfc3339(decision.known_at)} "
        f"(pack {decision.rule_pack}, era {decision.era}):"
    ]
    pathways = decision.body.get("pathways", [])
    for pathway in pathways if isinstance(pathways, list) else []:
        codes = ", ".join(f"{r['code']} ({r['detail']})" for r in pathway["reasons"]) or "-"
        agreement = f" {pathway['agreement']}" if pathway.get("agreement") else ""
        lines.append(f"    {pathway['kind']} {pathway['destination']}{agreement}: {pathway['status']}: {codes}")
    return lines


def person_status(conn: Connection, ledger: Ledger | None, person_id: str, at: datetime) -> PersonStatus:
    """The person's status as of `at`: their events in the order recorded, up to the first one that
    happened after `at` (a late entry recorded after it waits with it, so that the manifest replayed is
    always one the state machine went through). NotFound for an id the stored world never held."""
    if not person_known(conn, person_id):
        raise NotFound(f"--person: no person {person_id!r} in the stored world")
    history = _prefix(repo.events_of(conn, person_id), at, lambda pair: pair[1])
    custody = where(conn, ledger, person_id, at) if ledger is not None else None
    decisions = [d for d in stored_decisions(conn, person_id) if d.decided_at <= at]
    decision = decisions[-1] if decisions else None
    late = tuple(repo.late_entries(conn, person_id))
    if not history:
        return PersonStatus(person_id, at, custody, None, None, None, None, decision, late)
    flight_id, last = history[-1]
    flight = repo.load_flight(conn, flight_id, lock=False)
    until_then = _prefix(repo.flight_events(conn, flight_id), at, lambda event: event)
    manifest = replay(flight.id, len(flight.legs), until_then)
    state = manifest.state.value if manifest.state is not None else None
    event = last if isinstance(last, PassengerEvent) else None
    passenger = manifest.passengers.get(person_id)
    return PersonStatus(person_id, at, custody, flight_id, state, passenger, event, decision, late)
