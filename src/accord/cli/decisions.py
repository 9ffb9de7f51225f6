"""`accord decisions list|replay`: the decisions stored in the database, and whether each one comes out the
same when it is made again from the record as it was known then (docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import Connection

from accord.cli.common import console, database_url, fail
from accord.domain.time import rfc3339
from accord.store.tables_decisions import StoredDecision

decisions_app = typer.Typer(
    help="Stored decisions: list them, and replay them to check that the record and the rules still give them."
)

PERSON = typer.Option(None, "--person", help="Only this person's decisions (repeatable).")
DECISION = typer.Option(None, "--id", help="Only the decision with this content id (repeatable).")


@contextmanager
def _stored(persons: list[str] | None, ids: list[str] | None) -> Iterator[tuple[Connection, list[StoredDecision]]]:
    """The stored decisions asked for (all when neither --person nor --id), oldest first."""
    from accord.store.migrate import upgrade
    from accord.store.tables_decisions import stored_decisions
    from accord.store.unit_of_work import UnitOfWork

    with UnitOfWork(database_url()) as uow:
        upgrade(uow.engine)
        found = stored_decisions(uow.connection, decision_ids=ids or None)
        if persons:
            found = [d for d in found if d.person in set(persons)]
        if not found:
            fail("no stored decision matches (decisions are stored by `accord decide db` and by movements)")
        yield uow.connection, found


@decisions_app.command("list")
def list_command(person: list[str] | None = PERSON, decision: list[str] | None = DECISION) -> None:
    """One line per stored decision: its content id, for whom, as of and as known at which instants, when
    it was made, under which pack and era, and how many of its pathways were allowed."""
    with _stored(person, decision) as (_, found):
        for d in found:
            pathways = d.body.get("pathways")
            statuses = [p.get("status") for p in pathways if isinstance(p, dict)] if isinstance(pathways, list) else []
            console.print(
                f"{d.decision_id[:12]} {d.person} as of {rfc3339(d.as_of)} known at {rfc3339(d.known_at)} "
                f"decided {rfc3339(d.decided_at)} {d.rule_pack}/{d.era or 'no era'} "
                f"allowed {statuses.count('allowed')} of {len(statuses)}",
                markup=False,
                highlight=False,
            )


@decisions_app.command("replay")
def replay_command(person: list[str] | None = PERSON, decision: list[str] | None = DECISION) -> None:
    """Make each stored decision again from the world as it was known then, with the pack of the same
    name, and compare: the hash of the inputs, the era, every pathway's status, reasons and warnings, and
    the content id (which a handover's legal basis cites). One line per decision, the differences under
    it, then a count; exit 1 when any decision differs."""
    from accord.services.replay import replay_decisions

    with _stored(person, decision) as (connection, found):
        replays = replay_decisions(connection, found)
    for replay in replays:
        d = replay.stored
        verdict = "same   " if replay.same else "DIFFERS"
        console.print(
            f"{verdict} {d.decision_id[:12]} {d.person} as of {rfc3339(d.as_of)} known at {rfc3339(d.known_at)}",
            markup=False,
            highlight=False,
        )
        for difference in replay.differences:
            console.print(f"    {difference}", markup=False, highlight=False)
    differing = sum(1 for r in replays if not r.same)
    console.print(f"{len(replays)} replayed: {len(replays) - differing} same, {differing} differ", markup=False)
    raise typer.Exit(1 if differing else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(decisions_app, name="decisions")
