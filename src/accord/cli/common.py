"""What every command shares: consoles, the exit codes, instant parsing, error reporting, and the checks on
the files a command writes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from accord.domain.errors import AccordError
from accord.domain.time import check_plausible
from accord.files import OutputRefused, refuse_existing, refuse_protected
from accord.services.clock import Clock, SystemClock
from accord.services.steps import DEFAULT_SKEW
from accord.world.yamlsource import LocatedError

console = Console(soft_wrap=True)  # ids and legal bases are data: never break them across lines
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_INVALID = 2
DEFAULT_DATABASE_URL = "sqlite:///./accord.db"


FORCE = typer.Option(False, "--force", help="Replace the output file(s) if they exist.")


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2, never a traceback."""


def database_url() -> str:
    return os.environ.get("ACCORD_DATABASE_URL", DEFAULT_DATABASE_URL)


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def fail_located(errors: Iterable[LocatedError]) -> NoReturn:
    errors = list(errors)
    for error in errors:
        err_console.print(str(error), markup=False)
    err_console.print(f"{len(errors)} error{'s' if len(errors) != 1 else ''}", markup=False)
    raise typer.Exit(EXIT_INVALID)


def parse_instant(text: str, option: str = "--as-of") -> datetime:
    """An RFC 3339 instant with its offset; anything else is a user error."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{option}: {text!r} is not an RFC 3339 instant (e.g. 2025-03-15T19:30:00-04:00)")
    if value.tzinfo is None:
        fail(f"{option}: {text!r} has no UTC offset; write e.g. 2025-03-15T19:30:00-04:00")
    try:
        return check_plausible(value, option)
    except AccordError as exc:
        fail(str(exc))


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the domain's refusals into clean CLI errors (exit 2)."""
    from accord.world.loader import WorldInvalid

    try:
        yield
    except WorldInvalid as exc:
        fail_located(exc.errors)
    except (UserError, OutputRefused, AccordError) as exc:
        fail(str(exc))


def system_clock() -> Clock:
    """The one clock the CLI reads: the machine's. Never a flag or an environment variable, so that
    `recorded_at` cannot be set from outside (docs/integrity.md)."""
    return SystemClock()


def clock_skew() -> timedelta:
    """How far a command's `--at` may run ahead of the recording clock (ACCORD_CLOCK_SKEW_SECONDS,
    default 300): a little, for clocks that disagree by a few seconds, never hours."""
    text = os.environ.get("ACCORD_CLOCK_SKEW_SECONDS", "")
    if not text:
        return DEFAULT_SKEW
    try:
        seconds = int(text)
    except ValueError:
        fail(f"ACCORD_CLOCK_SKEW_SECONDS: {text!r} is not a whole number of seconds")
    if not 0 <= seconds <= 3600:
        fail(f"ACCORD_CLOCK_SKEW_SECONDS: {seconds} is outside 0..3600")
    return timedelta(seconds=seconds)


def check_outputs(*paths: Path, force: bool) -> None:
    """Refuse (exit 2) before any work an output that is the configured database or the keyring (whatever
    --force says), or that exists without --force. The write itself checks again, atomically."""
    try:
        refuse_protected(paths, accord_files())
        refuse_existing(paths, overwrite=force)
    except OutputRefused as exc:
        fail(str(exc))


def accord_files() -> list[Path]:
    """The files Accord itself keeps: the SQLite database of ACCORD_DATABASE_URL (with its journal files)
    and the keyring of ACCORD_LEDGER_KEYRING."""
    from accord.ledger.keys import DEFAULT_KEYRING, KEYRING_ENV  # the ledger package is heavy to import

    files = [Path(os.environ.get(KEYRING_ENV, DEFAULT_KEYRING))]
    try:
        url = make_url(database_url())
    except ArgumentError:
        return files
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(str(url.database))
        files += [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))]
    return files
