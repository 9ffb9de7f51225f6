"""`accord synth`: write a synthetic bulk caseload directory (docs/bulk-format.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from accord.cli.common import console, fail


def synth(
    people: int = typer.Option(..., "--people", help="How many people to generate."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same caseload."),
    out: Path = typer.Option(..., "--out", help="The directory to write (world.yaml and Parquet files)."),
) -> None:
    """Generate a synthetic caseload whose mix follows FY2024 removals and that exercises every gate."""
    from accord.rules.synth import synthesize

    if people < 1:
        fail("--people: must be at least 1")
    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")
    columns = (TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("people", total=people)
        synthesize(out, people, seed, progress=lambda n: progress.advance(task, n))
    console.print(f"[green]wrote[/green] {people} people to {out}")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
