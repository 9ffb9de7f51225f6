"""`accord witness ...`: run a witness (C2SP tlog-witness) as its own process, with its own key file and
state file, on behalf of whoever should watch the log: the other state, a court, an NGO. See
docs/ledger.md, "Witnesses"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from accord.cli.common import console, fail
from accord.ledger.checkpoint import ED25519, CheckpointError, VerifierKey
from accord.witness.keyfile import KeyFileError, create_key_file, load_key_file
from accord.witness.server import make_app, serve
from accord.witness.service import Witness
from accord.witness.state import StateError, WitnessState

witness_app = typer.Typer(help="A witness that cosigns checkpoints (its own process, key and state).")

DEFAULT_PORT = 7380


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `accord` app."""
    app.add_typer(witness_app, name="witness", no_args_is_help=True)


@witness_app.command("keygen")
def keygen_command(
    name: str = typer.Option(..., "--name", help="The witness's name, as it appears on its cosignatures."),
    out: Path = typer.Option(..., "--out", help="The new key file (mode 0600; never overwritten)."),
) -> None:
    """Create the witness's private key file and print its public cosignature/v1 verifier key."""
    try:
        key = create_key_file(out, name)
    except KeyFileError as exc:
        fail(str(exc))
    console.print(key.verifier.text(), markup=False, highlight=False)


def _log_key(text: str) -> VerifierKey:
    try:
        return VerifierKey.parse(text, ED25519)
    except CheckpointError as exc:
        fail(f"--log: {exc}")


@witness_app.command("serve")
def serve_command(
    key: Path = typer.Option(..., "--key", help="The witness's key file (from `accord witness keygen`)."),
    state: Path = typer.Option(..., "--state", help="The witness's SQLite state file (created if missing)."),
    logs: list[str] = typer.Option(
        ..., "--log", help="A log's verifier key (its name is the log's origin); repeat for several logs or keys."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="0: any free port (the URL is printed)."),
) -> None:
    """Serve `POST /add-checkpoint` until interrupted. Prints `witness KEY listening on URL` when ready."""
    trusted = [_log_key(text) for text in logs]
    try:
        witness = Witness(load_key_file(key), trusted, WitnessState(state))
    except (KeyFileError, StateError) as exc:
        fail(str(exc))
    origins = ", ".join(sorted(witness.trusted))

    def announce(url: str) -> None:
        print(f"witness {witness.key.verifier.text()} listening on {url} for {origins}", flush=True)

    try:
        serve(make_app(witness), host, port, announce)
    except OSError as exc:
        fail(f"--host {host} --port {port}: {exc.strerror or exc}")


@witness_app.command("evidence")
def evidence_command(
    state: Path = typer.Option(..., "--state", help="The witness's state file."),
) -> None:
    """Print the evidence of log misbehaviour the witness kept: each refused checkpoint whose log signature
    verified but which rolled back, forked or did not extend what the witness had cosigned."""
    if not state.exists():
        fail(f"{state}: no such state file")
    try:
        records = WitnessState(state).evidence()
    except StateError as exc:
        fail(str(exc))
    if not records:
        console.print("no evidence kept")
    for record in records:
        when = datetime.fromtimestamp(record.received_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        console.print(f"#{record.id} {record.kind} of {record.origin} at {when}: {record.reason}", markup=False)
        console.print("cosigned before:", markup=False)
        console.print(record.held_checkpoint or "(nothing)\n", end="", markup=False, highlight=False)
        console.print("presented:", markup=False)
        console.print(record.presented_checkpoint, end="", markup=False, highlight=False)
