"""`accord audit ...`: what the record says about how it was written (docs/integrity.md)."""

from __future__ import annotations

import typer

from accord.cli.common import console, database_url, user_errors
from accord.domain.time import rfc3339
from accord.services.movements_repository import late_entries
from accord.store.engine import make_engine
from accord.store.migrate import upgrade

audit_app = typer.Typer(help="Audit trails: late entries.", no_args_is_help=True)


@audit_app.command("late-entries")
def late_entries_command(person: str | None = typer.Option(None, "--person", help="Only about this person.")) -> None:
    """Every movement step recorded after events it claims to precede: who recorded it, when it
    happened and when it was recorded, why it came late, and what it did."""
    engine = make_engine(database_url())
    try:
        upgrade(engine)
        with user_errors(), engine.connect() as conn:
            found = late_entries(conn, person)
    finally:
        engine.dispose()
    if not found:
        console.print("no late entries", markup=False)
        return
    for e in found:
        who = f" of {e.person_id}" if e.person_id else ""
        console.print(
            f"{e.flight_id} #{e.seq} {e.kind}{who}: happened {rfc3339(e.occurred_at)}, recorded "
            f"{rfc3339(e.recorded_at)} by {e.actor}; late because: {e.reason}; it did: {e.detail or '-'}",
            markup=False,
        )
    console.print(f"{len(found)} late entr{'y' if len(found) == 1 else 'ies'}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
