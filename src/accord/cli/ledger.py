"""`accord ledger ...`: set up the custody ledger, register organisations and custodian keys, append
handovers, export, verify offline, prove and locate. See docs/ledger.md."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy import Connection

from accord.cli.common import (
    FORCE,
    check_outputs,
    clock_skew,
    console,
    database_url,
    err_console,
    fail,
    fail_located,
    parse_instant,
    system_clock,
    user_errors,
)
from accord.domain.errors import AccordError
from accord.domain.limits import check_identifier, check_instant, check_name
from accord.files import write_file
from accord.ledger import (
    DuplicateEvent,
    Keyring,
    Ledger,
    LedgerMissing,
    Refusal,
    TrustedKeys,
    VerificationFailed,
    WitnessPolicy,
    add_custodian_key,
    add_witness,
    checkpoint_now,
    custody_periods,
    export_ledger,
    init_ledger,
    make_receipt,
    open_ledger,
    register_organisation,
    revoke_custodian_key,
    rotate_custodian_key,
    submit_checkpoint,
    verify_export,
    verify_receipt,
    where,
)
from accord.ledger.checkpoint import COSIGNATURE_V1, CheckpointError, VerifierKey
from accord.ledger.export import EXPORT_FILES
from accord.ledger.keys import DEFAULT_KEYRING, KEYRING_ENV
from accord.ledger.service import discredited_by_revocation
from accord.ledger.statements import format_instant
from accord.ledger.verify import KEYS_FILE
from accord.movements.flights import Serves
from accord.services.handovers import HandoverRequest, append_handovers
from accord.store.clock import stamp
from accord.store.engine import make_engine
from accord.store.migrate import upgrade
from accord.world.yamlsource import LocatedError, YamlSyntaxError, dotted, load_yaml_file

EXIT_VERIFY_FAILED = 1
SHOWN_ENTRIES = 20

ledger_app = typer.Typer(help="The co-signed custody ledger (RFC 9162 Merkle log).", no_args_is_help=True)
org_app = typer.Typer(help="Organisations and their root keys.", no_args_is_help=True)
custodian_app = typer.Typer(help="Custodian signing keys: add, rotate, revoke.", no_args_is_help=True)
witness_app = typer.Typer(help="Remote witnesses that cosign checkpoints: register, submit.", no_args_is_help=True)
ledger_app.add_typer(org_app, name="org")
ledger_app.add_typer(custodian_app, name="custodian")
ledger_app.add_typer(witness_app, name="witness")

KeyringOption = typer.Option(None, "--keyring", help=f"Keyring file (default ${KEYRING_ENV} or ./{DEFAULT_KEYRING}).")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `accord` app."""
    app.add_typer(ledger_app, name="ledger")


def _keyring(path: Path | None) -> Keyring:
    return Keyring.load(path) if path is not None else Keyring.from_environment()


def _recorded(conn: Connection) -> datetime:
    """The recording instant of this command: the system clock, stamped (never a flag)."""
    return stamp(conn, system_clock().now())


@contextmanager
def _session(keyring: Path | None) -> Iterator[tuple[Connection, Ledger]]:
    """One transaction on the configured database with its ledger; refusals become one-line errors."""
    with user_errors(), _refusals():
        engine = make_engine(database_url())
        try:
            upgrade(engine)
            with engine.begin() as conn:
                yield conn, open_ledger(conn, _keyring(keyring))
        finally:
            engine.dispose()


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except (Refusal, LedgerMissing, AccordError) as exc:
        fail(str(exc))
    except KeyError as exc:  # a private key the keyring does not hold
        fail(str(exc.args[0]))


@ledger_app.command("init")
def init_command(
    origin: str = typer.Option(..., "--origin", help="Ledger id and checkpoint origin, e.g. accord.example/custody"),
    keyring: Path | None = KeyringOption,
) -> None:
    """Create the ledger: its log key and commitment secret (in the keyring) and its head row."""
    with user_errors(), _refusals():
        engine = make_engine(database_url())
        upgrade(engine)
        with engine.begin() as conn:
            ledger = init_ledger(conn, _keyring(keyring), origin)
        engine.dispose()
    console.print(f"ledger {ledger.origin} created; log key {ledger.log_verifier_key().text()}")


@org_app.command("add")
def org_add(
    org: str,
    name: str = typer.Option(..., "--name", help="The organisation's full name."),
    country: str = typer.Option(
        ..., "--country", help="The state whose agency it is (ISO 3166-1 alpha-3): custody there is its custody."
    ),
    keyring: Path | None = KeyringOption,
) -> None:
    """Register an organisation (a state's agency) with a new root key."""
    with _session(keyring) as (conn, ledger):
        index = register_organisation(conn, ledger, org=org, name=name, country=country, recorded_at=_recorded(conn))
    console.print(f"organisation {org} registered at entry {index}")


@custodian_app.command("add")
def custodian_add(
    custodian: str,
    org: str = typer.Option(..., "--org", help="The organisation the custodian belongs to."),
    keyring: Path | None = KeyringOption,
) -> None:
    """Give a custodian its first signing key (signed by the organisation's root key)."""
    with _session(keyring) as (conn, ledger):
        key = add_custodian_key(conn, ledger, org=org, custodian=custodian, recorded_at=_recorded(conn))
    console.print(f"custodian {custodian}: key {key}")


@custodian_app.command("rotate")
def custodian_rotate(custodian: str, keyring: Path | None = KeyringOption) -> None:
    """Replace a custodian's active key."""
    with _session(keyring) as (conn, ledger):
        key = rotate_custodian_key(conn, ledger, custodian=custodian, recorded_at=_recorded(conn))
    console.print(f"custodian {custodian}: new key {key}")


@custodian_app.command("revoke")
def custodian_revoke(
    key: str,
    reason: str = typer.Option(..., "--reason"),
    revoked_at: str = typer.Option(..., "--revoked-at", help="From when the key must not be trusted."),
    keyring: Path | None = KeyringOption,
) -> None:
    """Revoke a custodian key with a reason. From this entry on the key signs nothing, and no handover
    it signed that occurred at or after --revoked-at is trusted, even one already in the log: those are
    listed, and `accord ledger verify` fails on them (docs/ledger.md, "Revocation")."""
    since = parse_instant(revoked_at, "--revoked-at")
    with _session(keyring) as (conn, ledger):
        index = revoke_custodian_key(
            conn, ledger, key=key, reason=reason, revoked_at=since, recorded_at=_recorded(conn)
        )
        discredited = discredited_by_revocation(conn, ledger, key, since)
    console.print(f"key {key} revoked at entry {index}")
    if discredited:
        shown = ", ".join(map(str, discredited[:SHOWN_ENTRIES])) + (", ..." if len(discredited) > SHOWN_ENTRIES else "")
        err_console.print(
            f"warning: {len(discredited)} handover(s) signed with key {key} occurred at or after"
            f" {format_instant(since)} and are no longer trusted (entries {shown}); `accord ledger verify`"
            " fails on them",
            markup=False,
        )


@witness_app.command("add")
def witness_add(
    name: str,
    url: str = typer.Option(..., "--url", help="The witness's base URL (add-checkpoint is posted under it)."),
    key: str = typer.Option(
        ..., "--key", help="Its cosignature/v1 verifier key, as `accord witness keygen` printed it."
    ),
    keyring: Path | None = KeyringOption,
) -> None:
    """Register a remote witness by URL and public key (its private key stays on its own machine)."""
    verifier = _witness_key(key, "--key")
    with _session(keyring) as (conn, ledger):
        add_witness(conn, ledger, name=name, url=url, key=verifier)
    console.print(f"witness {verifier.text()} at {url}")


@witness_app.command("submit")
def witness_submit(
    names: list[str] = typer.Argument(None, help="The witnesses to submit to (default: every registered one)."),
    keyring: Path | None = KeyringOption,
) -> None:
    """Sign the checkpoint of the current head and have each witness cosign it: the request carries a
    consistency proof from the size the witness last cosigned. Exit 1 when a witness did not cosign."""
    with user_errors(), _refusals():
        engine = make_engine(database_url())
        try:
            upgrade(engine)
            with engine.connect() as conn:
                ledger = open_ledger(conn, _keyring(keyring))
            submissions = submit_checkpoint(engine, ledger, names or ())
        finally:
            engine.dispose()
    for submission in submissions:
        if submission.problem is None:
            console.print(f"{submission.witness}: cosigned the checkpoint of size {submission.size}", markup=False)
        else:
            err_console.print(f"{submission.witness}: did not cosign: {submission.problem}", markup=False)
    if any(s.problem is not None for s in submissions):
        raise typer.Exit(EXIT_VERIFY_FAILED)


def _witness_key(text: str, option: str) -> VerifierKey:
    try:
        return VerifierKey.parse(text, COSIGNATURE_V1)
    except CheckpointError as exc:
        fail(f"{option}: {exc}")


def _witness_policy(keys: list[str] | None, minimum: int | None) -> WitnessPolicy:
    """The witnesses named on the command line; all of them must have cosigned unless
    --min-witnesses asks for fewer."""
    witnesses = tuple(_witness_key(text, "--witness") for text in keys or ())
    try:
        return WitnessPolicy(witnesses, len(witnesses) if minimum is None else minimum)
    except ValueError as exc:
        fail(f"--min-witnesses: {exc}")


WitnessOption = typer.Option(
    None, "--witness", help="A witness's cosignature/v1 key, obtained from the witness itself; repeatable."
)
MinWitnessesOption = typer.Option(
    None, "--min-witnesses", help="How many of the --witness keys must have cosigned (default: all of them)."
)


_HANDOVER_FIELDS = {"person", "from", "to", "place", "occurred_at", "legal_basis", "serves", "event_id"}
_REQUIRED = ("person", "from", "to", "place", "occurred_at")
_TEXT_FIELDS = ("person", "from", "to", "place", "legal_basis", "event_id")


def _handover_records(path: Path) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
    """The handovers of a YAML/JSON file (one mapping, a list, or `handovers:`), with their positions."""
    try:
        value, source, duplicates = load_yaml_file(path)
    except YamlSyntaxError as exc:
        fail_located([exc.error])
    if duplicates:
        fail_located(duplicates)
    prefix: tuple[str | int, ...] = ()
    if isinstance(value, dict) and "handovers" in value:
        value, prefix = value["handovers"], ("handovers",)
    records = value if isinstance(value, list) else [value]
    errors: list[LocatedError] = []
    where_of: list[tuple[str, int]] = []
    for number, record in enumerate(records):
        at = (*prefix, number) if isinstance(value, list) else prefix
        where_of.append((dotted(at), source.line_of(at)))
        errors += [
            LocatedError(str(path), source.line_of(where), dotted(where), message)
            for where, message in _handover_problems(record, at)
        ]
    if errors:
        fail_located(errors)
    return records, where_of


def _handover_problems(record: Any, at: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, message) for each field of one handover that is missing, unknown or not acceptable."""
    if not isinstance(record, dict):
        return [(at, "must be a mapping")]
    found = [
        ((*at, str(name)), _RECORDED_BY_ACCORD if name == "recorded_at" else "unknown field")
        for name in sorted(map(str, record.keys() - _HANDOVER_FIELDS))
    ]
    found += [((*at, name), "missing") for name in _REQUIRED if record.get(name) in (None, "")]
    for name in _TEXT_FIELDS:
        value = record.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            found.append(((*at, name), "must be text"))
            continue
        try:
            (check_identifier if name == "person" else check_name)(str(value))
        except ValueError as exc:
            found.append(((*at, name), str(exc)))
    if "occurred_at" in record:
        instant = _as_instant(record["occurred_at"])
        if instant is None:
            found.append(((*at, "occurred_at"), "must be an RFC 3339 instant with a UTC offset"))
        else:
            try:
                check_instant(instant)
            except ValueError as exc:
                found.append(((*at, "occurred_at"), str(exc)))
    if "serves" in record:
        found += _serves_problems(record["serves"], (*at, "serves"))
    return found


def _as_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None


@ledger_app.command("append")
def append_command(
    file: Path = typer.Argument(..., help="YAML or JSON: one handover, a list, or a `handovers:` list."),
    actor: str | None = typer.Option(None, "--actor", help="Who records them (default: $ACCORD_ACTOR or $USER)."),
    keyring: Path | None = KeyringOption,
) -> None:
    """Append handovers, each co-signed by both custodians' keys from the keyring. All or nothing.

    A handover into the sending state's custody (a return) gives its `legal_basis` in words. A handover
    into foreign custody names what it `serves` ({agreement: ID} or {repatriation: CODE}) and no legal
    basis: Accord decides the person as of `occurred_at` and as known now, and admits it only when that
    decision allows it (exit 2 with the blocking reasons otherwise); the entry's legal basis is that
    decision. `recorded_at` is Accord's clock, never a field."""
    records, positions = _handover_records(file)
    who = actor or os.environ.get("ACCORD_ACTOR") or os.environ.get("USER") or "cli"
    requests = [_request(record) for record in records]
    with _session(keyring) as (conn, ledger):
        try:
            indices = append_handovers(conn, ledger, system_clock(), requests, who, clock_skew())
        except (Refusal, DuplicateEvent, AccordError) as exc:
            fail(_locate(str(file), str(exc), positions))
    for (path, _line), index in zip(positions, indices, strict=True):
        console.print(f"{path or 'handover'}: entry {index}")


_RECORDED_BY_ACCORD = "recorded_at is Accord's own clock at the write; remove it"


def _locate(file: str, message: str, positions: list[tuple[str, int]]) -> str:
    """A refusal of `handover N` as FILE:LINE: path: message."""
    match = re.match(r"handover (\d+): (.*)", message, re.DOTALL)
    if match is None:
        return f"{file}: {message}"
    path, line = positions[int(match.group(1))]
    return f"{file}:{line}: {path}: {match.group(2)}"


def _serves_problems(value: Any, at: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    try:
        Serves.model_validate(value)
    except ValidationError as exc:
        return [(at, "; ".join(e["msg"] for e in exc.errors()))]
    return []


def _request(record: dict[str, Any]) -> HandoverRequest:
    occurred = _as_instant(record["occurred_at"])
    assert occurred is not None  # checked by _handover_records
    return HandoverRequest(
        person_id=str(record["person"]),
        from_custodian=str(record["from"]),
        to_custodian=str(record["to"]),
        place=str(record["place"]),
        occurred_at=occurred,
        legal_basis=str(record["legal_basis"]) if record.get("legal_basis") is not None else None,
        serves=Serves.model_validate(record["serves"]) if "serves" in record else None,
        event_id=str(record["event_id"]) if record.get("event_id") is not None else None,
    )


@ledger_app.command("checkpoint")
def checkpoint_command(keyring: Path | None = KeyringOption) -> None:
    """Sign (if needed) and print the checkpoint of the current log."""
    with _session(keyring) as (conn, ledger):
        note = checkpoint_now(conn, ledger)
    console.print(note, end="", markup=False, highlight=False)


@ledger_app.command("export")
def export_command(directory: Path, keyring: Path | None = KeyringOption, force: bool = FORCE) -> None:
    """Write DIR/checkpoint, DIR/entries.jsonl and DIR/keys.json for offline verification (replacing them
    only with --force)."""
    check_outputs(*(directory / name for name in EXPORT_FILES), force=force)
    with _session(keyring) as (conn, ledger):
        size = export_ledger(conn, ledger, directory, overwrite=force)
    console.print(f"exported {size} entries to {directory}")


def _trusted(directory: Path | None, keys: Path | None) -> TrustedKeys:
    path = keys if keys is not None else (directory / KEYS_FILE if directory else Path(KEYS_FILE))
    try:
        return TrustedKeys.load(path)
    except VerificationFailed as exc:
        fail(str(exc))


@ledger_app.command("verify")
def verify_command(
    directory: Path,
    from_checkpoint: Path | None = typer.Option(None, "--from-checkpoint", help="An older checkpoint to extend."),
    keys: Path | None = typer.Option(None, "--keys", help="Trusted keys.json (default DIR/keys.json)."),
    workers: int | None = typer.Option(None, "--workers", min=1, max=64, help="Processes for signature checks."),
    witness: list[str] | None = WitnessOption,
    min_witnesses: int | None = MinWitnessesOption,
) -> None:
    """Recompute everything offline; exit 0 when all holds, 1 naming the first bad entry or the missing
    witness cosignatures otherwise."""
    trusted = _trusted(directory, keys)
    policy = _witness_policy(witness, min_witnesses)
    old = None
    if from_checkpoint is not None:
        try:
            old = from_checkpoint.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{from_checkpoint}: {exc}")
    with console.status("verifying the ledger..."):
        try:
            report = verify_export(directory, trusted, old, workers, policy)
        except VerificationFailed as exc:
            fail(f"verification failed: {exc}", EXIT_VERIFY_FAILED)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.kinds.items()))
    witnessed = f"; co-signed by {', '.join(report.witnesses)}" if report.witnesses else ""
    console.print(f"ok: {report.size} entries ({kinds}), root {report.root.hex()}{witnessed}")


@ledger_app.command("prove")
def prove_command(
    person: str = typer.Option(..., "--person", help="The person's id (never written to the receipt)."),
    out: Path | None = typer.Option(None, "--out", help="Write the receipt here instead of stdout."),
    keyring: Path | None = KeyringOption,
    force: bool = FORCE,
) -> None:
    """Print a self-contained receipt of the person's custody chain."""
    if out is not None:
        check_outputs(out, force=force)
    with _session(keyring) as (conn, ledger):
        try:
            receipt = make_receipt(conn, ledger, person)
        except LookupError as exc:
            fail(f"--person: {exc}")
    if out is None:
        typer.echo(receipt.decode("utf-8"), nl=False)
    else:
        with user_errors():
            write_file(out, receipt, overwrite=force)
        console.print(f"receipt written to {out}")


@ledger_app.command("verify-receipt")
def verify_receipt_command(
    file: Path,
    keys: Path = typer.Option(Path(KEYS_FILE), "--keys", help="The organisations' and the log's keys.json."),
    witness: list[str] | None = WitnessOption,
    min_witnesses: int | None = MinWitnessesOption,
) -> None:
    """Check a receipt with no database: exit 0 when it holds, 1 otherwise. The output says what it
    proves: that the last handover shown was the person's latest in the log of its checkpoint, or, when
    the receipt does not end there, their inclusion in the log only."""
    trusted = _trusted(None, keys)
    policy = _witness_policy(witness, min_witnesses)
    try:
        report = verify_receipt(file.read_bytes(), trusted, policy)
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    except VerificationFailed as exc:
        fail(f"{file}: receipt does not verify: {exc}", EXIT_VERIFY_FAILED)
    person = f"person {report.person[:16]}…"
    last = f"to {report.last_to} at {format_instant(report.last_at)}"
    if report.current:
        console.print(
            f"ok: {report.handovers} handover(s) of {person}; held by {report.last_to} in the log of"
            f" {report.size} entries: its last entry is the latest handover ({last}). Proves currency at that"
            " checkpoint; a key revocation or handover recorded after it is not shown (verify the export).",
            markup=False,
        )
    else:
        console.print(
            f"ok: {report.handovers} handover(s) of {person} included in a log of {report.size} entries; the"
            f" last one shown is {last}. Proves inclusion only, not who holds the person: the log may hold"
            " later handovers that this receipt does not show.",
            markup=False,
        )


@ledger_app.command("where")
def where_command(
    person: str = typer.Option(..., "--person"),
    at: str | None = typer.Option(None, "--at", help="RFC 3339 instant (default: now)."),
    keyring: Path | None = KeyringOption,
) -> None:
    """Who holds the person at an instant, since when, on whose signatures."""
    instant = parse_instant(at, "--at") if at is not None else datetime.now(UTC)
    with _session(keyring) as (conn, ledger):
        custody = where(conn, ledger, person, instant)
        periods = custody_periods(conn, ledger, person)
    if custody is None:
        fail(f"--person: no handover of this person at or before {format_instant(instant)}")
    console.print(
        f"held by [bold]{custody.custodian}[/bold] since {format_instant(custody.since)} (entry {custody.index},"
        f" from {custody.received_from}, legal basis {custody.legal_basis}, signed by keys"
        f" {custody.signed_by[0]} and {custody.signed_by[1]})"
    )
    table = Table("custodian", "intake", "release", "entries")
    for p in periods:
        release = format_instant(p.release) if p.release else "-"
        table.add_row(p.custodian, format_instant(p.intake), release, f"{p.intake_index}..{p.release_index or ''}")
    console.print(table)
