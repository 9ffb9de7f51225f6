"""`accord synth`: write a synthetic bulk caseload directory (docs/bulk-format.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from accord.cli.common import FORCE, console, err_console, fail, user_errors


@contextmanager
def caseload_progress(description: str, total: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (gone when done) for work over a caseload: the callback takes (people
    just done, people in all) and is safe to call from worker threads. Not on a terminal (a pipe, a
    log), nothing is written at all."""
    if not err_console.is_terminal:
        yield _ignore
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(done: int, everyone: int) -> None:
            bar.update(task, total=everyone, advance=done)

        yield advance


def _ignore(done: int, everyone: int) -> None:
    """Progress nobody is watching."""


def synth(
    people: int = typer.Option(..., "--people", min=1, max=1_000_000_000, help="How many people to generate."),
    seed: int = typer.Option(
        0, "--seed", min=0, max=2**63 - 1, help="Random seed: the same seed gives the same caseload."
    ),
    out: Path = typer.Option(..., "--out", help="The directory to write (world.yaml and Parquet files)."),
    force: bool = FORCE,
) -> None:
    """Generate a synthetic caseload whose mix follows FY2024 removals and that exercises every gate."""
    from accord.rules.synth import synthesize

    if out.exists() and not out.is_dir():
        fail(f"--out: {out} exists and is not a directory")
    with user_errors(), caseload_progress("synth", people) as advance:
        synthesize(out, people, seed, progress=lambda n: advance(n, people), overwrite=force)
    console.print(f"[green]wrote[/green] {people} people to {out}")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
