"""`accord demo`: the main job on the reference world, end to end, on the configured database."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table

from accord.cli.common import console, database_url, user_errors
from accord.domain.time import zone
from accord.rules.decision import DecisionSet
from accord.rules.interpreter import decide
from accord.store import import_document, load_world, summary, upgrade
from accord.store.engine import make_engine
from accord.store.reader import Summary
from accord.world import load_world_file

REFERENCE_WORLD = Path("examples/us-slv-2025.yaml")
# The reference world is the state of knowledge on the morning of 2025-03-14: import it as learnt then,
# so that decisions "as known at" the evening of 2025-03-15 see it.
LEARNT = datetime.fromisoformat("2025-03-14T09:00:00-04:00")
EVENING = datetime.fromisoformat("2025-03-15T19:30:00-04:00")
DISPLAY_ZONE = "America/New_York"


def demo(
    world_file: Path = typer.Argument(REFERENCE_WORLD, help="The world to run (default: the reference world)."),
) -> None:
    """Import the reference world into the database (ACCORD_DATABASE_URL), summarise it, decide who could
    lawfully be moved on the evening of 2025-03-15 and why the others could not."""
    with user_errors():
        document = load_world_file(world_file)
    engine = make_engine(database_url())
    upgrade(engine)
    with engine.begin() as connection:
        import_document(connection, document, now=LEARNT, source=str(world_file))
    with engine.connect() as connection:
        stored = summary(connection)
        world = load_world(connection, known_at=EVENING)
    console.print(Panel.fit(document.title or str(world_file), title="Accord demo"))
    _print_summary(stored)
    _print_decisions(decide(world, EVENING))
    engine.dispose()


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
    movable = [d for d in decisions.decisions if any(p.status == "allowed" for p in d.pathways)]
    console.print(
        f"\n[bold]{decisions.as_of.isoformat()}[/bold] (era {decisions.era}): "
        f"[green]{len(movable)}[/green] of {len(decisions.decisions)} people could lawfully be moved."
    )
    by_pathway: Counter[tuple[str, str, str]] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    for decision in decisions.decisions:
        for pathway in decision.pathways:
            by_pathway[(pathway.kind, pathway.destination, pathway.status)] += 1
            for reason in pathway.reasons:
                reasons[(pathway.kind, reason.code)] += 1
    table = Table(title="Pathways by outcome", title_justify="left")
    for column in ("pathway", "to", "allowed", "blocked"):
        table.add_column(column, justify="right" if column in {"allowed", "blocked"} else "left")
    for kind, destination in sorted({(k, d) for k, d, _ in by_pathway}):
        table.add_row(kind, destination, str(by_pathway[(kind, destination, "allowed")]),
                      str(by_pathway[(kind, destination, "blocked")]))
    console.print(table)
    blocking = Table(title="Why the others could not be moved (reasons, per pathway kind)", title_justify="left")
    blocking.add_column("pathway")
    blocking.add_column("reason")
    blocking.add_column("pathways blocked", justify="right")
    for (kind, code), count in sorted(reasons.items(), key=lambda kv: (kv[0][0], -kv[1])):
        blocking.add_row(kind, code, str(count))
    console.print(blocking)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
