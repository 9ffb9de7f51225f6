"""`accord flight add`, `accord manifest plan|lock|show|close`, `accord board`, `accord depart`,
`accord arrive`, `accord court-order record`, `accord status`: movements against the configured database.

Every command runs in one transaction: a refusal (exit 2) stores nothing. `--at` is the instant the step
happens and is recorded; decisions are made on the world as known at that instant."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from accord.cli.common import console, database_url, fail, parse_instant, user_errors
from accord.domain.limits import MAX_LEGS, check_name
from accord.domain.time import rfc3339
from accord.ledger.repository import LedgerMissing
from accord.ledger.rules import Refusal
from accord.ledger.service import Ledger, open_ledger
from accord.movements.files import load_court_order_file, load_flight_file
from accord.movements.manifest import MovementError
from accord.services import movements as service
from accord.services.court_orders import record_court_order
from accord.services.movements_status import person_status
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.records import NothingStored

flight_app = typer.Typer(help="Flights (accord.flight/1 files, docs/movements.md).")
manifest_app = typer.Typer(help="Manifests: plan, lock, show, close.")
court_order_app = typer.Typer(help="Court orders, which take effect at once on open manifests and flights.")

AT = typer.Option(..., "--at", help="When the step happens (RFC 3339 with offset).")
ACTOR = typer.Option(None, "--actor", help="Who records the step (default: $ACCORD_ACTOR or $USER).")


@contextmanager
def _transaction() -> Iterator[Connection]:
    """One transaction on the configured database, migrated; movement refusals are clean errors (exit 2)
    and leave nothing stored."""
    engine = make_engine(database_url())
    try:
        upgrade(engine)
        with user_errors(), engine.begin() as conn:
            try:
                yield conn
            except (MovementError, Refusal, LedgerMissing, NothingStored) as exc:
                fail(str(exc).strip("'\""))
    except OperationalError as exc:
        fail(f"database: {exc.orig or exc}", code=1)
    finally:
        engine.dispose()


def _step(at: str, actor: str | None) -> service.Step:
    who = actor or os.environ.get("ACCORD_ACTOR") or os.environ.get("USER") or "cli"
    try:
        check_name(who)
    except ValueError as exc:
        fail(f"--actor: {exc}")
    return service.Step(parse_instant(at, "--at"), who)


def _ledger(conn: Connection) -> Ledger:
    return open_ledger(conn)


@flight_app.command("add")
def flight_add(
    file: Path = typer.Argument(..., help="An accord.flight/1 file."),
    at: str | None = typer.Option(None, "--at", help="When the flights are recorded (default: now)."),
    actor: str | None = ACTOR,
) -> None:
    """Validate FILE against the stored world and store its flights."""
    with user_errors():
        document = load_flight_file(file)
    step = _step(at or datetime.now(UTC).isoformat(), actor)
    with _transaction() as conn:
        added = service.add_flights(conn, document.flights, step)
    for flight in document.flights:
        state = "added" if flight.id in added else "unchanged"
        console.print(
            f"{state} {flight.id}: {flight.seats} seats, {len(flight.legs)} legs, "
            f"departs {rfc3339(flight.scheduled_departure)}",
            markup=False,
        )


@manifest_app.command("plan")
def manifest_plan(
    flights: list[str] = typer.Argument(..., help="One or more flight ids, planned together."),
    at: str = typer.Option(..., "--at", help="Plan with the world as known at this instant."),
    apply: bool = typer.Option(False, "--apply", help="Create draft manifests from the plan."),
    time_limit: float = typer.Option(8.0, "--time-limit", min=0.1, max=3600, help="Seconds the solver may use."),
    actor: str | None = ACTOR,
) -> None:
    """Choose people allowed at each flight's scheduled departure, within seats and agreement places."""
    step = _step(at, actor)
    with _transaction() as conn:
        report = service.plan_flights(conn, flights, step.at, time_limit, reserve=apply)
        if apply:
            service.apply_plan(conn, report, step)
    result = report.plan
    console.print(
        f"plan: {len(result.assignment)} placed, objective {result.objective}, bound {result.bound}, "
        f"gap {result.gap:.4%} ({result.status})",
        markup=False,
    )
    for agreement, places in sorted(report.places.items()):
        console.print(f"  {agreement}: {places} places left before this plan", markup=False)
    if report.recheck_before_boarding:
        console.print(
            "recheck_before_boarding: planned more than 24 h before departure; everyone is decided "
            "again at lock and at boarding",
            markup=False,
        )
    table = Table("person", "flight", "leg", "priority")
    for placement in report.placements:
        table.add_row(placement.person, placement.flight, str(placement.leg), str(placement.priority))
    console.print(table)
    if report.left_off:
        left = Table("left off", "reason", "detail", title="left off")
        for item in report.left_off:
            left.add_row(item.person, item.reason, item.detail)
        console.print(left)
    console.print("draft manifests created" if apply else "(dry run: --apply creates the draft manifests)")


@manifest_app.command("lock")
def manifest_lock(flight: str = typer.Argument(...), at: str = AT, actor: str | None = ACTOR) -> None:
    """Re-decide everyone at the scheduled departure; strike the blocked and those beyond capacity."""
    with _transaction() as conn:
        report = service.lock(conn, flight, _step(at, actor))
    console.print(f"locked {flight}: {len(report.kept)} kept, {len(report.struck)} struck", markup=False)
    for struck in report.struck:
        console.print(f"  struck {struck.person}: {struck.reason.value}: {struck.detail}", markup=False)


@manifest_app.command("show")
def manifest_show(flight: str = typer.Argument(...)) -> None:
    """The manifest's state and every person on it."""
    with _transaction() as conn:
        shown = service.show_manifest(conn, flight)
    console.print(
        f"{flight}: {shown.state_name}, legs departed {shown.manifest.departed_legs}, "
        f"arrived {shown.manifest.arrived_legs} of {shown.manifest.legs}",
        markup=False,
    )
    table = Table("person", "leg", "status", "strike reason")
    for p in sorted(shown.manifest.passengers.values(), key=lambda p: p.person):
        table.add_row(p.person, str(p.leg), p.status.value, p.strike_reason.value if p.strike_reason else "")
    console.print(table)


@manifest_app.command("close")
def manifest_close(flight: str = typer.Argument(...), at: str = AT, actor: str | None = ACTOR) -> None:
    """Close an arrived manifest once nobody is left with the escort."""
    with _transaction() as conn:
        service.close(conn, flight, _step(at, actor))
    console.print(f"closed {flight}", markup=False)


def board(
    flight: str = typer.Argument(...),
    person: str = typer.Option(..., "--person"),
    identity: str = typer.Option(..., "--identity", help="The identity reference presented (e.g. A-number)."),
    at: str = AT,
    actor: str | None = ACTOR,
) -> None:
    """Re-decide at this instant and check identity; board, or strike (exit 1) with the reason."""
    with _transaction() as conn:
        outcome = service.board(conn, _ledger(conn), flight, person, identity, _step(at, actor))
    if outcome.boarded:
        console.print(
            f"boarded {person} on {flight} (ledger entry {outcome.ledger_index}): {outcome.detail}", markup=False
        )
        return
    console.print(f"NOT boarded {person} on {flight}: {outcome.detail}", markup=False)
    raise typer.Exit(1)


def depart(flight: str = typer.Argument(...), at: str = AT, actor: str | None = ACTOR) -> None:
    """The next leg departs; people planned but not boarded are struck."""
    with _transaction() as conn:
        no_shows = service.depart(conn, flight, _step(at, actor))
    console.print(
        f"departed {flight}" + (f"; struck as not boarded: {', '.join(no_shows)}" if no_shows else ""), markup=False
    )


def arrive(
    flight: str = typer.Argument(...),
    leg: int = typer.Option(..., "--leg", min=1, max=MAX_LEGS),
    at: str = AT,
    actor: str | None = ACTOR,
) -> None:
    """The leg arrives; each handover is decided again now and refused when blocked."""
    with _transaction() as conn:
        report = service.arrive(conn, _ledger(conn), flight, leg, _step(at, actor))
    for outcome in report.outcomes:
        if outcome.handed_over:
            console.print(
                f"handed over {outcome.person} (ledger entry {outcome.ledger_index}, basis {outcome.legal_basis})",
                markup=False,
            )
        else:
            console.print(f"REFUSED {outcome.person}: return_required: {outcome.detail}", markup=False)
    if report.return_leg:
        console.print(f"return leg proposed: {report.return_leg}", markup=False)


def return_command(
    flight: str = typer.Argument(..., help="The flight the person was flown out on."),
    person: str = typer.Option(..., "--person"),
    at: str = AT,
    actor: str | None = ACTOR,
) -> None:
    """Bring back someone marked return_required, with a co-signed handover to the flight's detention custodian.

    They were refused at arrival, or a court order required their return after the handover. Whoever
    holds them now (the receiving custodian, or the escort) and the detention custodian both sign; their
    place under the agreement is freed and their fees stop. Anyone not return_required is refused."""
    with _transaction() as conn:
        returned = service.return_person(conn, _ledger(conn), flight, person, _step(at, actor))
    console.print(
        f"returned {returned.person}: {returned.from_custodian} -> {returned.to_custodian} "
        f"(ledger entry {returned.ledger_index})",
        markup=False,
    )


@court_order_app.command("record")
def court_order_record(
    file: Path = typer.Argument(..., help="A YAML file holding one court order (world-file fields)."),
    at: str = AT,
    actor: str | None = ACTOR,
) -> None:
    """Store the order and, in the same transaction, strike, hold or flag everyone it now blocks."""
    with user_errors():
        order = load_court_order_file(file)
    with _transaction() as conn:
        ledger = _ledger(conn) if service.ledger_exists(conn) else None
        affected = record_court_order(conn, ledger, order, _step(at, actor), str(file))
    console.print(f"recorded {order.id}: {len(affected)} people affected", markup=False)
    for item in affected:
        console.print(f"  {item.person} on {item.flight}: {item.action}: {item.detail}", markup=False)


def status(
    person: str = typer.Option(..., "--person"),
    at: str | None = typer.Option(None, "--at", help="As of this instant (default: now)."),
) -> None:
    """Where the person is, under whose custody, on which manifest, and the last decision's reasons."""
    instant = parse_instant(at, "--at") if at else datetime.now(UTC)
    with _transaction() as conn:
        ledger = _ledger(conn) if service.ledger_exists(conn) else None
        shown = person_status(conn, ledger, person, instant)
    for line in shown.lines():
        console.print(line, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(flight_app, name="flight")
    app.add_typer(manifest_app, name="manifest")
    app.add_typer(court_order_app, name="court-order")
    app.command("board")(board)
    app.command("depart")(depart)
    app.command("arrive")(arrive)
    app.command("return")(return_command)
    app.command("status")(status)
