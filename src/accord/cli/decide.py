"""`accord decide`, `accord explain`, `accord scenarios run` and `accord rules show`: the decision engine
on a world file, a bulk directory or the database."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from accord.cli.common import (
    FORCE,
    check_outputs,
    console,
    database_url,
    fail,
    parse_instant,
    system_clock,
    user_errors,
)
from accord.domain import World
from accord.files import open_new, write_file
from accord.rules.decision import DecisionSet
from accord.rules.inputs import inputs_hash
from accord.rules.interpreter import UnknownPerson, decide, explain_trace
from accord.rules.knowledge import as_known_at
from accord.rules.outcomes import Outcomes
from accord.rules.pack import Pack, UnknownPack, load_pack_file, pack_for_world, pack_names, resolve_pack
from accord.store.unit_of_work import UnitOfWork
from accord.world import WorldInvalid, load_world_file

scenarios_app = typer.Typer(help="Run scenario suites: world files with checks attached.")
rules_app = typer.Typer(help="Inspect the rule packs.")


TABLE_WIDTH = 160


class Format(StrEnum):
    json = "json"
    table = "table"
    parquet = "parquet"


AS_OF = typer.Option(..., "--as-of", help="The decision instant, RFC 3339 with offset.")
KNOWN_AT = typer.Option(None, "--known-at", help="Decide as known at this instant (default: --as-of).")
PACK = typer.Option(
    None, "--pack", help="Rule pack: a shipped pack's name or a pack file (default: the world's, by sending state)."
)
WORLD = typer.Argument(..., help="A world file, a bulk directory, `db`, or a database URL.")


@contextmanager
def rules_errors() -> Iterator[None]:
    """User errors of the rules (unknown person or pack) exit 2 with one line, like invalid input."""
    with user_errors():
        try:
            yield
        except (UnknownPerson, UnknownPack) as exc:
            fail(str(exc.args[0]))


def is_database(world: str) -> bool:
    return world == "db" or "://" in world


def _database(world: str) -> str:
    return database_url() if world == "db" else world


def _pack(name: str | None, world: World) -> Pack:
    return resolve_pack(name) if name is not None else pack_for_world(world)


def decide_source(
    world: str, as_of: datetime, known_at: datetime | None, persons: list[str] | None, pack_name: str | None
) -> DecisionSet:
    """Decide from whichever source WORLD names; decisions made from the database are stored."""
    if not is_database(world) and Path(world).is_dir():
        return _decide_bulk(Path(world), as_of, known_at, persons, pack_name)
    return _decide_world(world, as_of, known_at, persons, pack_name)[2]


def _decide_world(
    world: str, as_of: datetime, known_at: datetime | None, persons: list[str] | None, pack_name: str | None
) -> tuple[World, Pack, DecisionSet]:
    """Decide a world file or the database (the decisions stored); with the world and pack decided on."""
    if is_database(world):
        return decide_and_store(_database(world), as_of, known_at, persons, pack_name)
    loaded = load_world_file(Path(world)).world
    pack = _pack(pack_name, loaded)
    return loaded, pack, decide(loaded, as_of, known_at, persons, pack)


def _decide_bulk(
    path: Path, as_of: datetime, known_at: datetime | None, persons: list[str] | None, pack_name: str | None
) -> DecisionSet:
    from accord.rules.bulk import decide_directory
    from accord.rules.columnar.memory import avoid_hugepage_stalls

    avoid_hugepage_stalls()
    result: DecisionSet = decide_directory(path, as_of, known_at=known_at, person_ids=persons, pack_name=pack_name)
    return result


def _decide_caseload(
    path: Path,
    as_of: datetime,
    known_at: datetime | None,
    persons: list[str] | None,
    pack_name: str | None,
    format: Format,
    output: Path | None,
    force: bool,
) -> None:
    """A bulk caseload decided by the columnar engine and written as it is decided, with a progress bar:
    the decisions Parquet (docs/decisions-parquet.md); the decision JSON of everyone, chunk by chunk
    (large: about 4 kB a person); or, as a table, the caseload's counts (who could be moved, pathways by
    outcome, why the others could not), never millions of rows."""
    from accord.cli.bulk import caseload_progress
    from accord.cli.outcomes import outcome_tables
    from accord.rules.bulk import bulk_outcomes, run_bulk_decide, stream_bulk_json
    from accord.rules.columnar.memory import avoid_hugepage_stalls

    avoid_hugepage_stalls()
    pack = resolve_pack(pack_name) if pack_name is not None else None
    with caseload_progress("deciding") as advance:
        if format is Format.parquet:
            run_bulk_decide(
                path,
                as_of,
                known_at,
                persons,
                output=output,
                fmt="parquet",
                pack=pack,
                progress=advance,
                overwrite=force,
            )
        elif format is Format.json:
            with _text_out(output, force) as write:
                stream_bulk_json(path, as_of, write, known_at, pack, progress=advance)
                write("\n")
        else:
            outcomes = bulk_outcomes(path, as_of, known_at, pack, progress=advance)
    if format is Format.table:
        hint = f"per person: accord decide {path} --person ID ..., or accord explain {path} --person ID ..."
        _print_table(outcomes.summary(), [*outcome_tables(outcomes), hint], output, force)


@contextmanager
def _text_out(output: Path | None, force: bool) -> Iterator[Callable[[str], object]]:
    if output is None:
        yield sys.stdout.write
        sys.stdout.flush()
        return
    with open_new(output, "w", overwrite=force, encoding="utf-8") as handle:
        yield handle.write


def decide_command(
    world: str = WORLD,
    as_of: str = AS_OF,
    known_at: str | None = KNOWN_AT,
    person: list[str] | None = typer.Option(None, "--person", help="Decide only this person (repeatable)."),
    format: Format = typer.Option(Format.table, "--format", help="json | table | parquet."),
    output: Path | None = typer.Option(None, "--output", help="Write to this file instead of stdout."),
    pack: str | None = PACK,
    force: bool = FORCE,
) -> None:
    """Decide every candidate pathway of each person at --as-of, with all reasons and their sources."""
    instant = parse_instant(as_of)
    known = parse_instant(known_at, "--known-at") if known_at else None
    if format is Format.parquet and output is None:
        fail("--format parquet needs --output FILE")
    if output is not None:
        check_outputs(output, force=force)
    if Path(world).is_dir() and (format is Format.parquet or not person):
        with rules_errors():
            _decide_caseload(Path(world), instant, known, person or None, pack, format, output, force)
        return
    if format is Format.parquet:
        assert output is not None
        with rules_errors():
            _write_decisions(world, instant, known, person or None, pack, output, force)
        return
    with rules_errors():
        decisions = decide_source(world, instant, known, person or None, pack)
        if format is Format.json:
            _emit(json.dumps(decisions.to_json(), indent=2, ensure_ascii=False), output, force)
        else:
            _print_table(Outcomes.of_decisions(decisions).summary(), [decision_table(decisions)], output, force)


def _print_table(summary: str, tables: Sequence[Table | str], output: Path | None, force: bool) -> None:
    """Tables are wide; when not on a terminal (a pipe, a file) they get room rather than wrapped codes."""
    width = max(console.width, TABLE_WIDTH)
    if output is None:
        _print_all(Console(width=width if not console.is_terminal else None), summary, tables)
        return
    with open_new(output, "w", overwrite=force, encoding="utf-8") as handle:
        _print_all(Console(file=handle, width=width), summary, tables)


def _print_all(out: Console, summary: str, tables: Sequence[Table | str]) -> None:
    out.print(summary, soft_wrap=True, markup=False)
    for table in tables:
        if isinstance(table, str):
            out.print(table, soft_wrap=True, markup=False)
        else:
            out.print(table)


def _emit(text: str, output: Path | None, force: bool) -> None:
    if output is None:
        typer.echo(text)
    else:
        write_file(output, text + "\n", overwrite=force)


def decision_table(decisions: DecisionSet) -> Table:
    table = Table()
    for column in ("person", "pathway", "to", "agreement", "status"):
        table.add_column(column, no_wrap=True)
    for column in ("reasons", "warnings"):
        table.add_column(column, overflow="fold")
    for decision in decisions.decisions:
        for i, p in enumerate(decision.pathways):
            status = "[green]allowed[/green]" if p.status == "allowed" else "[red]blocked[/red]"
            table.add_row(
                decision.person if i == 0 else "",
                p.kind,
                p.destination,
                p.agreement or "",
                status,
                ", ".join(r.code for r in p.reasons),
                ", ".join(w.code for w in p.warnings),
                end_section=False,
            )
    return table


def _write_decisions(
    world: str,
    as_of: datetime,
    known_at: datetime | None,
    persons: list[str] | None,
    pack: str | None,
    output: Path,
    overwrite: bool,
) -> None:
    """The decisions Parquet of a world file or the database: the file a bulk directory gives
    (docs/decisions-parquet.md), so a consumer need not know which input produced it."""
    from accord.rules.columnar.decisions_file import decisions_table_of, write_decisions

    loaded, chosen, decisions = _decide_world(world, as_of, known_at, persons, pack)
    asked = list(dict.fromkeys(persons)) if persons else None
    write_decisions(output, decisions_table_of(decisions, loaded, chosen, asked), overwrite)


def explain_command(
    world: str = WORLD,
    person: str = typer.Option(..., "--person", help="The person to explain."),
    as_of: str = AS_OF,
    known_at: str | None = KNOWN_AT,
    pack: str | None = PACK,
) -> None:
    """Explain, as readable text, how one person's pathways were decided: every gate, era and record."""
    from accord.rules.explain import render

    instant = parse_instant(as_of)
    known = parse_instant(known_at, "--known-at") if known_at else instant
    with rules_errors():
        loaded = _load_world(world, known, person)
        trace = explain_trace(loaded, person, instant, known, _pack(pack, loaded))
    typer.echo(render(trace, known.isoformat()))


def _load_world(world: str, known_at: datetime, person: str) -> World:
    """The world to explain `person` in: stored, a world file, or a bulk directory with that person only
    (its Parquet files are read, but no domain record is built for anyone else)."""
    if is_database(world):
        with UnitOfWork(_database(world)) as uow:
            return _stored_world(uow, known_at)
    if Path(world).is_dir():
        from accord.rules.bulk import load_bulk_world
        from accord.rules.columnar.memory import avoid_hugepage_stalls

        avoid_hugepage_stalls()  # the whole caseload's columns are read to find the one person
        return load_bulk_world(Path(world), [person])
    return load_world_file(world).world


def _stored_world(uow: UnitOfWork, known_at: datetime) -> World:
    from accord.store.reader import load_world
    from accord.store.records import NothingStored

    try:
        return load_world(uow.connection, known_at)
    except NothingStored:
        fail("the database holds no world yet: run `accord import WORLD` first")


def decide_and_store(
    url: str, as_of: datetime, known_at: datetime | None, persons: list[str] | None, pack_name: str | None
) -> tuple[World, Pack, DecisionSet]:
    """Decide from the world stored as known at `known_at`, and append the decisions with the pack, the
    era and the hash of the inputs, so that they can be replayed. Returns the world as known, the pack
    and the decisions."""
    from accord.store.clock import stamp
    from accord.store.tables_decisions import record_decisions

    known = known_at or as_of
    with UnitOfWork(url) as uow:
        world = as_known_at(_stored_world(uow, known), known)  # what the decision reads, and what replay hashes
        pack = _pack(pack_name, world)
        decided = decide(world, as_of, known, persons, pack)
        recorded = stamp(uow.connection, system_clock().now())
        record_decisions(uow.connection, decided, inputs_hash(world, pack, as_of, known), recorded, recorded)
        uow.commit()
    return world, pack, decided


@scenarios_app.command("run")
def scenarios_run(paths: list[Path] = typer.Argument(..., help="World files, or directories of them.")) -> None:
    """Run every check: one line per check, then `N passed, N failed`; exit 1 when any fails."""
    from accord.rules.scenarios import run_file, scenario_files

    passed = failed = 0
    for file in scenario_files(paths):
        try:
            results = run_file(file)
        except WorldInvalid as exc:
            for error in exc.errors:
                typer.echo(f"FAIL {error}")
            failed += 1
            continue
        for result in results:
            typer.echo(str(result))
            passed += result.passed
            failed += not result.passed
    typer.echo(f"{passed} passed, {failed} failed")
    raise typer.Exit(0 if failed == 0 else 1)


@rules_app.command("check")
def rules_check(files: list[Path] = typer.Argument(..., help="Rule pack files (YAML) to validate.")) -> None:
    """Validate rule pack files against the strict pack schema: each mistake as FILE:LINE: field: message
    (exit 2), else one line per pack with its eras."""
    with rules_errors():
        packs = [load_pack_file(file) for file in files]
    for file, pack in zip(files, packs, strict=True):
        eras = ", ".join(era.id for era in pack.eras) or "none"
        typer.echo(f"ok {file}: rule pack {pack.name} (timezone {pack.timezone}), eras: {eras}")


@rules_app.command("show")
def rules_show(
    as_of: str | None = typer.Option(None, "--as-of", help="Show the era in force at this instant."),
    pack: str = typer.Option("us", "--pack", help=f"One of: {', '.join(pack_names())}, or a pack file (YAML)."),
) -> None:
    """Print the pack's parameters and its eras, or the era in force at --as-of, with their sources."""
    with rules_errors():
        loaded = resolve_pack(pack)
    instant = parse_instant(as_of) if as_of else None
    typer.echo(f"rule pack {loaded.name}: {loaded.title} (timezone {loaded.timezone})")
    p = loaded.parameters
    typer.echo(
        f"parameters: no_response_days {p.no_response_days}, adult_age {p.adult_age}, prison_min_age "
        f"{p.prison_min_age}, aea scope {', '.join(p.aea_scope.nationalities)} aged {p.aea_scope.min_age}+ "
        f"not {', '.join(p.aea_scope.excluded_statuses)}"
    )
    eras = loaded.eras if instant is None else tuple(e for e in loaded.eras if e.covers(instant))
    if instant is not None and not eras:
        typer.echo(f"no era covers {instant.isoformat()}: every pathway is blocked by no_policy_in_force")
    for era in eras:
        rule = era.notice
        until = era.until.isoformat() if era.until else "open"
        typer.echo(f"\nera {era.id} [{era.from_.isoformat()} .. {until})")
        typer.echo(f"  {era.summary}")
        notice = "required" if rule.requires_notice else "not required"
        if rule.assurances_waive_notice:
            notice += ", waived when credible diplomatic assurances are on file"
        exigent = f"; {rule.exigent_min_hours} h when exigent with attorney access" if rule.exigent_min_hours else ""
        typer.echo(f"  notice: {notice}; minimum period {rule.min_notice}{exigent}")
        typer.echo(
            f"  reopen after a negative screening: {era.reopen_days or 'none'}"
            + (" calendar days" if era.reopen_days else "")
        )
        for code in ("notice_missing", "notice_period", "fear_screening_pending", "reopen_period"):
            typer.echo(f"  source {code}: {loaded.source_for(code, era)}")


def register(app: typer.Typer) -> None:
    app.command("decide")(decide_command)
    app.command("explain")(explain_command)
    app.add_typer(scenarios_app, name="scenarios")
    app.add_typer(rules_app, name="rules")


def now_utc() -> datetime:
    """The CLI is the edge where the clock may be read (stored decisions record when they were made)."""
    return datetime.now(UTC)
