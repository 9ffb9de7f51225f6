"""The caseload view of decisions as tables: pathways by outcome, and why the others could not be moved
(`accord demo`, `accord decide DIR --format table`)."""

from __future__ import annotations

from rich.table import Table

from accord.rules.outcomes import Outcomes


def outcome_tables(outcomes: Outcomes) -> list[Table]:
    pathways = Table(title="Pathways by outcome", title_justify="left")
    for column in ("pathway", "to", "allowed", "blocked"):
        pathways.add_column(column, justify="right" if column in {"allowed", "blocked"} else "left")
    for kind, destination, allowed, blocked in outcomes.pathways():
        pathways.add_row(kind, destination, f"{allowed:,}", f"{blocked:,}")
    blocking = Table(title="Why the others could not be moved (reasons, per pathway kind)", title_justify="left")
    blocking.add_column("pathway")
    blocking.add_column("reason")
    blocking.add_column("pathways blocked", justify="right")
    for kind, code, count in outcomes.blocking():
        blocking.add_row(kind, code, f"{count:,}")
    return [pathways, blocking]
