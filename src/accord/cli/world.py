"""`accord world check` and `accord schema world`: the interchange format without a database."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from accord.cli.common import console, fail_located
from accord.world import WorldDocument, WorldInvalid
from accord.world.stream import stream_world_file

world_app = typer.Typer(help="Validate world files (accord.world/1) without touching a database.")
schema_app = typer.Typer(help="Print the JSON Schema of Accord's file formats.")


@world_app.command("check")
def check(files: list[Path] = typer.Argument(..., help="World files to validate.")) -> None:
    """Validate each FILE: every error as FILE:LINE: field.path: message; exit 2 when any is invalid."""
    errors = []
    for file in files:
        try:
            streamed = stream_world_file(file, _discard)  # persons checked one by one, not kept
        except WorldInvalid as exc:
            errors.extend(exc.errors)
            continue
        document, world = streamed.document, streamed.document.world
        console.print(
            f"[green]ok[/green] {file}: {streamed.persons} persons, {len(world.agreements)} agreements, "
            f"{len(world.court_orders)} court orders, {len(document.checks)} checks"
        )
    if errors:
        fail_located(errors)


def _discard(people: object) -> None:
    """`world check` only validates the persons."""


@schema_app.command("world")
def schema_world() -> None:
    """Print the JSON Schema of an accord.world/1 document."""
    schema = WorldDocument.model_json_schema(by_alias=True)
    typer.echo(json.dumps(schema, indent=2))


def register(app: typer.Typer) -> None:
    app.add_typer(world_app, name="world")
    app.add_typer(schema_app, name="schema")
