"""`accord demo`: the main job on the reference world, end to end, on the configured database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table

from accord.billing.invoice import InvoiceSet, format_minor
from accord.billing.months import Month
from accord.billing.preview import bill_periods
from accord.cli.common import console, database_url, fail, system_clock, user_errors
from accord.cli.outcomes import outcome_tables
from accord.cli.reports import print_shipped_reports
from accord.domain.time import zone
from accord.ledger.export import export_ledger, trusted_keys
from accord.ledger.rules import Refusal
from accord.ledger.service import open_ledger
from accord.ledger.verify import verify_export
from accord.movements.manifest import MovementError
from accord.rules.decision import DecisionSet
from accord.rules.interpreter import decide
from accord.rules.outcomes import Outcomes
from accord.services.custody import billing_periods
from accord.services.evening import run_evening
from accord.services.flight_costs import billing_flights
from accord.services.replay import replay_decisions
from accord.store import load_world, summary
from accord.store.engine import make_engine
from accord.store.reader import Summary
from accord.store.tables_decisions import stored_decisions
from accord.world import load_world_file

REFERENCE_WORLD = Path("examples/us-slv-2025.yaml")
FLIGHTS = Path("examples/flights/evening-2025-03-15.yaml")
COURT_ORDER = Path("examples/court-orders/jgg-tro-class.yaml")
LEDGER_EXPORT = Path("accord-demo-ledger")
EVENING = datetime.fromisoformat("2025-03-15T19:30:00-04:00")
AGREEMENT = "US-SLV-2025"
BILLED_MONTHS = ("2025-03", "2025-04")
REPORTS_AS_OF = datetime.fromisoformat("2025-07-31T23:59:00-04:00")  # the evening and the months after
REPORT_CHARTS = Path("accord-demo-reports")
DISPLAY_ZONE = "America/New_York"


def demo(
    world_file: Path = typer.Argument(REFERENCE_WORLD, help="The world to run (default: the reference world)."),
    flights_file: Path = typer.Option(FLIGHTS, "--flights", help="The evening's flights (accord.flight/1)."),
    order_file: Path = typer.Option(COURT_ORDER, "--court-order", help="The court order recorded that evening."),
    export_dir: Path = typer.Option(LEDGER_EXPORT, "--ledger-export", help="Where the ledger export is written."),
    charts_dir: Path = typer.Option(REPORT_CHARTS, "--report-charts", help="Where the reports' charts are written."),
) -> None:
    """The main job on the configured database (ACCORD_DATABASE_URL), from an empty one: import the
    reference world, decide who could lawfully be moved on the evening of 2025-03-15 and why the others
    could not, replay the evening (plan, lock, board, depart, the class order, arrive) with every
    handover co-signed in the custody ledger, verify the ledger offline, and bill the agreement from it."""
    url = database_url()
    with user_errors(), _movement_errors():
        outcome = run_evening(url, world_file, flights_file, order_file)
    engine = make_engine(url)
    with engine.connect() as connection:
        stored = summary(connection)
        world = load_world(connection)  # as known now: the class order recorded that evening included
        ledger = open_ledger(connection)
        export_ledger(connection, ledger, export_dir)
        keys = trusted_keys(connection, ledger)
        periods = billing_periods(connection, world, AGREEMENT)
        flights = billing_flights(connection, world, AGREEMENT)
        replays = replay_decisions(connection, stored_decisions(connection))
    engine.dispose()
    console.print(Panel.fit(load_world_file(world_file).title or str(world_file), title="Accord demo"))
    _print_summary(stored)
    _print_decisions(decide(world, EVENING, known_at=system_clock().now()))
    console.rule("The evening of 2025-03-15, step by step")
    for line in outcome.lines():
        console.print(line, markup=False, highlight=False)
    console.rule("Custody ledger and stored decisions")
    report = verify_export(export_dir, keys)
    console.print(
        f"exported to {export_dir}/ and verified offline: {report.size} entries, root "
        f"{report.root.hex()[:16]}..., " + ", ".join(f"{n} {k}" for k, n in sorted(report.kinds.items()))
    )
    differing = sum(1 for r in replays if not r.same)
    console.print(
        f"every decision the evening stored, made again from the record as known then: {len(replays)} replayed, "
        f"{len(replays) - differing} the same, {differing} different (`accord decisions replay`)"
    )
    console.rule(f"Fees under {AGREEMENT}, from the custody ledger and the flights flown")
    invoices = bill_periods(world, AGREEMENT, periods or (), BILLED_MONTHS[0], BILLED_MONTHS[-1], flights)
    _print_invoices(invoices)
    console.rule("Reports (cells of fewer than 5 people suppressed), 2025-03 to 2025-07")
    print_shipped_reports(url, REPORTS_AS_OF, Month.parse(BILLED_MONTHS[0]), Month.parse("2025-07"), charts_dir)


def _print_invoices(invoices: InvoiceSet) -> None:
    """Month totals only: `accord bill db --agreement ... --format table` shows every line."""
    table = Table(title=f"{invoices.payee} invoices {invoices.payer} ({invoices.currency})", title_justify="left")
    for column in ("month", "custody lines", "flight lines", "total"):
        table.add_column(column, justify="left" if column == "month" else "right")
    for invoice in invoices.invoices:
        kinds = Counter(line.kind for line in invoice.lines)
        flights = str(kinds["flight"])
        custody = str(len(invoice.lines) - kinds["flight"])
        table.add_row(str(invoice.month), custody, flights, format_minor(invoice.total, invoices.currency))
    table.add_row("all", "", "", format_minor(invoices.total, invoices.currency))
    console.print(table)


@contextmanager
def _movement_errors() -> Iterator[None]:
    try:
        yield
    except (MovementError, Refusal, ValueError) as exc:
        fail(str(exc))


def _print_summary(stored: Summary) -> None:
    agreements = Table(title="Agreements", title_justify="left")
    for column in ("id", "sending", "receiving", "facility", "versions", "latest status"):
        agreements.add_column(column)
    for a in stored.agreements:
        agreements.add_row(a.id, a.sending, a.receiving, a.facility or "", str(a.versions), a.latest_status)
    facilities = Table(title="Facilities", title_justify="left")
    for column in ("id", "country", "kind", "capacity"):
        facilities.add_column(column)
    for f in stored.facilities:
        facilities.add_row(f.id, f.country, f.kind, f"{f.capacity:,}" if f.capacity is not None else "")
    people = Table(title=f"People ({stored.persons}) by nationality and status", title_justify="left")
    people.add_column("nationality")
    people.add_column("status")
    people.add_column("people", justify="right")
    for (nationality, status), count in sorted(stored.people.items(), key=lambda kv: (-kv[1], kv[0])):
        people.add_row(nationality, status, str(count))
    orders = Table(title="Court orders", title_justify="left")
    for column in ("id", "effect", "binding from", "until"):
        orders.add_column(column)
    for o in stored.court_orders:
        orders.add_row(o.id, o.effect, _local(o.binding_from), _local(o.until) if o.until else "open")
    for table in (agreements, facilities, people, orders):
        console.print(table)


def _local(instant: datetime) -> str:
    """Court orders are shown on the clock of the court that made them (the sending state's pack zone)."""
    return instant.astimezone(zone(DISPLAY_ZONE)).isoformat(timespec="minutes")


def _print_decisions(decisions: DecisionSet) -> None:
    outcomes = Outcomes.of_decisions(decisions)
    console.print(
        f"\n[bold]{decisions.as_of.isoformat()}[/bold], as known now (era {decisions.era}): "
        f"[green]{outcomes.movable}[/green] of {outcomes.persons} people could lawfully be moved."
    )
    for table in outcome_tables(outcomes):
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
