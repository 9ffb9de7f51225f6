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

from accord.cli.common import clock_skew, console, database_url, fail, parse_instant, system_clock, user_errors
from accord.domain.errors import AccordError
from accord.domain.limits import MAX_LEGS, check_name
from accord.domain.time import rfc3339
from accord.ledger.repository import LedgerMissing
from accord.ledger.rules import Refusal
from accord.ledger.service import Ledger, open_ledger
from accord.movements.files import load_court_order_file, load_flight_file
from accord.movements.manifest import MovementError
from accord.services import movements as service
from accord.services.court_orders import (
    OrderEffects,
    amend_court_order,
    court_order_history,
    lift_court_order,
    record_court_order,
)
from accord.services.movements_status import person_status
from accord.services.steps import Step, begin_step
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.store.records import NothingStored

flight_app = typer.Typer(help="Flights (accord.flight/1 files, docs/movements.md).")
manifest_app = typer.Typer(help="Manifests: plan, lock, show, close.")
court_order_app = typer.Typer(help="Court orders, which take effect at once on open manifests and flights.")

AT = typer.Option(
    ...,
    "--at",
    help="When the step happened (RFC 3339 with offset). Accord records it at its own clock's instant; "
    "an --at later than that is refused.",
)
ACTOR = typer.Option(None, "--actor", help="Who records the step (default: $ACCORD_ACTOR or $USER).")
LATE = typer.Option(
    None,
    "--late-entry",
    help="REASON: record a step that happened before events already recorded for the flight or person "
    "(refused without it). It is decided as known now, marked, and listed by `accord audit late-entries`.",
)


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
            except (MovementError, Refusal, LedgerMissing, NothingStored, AccordError) as exc:
                fail(str(exc).strip("'\""))
    except OperationalError as exc:
        fail(f"database: {exc.orig or exc}", code=1)
    finally:
        engine.dispose()


def _step(conn: Connection, at: str | None, actor: str | None, late_entry: str | None = None) -> Step:
    """The step of this command: `--at` as given (None: now), stamped with the recording clock."""
    who = actor or os.environ.get("ACCORD_ACTOR") or os.environ.get("USER") or "cli"
    try:
        check_name(who)
    except ValueError as exc:
        fail(f"--actor: {exc}")
    occurred = parse_instant(at, "--at") if at is not None else None
    return begin_step(conn, system_clock(), occurred, who, late_entry=late_entry, skew=clock_skew())


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
    with _transaction() as conn:
        added = service.add_flights(conn, document.flights, _step(conn, at, actor))
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
    at: str = typer.Option(..., "--at", help="When the plan is made (RFC 3339 with offset)."),
    apply: bool = typer.Option(False, "--apply", help="Create draft manifests from the plan."),
    time_limit: float = typer.Option(8.0, "--time-limit", min=0.1, max=3600, help="Seconds the solver may use."),
    actor: str | None = ACTOR,
    late_entry: str | None = LATE,
) -> None:
    """Choose people allowed at each flight's scheduled departure (as known now), within seats and
    agreement places; --at is when the plan is made."""
    with _transaction() as conn:
        step = _step(conn, at, actor, late_entry)
        report = service.plan_flights(conn, flights, step, time_limit, reserve=apply)
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
def manifest_lock(
    flight: str = typer.Argument(...), at: str = AT, actor: str | None = ACTOR, late_entry: str | None = LATE
) -> None:
    """Re-decide everyone at the scheduled departure; strike the blocked and those beyond capacity."""
    with _transaction() as conn:
        report = service.lock(conn, flight, _step(conn, at, actor, late_entry))
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
def manifest_close(
    flight: str = typer.Argument(...), at: str = AT, actor: str | None = ACTOR, late_entry: str | None = LATE
) -> None:
    """Close an arrived manifest once nobody is left with the escort."""
    with _transaction() as conn:
        service.close(conn, flight, _step(conn, at, actor, late_entry))
    console.print(f"closed {flight}", markup=False)


def board(
    flight: str = typer.Argument(...),
    person: str = typer.Option(..., "--person"),
    identity: str = typer.Option(..., "--identity", help="The identity reference presented (e.g. A-number)."),
    at: str = AT,
    actor: str | None = ACTOR,
    late_entry: str | None = LATE,
) -> None:
    """Re-decide at this instant (as known now) and check identity; board, or strike (exit 1) with the reason."""
    with _transaction() as conn:
        outcome = service.board(conn, _ledger(conn), flight, person, identity, _step(conn, at, actor, late_entry))
    if outcome.boarded:
        console.print(
            f"boarded {person} on {flight} (ledger entry {outcome.ledger_index}): {outcome.detail}", markup=False
        )
        return
    console.print(f"NOT boarded {person} on {flight}: {outcome.detail}", markup=False)
    raise typer.Exit(1)


def depart(
    flight: str = typer.Argument(...), at: str = AT, actor: str | None = ACTOR, late_entry: str | None = LATE
) -> None:
    """The next leg departs; people planned but not boarded are struck."""
    with _transaction() as conn:
        no_shows = service.depart(conn, flight, _step(conn, at, actor, late_entry))
    console.print(
        f"departed {flight}" + (f"; struck as not boarded: {', '.join(no_shows)}" if no_shows else ""), markup=False
    )


def arrive(
    flight: str = typer.Argument(...),
    leg: int = typer.Option(..., "--leg", min=1, max=MAX_LEGS),
    at: str = AT,
    actor: str | None = ACTOR,
    late_entry: str | None = LATE,
) -> None:
    """The leg arrives; each handover is decided again (as of --at, as known now) and refused when
    blocked; anyone held in flight by a court order is refused."""
    with _transaction() as conn:
        report = service.arrive(conn, _ledger(conn), flight, leg, _step(conn, at, actor, late_entry))
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
    late_entry: str | None = LATE,
) -> None:
    """Bring back someone marked return_required, with a co-signed handover to the flight's detention custodian.

    They were refused at arrival, or a court order required their return after the handover. Whoever
    holds them now (the receiving custodian, or the escort) and the detention custodian both sign; their
    place under the agreement is freed and their fees stop. Anyone not return_required is refused."""
    with _transaction() as conn:
        returned = service.return_person(conn, _ledger(conn), flight, person, _step(conn, at, actor, late_entry))
    console.print(
        f"returned {returned.person}: {returned.from_custodian} -> {returned.to_custodian} "
        f"(ledger entry {returned.ledger_index})",
        markup=False,
    )


@court_order_app.command("record")
def court_order_record(
    file: Path = typer.Argument(..., help="A YAML file holding one court order (world-file fields)."),
    at: str = typer.Option(..., "--at", help="When the order was entered (RFC 3339 with offset)."),
    actor: str | None = ACTOR,
) -> None:
    """Store the order and, in the same transaction, strike, hold or flag everyone it now blocks.

    The same order again is a no-op; the same id with different terms is refused (exit 2): an order is
    never replaced, only amended (`court-order amend`) or lifted (`court-order lift`)."""
    with user_errors():
        order = load_court_order_file(file)
    with _transaction() as conn:
        ledger = _ledger(conn) if service.ledger_exists(conn) else None
        effects = record_court_order(conn, ledger, order, _step(conn, at, actor), str(file))
    _print_effects(effects)


@court_order_app.command("amend")
def court_order_amend(
    order_id: str = typer.Argument(..., metavar="ID", help="The recorded order that the new one amends."),
    file: Path = typer.Argument(..., help="The amending order (its own id; binding_from: when it binds)."),
    at: str = typer.Option(..., "--at", help="When the amending order was entered."),
    actor: str | None = ACTOR,
) -> None:
    """Record an amending order: ID ends where the new order binds, the new one takes effect at once,
    and holds no order still justifies are released. Both stay queryable (`court-order show`)."""
    with user_errors():
        order = load_court_order_file(file)
    with _transaction() as conn:
        ledger = _ledger(conn) if service.ledger_exists(conn) else None
        effects = amend_court_order(conn, ledger, order_id, order, _step(conn, at, actor), str(file))
    _print_effects(effects)


@court_order_app.command("lift")
def court_order_lift(
    order_id: str = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(..., "--reason", help="Why: the lifting order, its docket entry."),
    at: str = typer.Option(..., "--at", help="When the lifting binds: the order ends at this instant."),
    actor: str | None = ACTOR,
) -> None:
    """End an order at --at, with its reason, and list the holds released (people in flight whom no
    other order covers: their arrival decides them again)."""
    with _transaction() as conn:
        effects = lift_court_order(conn, order_id, reason, _step(conn, at, actor))
    _print_effects(effects)


@court_order_app.command("show")
def court_order_show(
    order_id: str = typer.Argument(..., metavar="ID"),
    known_at: str | None = typer.Option(None, "--known-at", help="The order as Accord knew it then."),
) -> None:
    """The order's terms (as known now, or at --known-at), every stored version and every event."""
    instant = parse_instant(known_at, "--known-at") if known_at else None
    with _transaction() as conn:
        history = court_order_history(conn, order_id, instant)
    for line in history.lines():
        console.print(line, markup=False)


def _print_effects(effects: OrderEffects) -> None:
    if effects.action == "unchanged":
        console.print(f"{effects.order}: already recorded with the same terms; nothing changed", markup=False)
        return
    console.print(
        f"{effects.action} {effects.order}: {len(effects.affected)} people affected, {len(effects.released)} released",
        markup=False,
    )
    for item in (*effects.affected, *effects.released):
        console.print(f"  {item.person} on {item.flight}: {item.action}: {item.detail}", markup=False)


def status(
    person: str = typer.Option(..., "--person"),
    at: str | None = typer.Option(None, "--at", help="As of this instant (default: now)."),
) -> None:
    """Where the person is, under whose custody, on which manifest, the last decision's reasons, and the
    late entries about them."""
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
