"""Property: over generated small worlds and random sequences of court orders, movement steps and raw
`ledger append` handovers, at random instants that are often backdated (some with a late-entry reason),
no handover into foreign custody is ever recorded in the ledger for a person whose decision, as of its
occurrence and as known at its recording, is blocked; `recorded_at` never decreases along any stream (the
ledger, each flight's events, court-order events); and no agreement's capacity is ever exceeded (checked
after every step). docs/integrity.md."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select

from accord.domain import CourtOrder, Scope, World
from accord.domain.errors import AccordError
from accord.ledger import repository as repo_ledger
from accord.ledger.keys import Keyring
from accord.ledger.service import Ledger
from accord.ledger.statements import HandoverStatement, decode_entry
from accord.movements.files import load_flight_file
from accord.movements.flights import Serves
from accord.movements.manifest import RESERVING_STATES
from accord.rules.interpreter import decide_person
from accord.rules.predicates import version_in_effect
from accord.services import movements as service
from accord.services import movements_repository as repo
from accord.services.court_orders import record_court_order
from accord.services.evening import custodian_ledger
from accord.services.handovers import HandoverRequest, append_handovers
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.reader import load_world
from accord.store.tables_court_orders import court_order_events
from accord.store.writer import import_document
from accord.world.loader import load_world_file
from tests.conftest import _postgres_schema_url
from tests.hypothesis_budget import examples
from tests.steps import Steps

EVENING = Path(__file__).resolve().parents[2] / "e2e" / "movements"
DOCUMENT = load_world_file(EVENING / "evening.yaml")
FLIGHTS = load_flight_file(EVENING / "flights.yaml").flights
PEOPLE = [p.id for p in DOCUMENT.world.persons]
AGREEMENT = "US-SLV-2025"
START = datetime.fromisoformat("2025-03-15T12:00:00-04:00")
SLOTS = 64  # quarter hours from 12:00 on the 15th to 04:00 on the 16th (EDT)


def _instant(slot: int) -> datetime:
    return START + timedelta(minutes=15 * slot)


@dataclass(frozen=True)
class Action:
    slot: int
    kind: str  # plan | lock | board | depart | arrive | order | append
    flight: str
    order: CourtOrder | None = None
    wrong_identity: bool = False
    backdate: int = 0  # quarter hours earlier than the slot it comes at
    late_entry: str | None = None
    person: str = ""  # append: who is handed to the foreign custodian

    @property
    def at(self) -> datetime:
        return _instant(self.slot - self.backdate)


@st.composite
def court_orders(draw: st.DrawFn, ident: str) -> CourtOrder:
    persons = draw(st.none() | st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True).map(tuple))
    nationalities = draw(st.sampled_from([None, ("VEN",), ("SLV",)]))
    if persons is None and nationalities is None:
        nationalities = ("VEN",)
    binding = _instant(draw(st.integers(0, SLOTS)))
    hours = draw(st.none() | st.integers(1, 12))
    return CourtOrder(
        id=ident,
        binding_from=binding,
        until=binding + timedelta(hours=hours) if hours else None,
        effect=draw(st.sampled_from(["bar_removal", "require_return"])),
        scope=Scope(
            persons=persons,
            nationalities=nationalities,
            order_basis=draw(st.sampled_from([None, ("aea",), ("title8",)])),
            carve_out_otherwise_removable=draw(st.booleans()),
        ),
    )


@st.composite
def actions(draw: st.DrawFn) -> list[Action]:
    steps = []
    for flight in draw(st.lists(st.sampled_from([f.id for f in FLIGHTS]), min_size=1, max_size=3, unique=True)):
        slots = sorted(draw(st.lists(st.integers(0, SLOTS), min_size=5, max_size=5)))
        kinds = ["plan", "lock", "board", "depart", "arrive"]
        steps += [
            Action(s, k, flight, wrong_identity=draw(st.booleans()) and k == "board")
            for s, k in zip(slots, kinds, strict=True)
        ]
    for i in range(draw(st.integers(0, 3))):
        order = draw(court_orders(f"CO-{i}"))
        steps.append(Action(draw(st.integers(0, SLOTS)), "order", "", order))
    for _ in range(draw(st.integers(0, 3))):
        steps.append(Action(draw(st.integers(0, SLOTS)), "append", "", person=draw(st.sampled_from(PEOPLE))))
    ordered = sorted(steps, key=lambda a: (a.slot, a.kind != "order"))
    # Some steps claim an earlier instant than their place in the sequence: backdated, some with a reason.
    return [
        Action(
            a.slot,
            a.kind,
            a.flight,
            a.order,
            a.wrong_identity,
            backdate=draw(st.sampled_from([0, 0, 0, 2, 8, 40])),
            late_entry=draw(st.sampled_from([None, None, "paper log typed in late"])),
            person=a.person,
        )
        for a in ordered
    ]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    kept = draw(st.lists(st.sampled_from(PEOPLE), min_size=2, unique=True))
    agreement = DOCUMENT.world.agreements[0]
    version = agreement.versions[0].model_copy(update={"capacity": draw(st.integers(1, 6))})
    return DOCUMENT.world.model_copy(
        update={
            "persons": tuple(p for p in DOCUMENT.world.persons if p.id in kept),
            "agreements": (agreement.model_copy(update={"versions": (version,)}),),
        }
    )


def _step(conn: Connection, ledger: Ledger, steps: Steps, action: Action) -> None:
    if action.kind == "append":
        request = HandoverRequest(
            action.person, "ICE-AIR", "SLV-CECOT", "SAL", action.at, serves=Serves(agreement=AGREEMENT)
        )
        append_handovers(conn, ledger, steps.clock, [request], "property")
        return
    step = steps(conn, action.at, "property", action.late_entry)
    if action.kind == "order" and action.order is not None:
        record_court_order(conn, ledger, action.order, step, "property")
    elif action.kind == "plan":
        service.apply_plan(conn, service.plan_flights(conn, [action.flight], step, time_limit=2.0), step)
    elif action.kind == "lock":
        service.lock(conn, action.flight, step)
    elif action.kind == "board":
        for passenger in service.show_manifest(conn, action.flight).manifest.seated():
            identity = "A-WRONG" if action.wrong_identity else f"A-{passenger.person}"
            service.board(conn, ledger, action.flight, passenger.person, identity, step)
    elif action.kind == "depart":
        service.depart(conn, action.flight, step)
    else:
        service.arrive(conn, ledger, action.flight, 1, step)


def _capacity_respected(conn: Connection, at: datetime) -> None:
    world = load_world(conn)
    agreement = world.agreement_by_id[AGREEMENT]
    version = version_in_effect(agreement, at, world.agreement_timezone(agreement))
    capacity = version.capacity if version is not None and version.capacity is not None else 10**9
    held = len(repo.held_abroad_under(conn, AGREEMENT))
    reserved = repo.seated_under(conn, AGREEMENT, RESERVING_STATES)
    assert held + reserved <= capacity, f"{held} held abroad + {reserved} firmly reserved > {capacity}"


def _handovers_were_lawful(conn: Connection, ledger: Ledger) -> int:
    """Re-decide each handover into foreign custody the ledger holds, as of its occurrence and as known at
    its recording; returns how many there were."""
    people = {ledger.commitment(p): p for p in PEOPLE}
    foreign = 0
    for _index, data in repo_ledger.entry_rows(conn, ledger.origin):
        statement = decode_entry(data).statement
        if not isinstance(statement, HandoverStatement) or statement.receiver.custodian != "SLV-CECOT":
            continue
        foreign += 1
        person, at, known = people[statement.person], statement.occurred_at, statement.recorded_at
        decision = decide_person(load_world(conn, known_at=known), person, at, known)
        pathway = next(p for p in decision.pathways if p.agreement == AGREEMENT)
        assert pathway.status == "allowed", f"{person} handed over at {at} while blocked: {pathway.reasons}"
    return foreign


def _recorded_at_never_decreases(conn: Connection, ledger: Ledger) -> None:
    stamps = [decode_entry(data).statement.recorded_at for _, data in repo_ledger.entry_rows(conn, ledger.origin)]
    assert stamps == sorted(stamps), "the ledger's recorded_at went backwards"
    for flight in FLIGHTS:
        events = repo.flight_events(conn, flight.id)
        recorded = [e.recorded_at for e in events]
        assert recorded == sorted(recorded), f"flight {flight.id}: recorded_at went backwards"
    e = court_order_events
    recorded = list(conn.execute(select(e.c.recorded_at).order_by(e.c.id)).scalars())
    assert recorded == sorted(recorded), "court-order events: recorded_at went backwards"


def _run(engine: Engine, world: World, actions: list[Action]) -> int:
    upgrade(engine)
    steps = Steps()
    with engine.begin() as conn:
        import_document(conn, DOCUMENT.model_copy(update={"world": world}), now=START, source="property")
        ledger = custodian_ledger(conn, Keyring(), FLIGHTS, steps(conn, START))
        service.add_flights(conn, FLIGHTS, steps(conn, START))
    for action in actions:
        try:
            with engine.begin() as conn:
                _step(conn, ledger, steps, action)
        except AccordError:
            pass  # a refused step stores nothing: the sequence goes on
        with engine.connect() as conn:
            _capacity_respected(conn, _instant(action.slot))
    with engine.connect() as conn:
        _recorded_at_never_decreases(conn, ledger)
        return _handovers_were_lawful(conn, ledger)


@contextmanager
def _database(backend: str, scratch: Path, n: int) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{scratch / f'property-{n}.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schemas = _postgres_schema_url()
    engine = make_engine(next(schemas))
    try:
        yield engine
    finally:
        engine.dispose()
        schemas.close()


@pytest.mark.property  # its Hypothesis test runs inside, once per backend
def test_no_blocked_handover_and_no_oversubscription(database_url: str, tmp_path: Path) -> None:
    """On each backend (the fixture skips PostgreSQL when none answers); every example gets a fresh
    database of its own."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    numbers = iter(range(10**6))
    handovers: list[int] = []

    @settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(world=worlds(), steps=actions())
    def check(world: World, steps: list[Action]) -> None:
        with _database(backend, tmp_path, next(numbers)) as engine:
            handovers.append(_run(engine, world, steps))

    check()
    assert sum(handovers) > 0, "the generated sequences never reached a handover: the property is vacuous"
