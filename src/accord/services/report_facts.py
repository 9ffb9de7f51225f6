"""The report core's fact tables from the database (`accord.store.reports`), as of T and as known at K.

Decisions count on the local date of their `as_of` in the rule pack's zone; manifest events on the local
date of their leg (the offset of its scheduled times); handovers and custody on the destination's local
date. A handover counts as a removal when its receiving custodian is abroad: a leg's receiving custodian
in another country than the sending state, or a facility abroad. Custody under an agreement comes from
the custody ledger (stays with the agreement's facility) when it holds any for that agreement, else from
the world's custody records (as billing reads it, `accord.services.custody`)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from accord.billing.ledger_source import periods_from_ledger
from accord.domain import World
from accord.domain.limits import EARLIEST
from accord.domain.time import local_date, to_instant, zone
from accord.ledger.keys import Keyring
from accord.ledger.repository import ledger_ids
from accord.ledger.service import open_ledger
from accord.movements.flights import Flight, Leg
from accord.reports.facts import Facts, fact_table
from accord.rules.pack import pack_for_world
from accord.services import movements_repository
from accord.store import reports as repo

# Manifest events as report outcomes; other events (add, lifecycle) are not counted.
OUTCOMES = {
    "board": "boarded",
    "strike": "struck",
    "hold": "held",
    "hand_over": "handed_over",
    "refuse_handover": "return_required",
    "mark_return_required": "return_required",
    "return": "returned",
}
_CODE = re.compile(r"(?:^|, )([a-z_]+) \(")


@dataclass(frozen=True)
class Destination:
    """Where a receiving custodian is, under which agreement, and who paid for the flight there."""

    country: str
    agreement: str | None
    repatriation: bool
    funder: str | None
    timezone: Any  # a tzinfo: the facility's zone, or the offset of the leg's scheduled arrival


def database_facts(
    conn: Connection, world: World, as_of: datetime, known_at: datetime, keyring: Keyring | None
) -> Facts:
    people = repo.people(conn, known_at)
    flights = movements_repository.all_flights(conn)
    decisions = list(repo.stored_decisions(conn, as_of, known_at))
    timezone = pack_for_world(world).timezone
    handovers = _handovers(conn, world, people, as_of, known_at, keyring)
    return Facts(
        {
            "decisions": fact_table("decisions", _decision_rows(decisions, people, timezone)),
            "movements": fact_table("movements", _movement_rows(conn, flights, people, as_of, known_at)),
            "handovers": fact_table("handovers", _handover_rows(world, flights, people, handovers)),
            "custody_days": fact_table("custody_days", _custody_rows(conn, world, people, handovers, known_at)),
        }
    )


def _person(people: Mapping[str, repo.PersonRow], person: str) -> dict[str, Any]:
    row = people.get(person)
    if row is None:  # not known at K (a fact about someone learnt later): counted, attributes unknown
        return {"person": person, "nationality": "unknown", "sex": None, "birth_date": None}
    return {"person": person, "nationality": row.nationality, "sex": row.sex, "birth_date": row.birth_date}


def _decision_rows(
    decisions: Iterable[repo.DecisionRow], people: Mapping[str, repo.PersonRow], tz: str
) -> Iterator[dict[str, Any]]:
    for decision in decisions:
        day = local_date(decision.as_of, tz)
        for pathway in decision.body.get("pathways", []):  # type: ignore[attr-defined]
            yield {
                **_person(people, decision.person),
                "at": decision.as_of,
                "recorded_at": decision.recorded_at,
                "day": day,
                "decision": decision.id,
                "pathway_kind": pathway["kind"],
                "destination": pathway["destination"],
                "agreement": pathway.get("agreement"),
                "status": pathway["status"],
                "reasons": sorted({r["code"] for r in pathway.get("reasons", [])}),
            }


def _pathway_kind(destination: str, agreement: str | None, repatriation: bool, nationality: str) -> str:
    national = destination in nationality.split("/")
    if agreement is not None:
        return "agreement_repatriation" if national else "third_country"
    return "repatriation" if national or not repatriation else "designated"


def _movement_rows(
    conn: Connection, flights: list[Flight], people: Mapping[str, repo.PersonRow], as_of: datetime, known_at: datetime
) -> Iterator[dict[str, Any]]:
    by_id = {flight.id: flight for flight in flights}
    legs: dict[tuple[str, str], int] = {}
    causes: dict[tuple[str, str], str | None] = {}  # the cause of a person's return_required, for their return
    for event in repo.passenger_events(conn, as_of, known_at):
        key = (event.flight, event.person)
        if event.kind == "add":
            legs[key] = int(event.body["leg"])  # type: ignore[call-overload]
        outcome = OUTCOMES.get(event.kind)
        flight = by_id.get(event.flight)
        if outcome is None or flight is None:
            continue
        leg = flight.leg(legs.get(key, 1))
        cause = _cause(event, causes.get(key))
        if outcome == "return_required":
            causes[key] = cause
        person = _person(people, event.person)
        serves = leg.serves
        agreement = serves.agreement if serves is not None else None
        yield {
            **person,
            "at": event.occurred_at,
            "recorded_at": event.recorded_at,
            "day": _leg_day(leg, event.occurred_at, outcome),
            "outcome": outcome,
            "reason": cause,
            "pathway_kind": _pathway_kind(leg.to.country, agreement, serves is not None, person["nationality"]),
            "destination": leg.to.country,
            "agreement": agreement,
            "funder": flight.funder,
        }


def _cause(event: repo.EventRow, earlier: str | None) -> str | None:
    """Why an outcome happened, as a code: the strike reason, the first blocking code of a refused
    handover (`court_order` when a court order is among them), the court order behind a hold."""
    if event.kind == "strike":
        return str(event.body.get("strike_reason"))
    if event.kind in ("hold", "mark_return_required"):
        return "court_order"
    if event.kind == "refuse_handover":
        codes = _CODE.findall(str(event.body.get("reason", "")))
        return "court_order" if "court_order" in codes else (codes[0] if codes else None)
    if event.kind == "return":
        return earlier
    return None


def _leg_day(leg: Leg, instant: datetime, outcome: str) -> date:
    """The local date of an event on a leg: at the arrival airport for what happens on arrival."""
    scheduled = (
        leg.scheduled_arrival if outcome in ("handed_over", "return_required", "returned") else leg.scheduled_departure
    )
    return instant.astimezone(scheduled.tzinfo).date()


def _destinations(world: World, flights: Iterable[Flight]) -> dict[str, Destination]:
    """Receiving custodians abroad: the facilities of the world, then the receiving custodians of legs."""
    found: dict[str, Destination] = {}
    for facility in world.facilities:
        if facility.country != world.sending_state:
            agreement = next((a.id for a in world.agreements if a.facility == facility.id), None)
            found[facility.id] = Destination(facility.country, agreement, False, None, zone(facility.timezone))
    for flight in flights:
        for leg in flight.legs:
            custodian = leg.receiving_custodian
            if custodian is None or leg.to.country == world.sending_state or leg.serves is None:
                continue
            known = found.get(custodian)
            where = known.timezone if known is not None else leg.scheduled_arrival.tzinfo
            found[custodian] = Destination(
                leg.to.country, leg.serves.agreement, leg.serves.repatriation is not None, flight.funder, where
            )
    return found


def _handovers(
    conn: Connection,
    world: World,
    people: Mapping[str, repo.PersonRow],
    as_of: datetime,
    known_at: datetime,
    keyring: Keyring | None,
) -> list[tuple[str, repo.HandoverRow]]:
    """The ledger's handovers with the person id behind each commitment (people unknown at K are left out)."""
    if not ledger_ids(conn):
        return []
    ledger = open_ledger(conn, keyring)
    ids = {ledger.commitment(person): person for person in people}
    return [(ids[h.person], h) for h in repo.handovers(conn, ledger.origin, as_of, known_at) if h.person in ids]


def _handover_rows(
    world: World,
    flights: list[Flight],
    people: Mapping[str, repo.PersonRow],
    handovers: list[tuple[str, repo.HandoverRow]],
) -> Iterator[dict[str, Any]]:
    destinations = _destinations(world, flights)
    for person_id, handover in handovers:
        where = destinations.get(handover.receiver)
        if where is None:
            continue  # a domestic handover (boarding, a return): not a removal
        person = _person(people, person_id)
        yield {
            **person,
            "at": handover.occurred_at,
            "recorded_at": handover.recorded_at,
            "day": handover.occurred_at.astimezone(where.timezone).date(),
            "pathway_kind": _pathway_kind(where.country, where.agreement, where.repatriation, person["nationality"]),
            "destination": where.country,
            "agreement": where.agreement,
            "funder": where.funder or _payer(world, where.agreement),
        }


def _payer(world: World, agreement: str | None) -> str:
    found = world.agreement_by_id.get(agreement or "")
    return found.payer if found is not None else world.sending_state


@dataclass(frozen=True)
class _Stay:
    custodian: str
    intake: datetime
    release: datetime | None
    recorded_at: datetime


def _stays(handovers: list[tuple[str, repo.HandoverRow]]) -> dict[str, list[_Stay]]:
    """Each person's stays with each custodian, from consecutive handovers."""
    by_person: dict[str, list[repo.HandoverRow]] = defaultdict(list)
    for person, handover in handovers:
        by_person[person].append(handover)
    stays: dict[str, list[_Stay]] = {}
    for person, rows in by_person.items():
        stays[person] = [
            _Stay(row.receiver, row.occurred_at, nxt.occurred_at if nxt else None, row.recorded_at)
            for row, nxt in zip(rows, [*rows[1:], None], strict=True)
        ]
    return stays


def _custody_rows(
    conn: Connection,
    world: World,
    people: Mapping[str, repo.PersonRow],
    handovers: list[tuple[str, repo.HandoverRow]],
    known_at: datetime,
) -> Iterator[dict[str, Any]]:
    stays = _stays(handovers)
    from_ledger: set[str] = set()
    for agreement in world.agreements:
        if agreement.facility is None:
            continue
        timezone = world.agreement_timezone(agreement)
        for person, person_stays in stays.items():
            recorded = {s.intake: s.recorded_at for s in person_stays}
            for period in periods_from_ledger(person, person_stays, agreement.facility, agreement.id, timezone):
                from_ledger.add(agreement.id)
                intake = next(s.intake for s in person_stays if local_date(s.intake, timezone) == period.intake)
                yield _custody_row(world, people, agreement.id, person, period.intake, period.release, recorded[intake])
    for record in repo.custody_records(conn, known_at):
        if record.agreement in from_ledger or record.agreement not in world.agreement_by_id:
            continue
        for head in range(record.headcount):
            person = record.person or f"block:{record.agreement}:{record.intake}:{head}"
            # A record without recorded_at is known from the start, as its file says.
            known_from = record.recorded_at or EARLIEST
            yield _custody_row(world, people, record.agreement, person, record.intake, record.release, known_from)


def _custody_row(
    world: World,
    people: Mapping[str, repo.PersonRow],
    agreement_id: str,
    person: str,
    intake: date,
    release: date | None,
    recorded_at: datetime,
) -> dict[str, Any]:
    agreement = world.agreement_by_id[agreement_id]
    timezone = world.agreement_timezone(agreement)
    attributes = (
        _person(people, person)
        if not person.startswith("block:")
        else {"person": person, "nationality": "unknown", "sex": None, "birth_date": None}
    )
    return {
        **attributes,
        "at": to_instant(intake, timezone),
        "recorded_at": recorded_at,
        "day": intake,
        "facility": agreement.facility,
        "agreement": agreement_id,
        "destination": agreement.receiving,
        "intake": intake,
        "release": release,
    }


def capacity(world: World, months: Iterable[str]) -> dict[tuple[str, str], int]:
    """(facility, month) -> the places its agreements in force give that month (the largest version)."""
    places: dict[tuple[str, str], int] = defaultdict(int)
    for agreement in world.agreements:
        if agreement.facility is None:
            continue
        timezone = world.agreement_timezone(agreement)
        starts = [local_date(to_instant(v.from_, timezone), timezone) for v in agreement.versions]
        for month in months:
            first = date.fromisoformat(f"{month}-01")
            end = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            best = 0
            for i, version in enumerate(agreement.versions):
                until = starts[i + 1] if i + 1 < len(starts) else None
                overlaps = starts[i] < end and (until is None or until > first)
                if overlaps and version.status == "in_force" and version.capacity is not None:
                    best = max(best, version.capacity)
            if best:
                places[(agreement.facility, month)] += best
    return dict(places)
