"""Each hostile input of issue 12 through the `accord` command, on SQLite and PostgreSQL: a clear message,
exit 2, no traceback, and nothing stored. A file that imports on one database imports on the other, so
what PostgreSQL alone refused (a NUL, an id beyond its column, a number beyond its integer) is refused by
validation on both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from tests.conftest import SCENARIOS
from tests.e2e.store.test_cli import rows_stored

S23 = SCENARIOS / "s23-fee-proration-conventions.yaml"
A365 = "US-SLV-2025-A365"
WORLD_AND_FLIGHTS = ("--world", str(S23), "--flights", "FILE")

WORLD = """\
format: accord.world/1
world:
  sending_state: USA
  facilities:
    - {{id: F1, country: SLV, kind: prison, capacity: {capacity}, timezone: America/El_Salvador, name: {name}}}
  agreements:
    - id: A1
      sending: USA
      receiving: SLV
      facility: F1
      versions:
        - {{from: 2025-03-14, status: in_force, fee: {{amount: "{fee}", currency: USD, per: year,
            proration: actual_365}}}}
  persons:
    - {{id: {person}, status: undocumented, birth_date: {born}, recorded_at: {recorded}}}
"""


def world(**changes: object) -> str:
    values: dict[str, object] = {
        "capacity": 40000,
        "name": "CECOT",
        "fee": "20000.00",
        "person": "P1",
        "born": "1990-01-01",
        "recorded": "2025-03-12T09:00:00-04:00",
    }
    return WORLD.format(**{**values, **changes})


@dataclass(frozen=True)
class Case:
    name: str
    file: str  # the hostile file's name ("" for none)
    content: str | bytes
    args: tuple[str, ...]  # FILE stands for the file's path
    message: str


FLIGHT = """\
format: accord.flight/1
flights:
  - {{id: F-1, operator: X, funder: USA, seats: {seats}, escort: AIR, detention_custodian: HRL,
     legs: [{{from: {{code: HRL, country: USA}}, to: {{code: SAL, country: SLV}}, scheduled_departure: {at},
             scheduled_arrival: 2025-03-16T00:10:00-06:00}}]}}
"""
COURT_ORDER = "id: O1\nbinding_from: {at}\neffect: bar_removal\nscope: {{nationalities: [VEN]}}\n"

CASES = [
    Case("NUL in an id", "w.yaml", world(person='"P\\0"'), ("import", "FILE"), "may not contain U+0000"),
    Case("100,000-character id", "w.yaml", world(person="P" * 100_000), ("import", "FILE"), "at most 200"),
    Case("10^35 capacity", "w.yaml", world(capacity=10**35), ("import", "FILE"), "less than or equal to 1000000"),
    Case("bidi override in a name", "w.yaml", world(name='"CE\\u202eTOC"'), ("import", "FILE"), "U+202E"),
    Case("id read as a formula", "w.yaml", world(person='"=HYPERLINK(1)"'), ("import", "FILE"), "may not start"),
    Case("date at year 1", "w.yaml", world(born="0001-01-01"), ("import", "FILE"), "0001-01-01 is outside"),
    Case("instant at year 9999", "w.yaml", world(recorded="9999-12-31T23:59:59-05:00"), ("import", "FILE"), "outside"),
    Case("million-digit fee", "w.yaml", world(fee="1e999999"), ("import", "FILE"), "at most 12 digits"),
    Case("fee beyond the minor unit", "w.yaml", world(fee="20000.001"), ("import", "FILE"), "at most 2"),
    Case(
        "mapping as a key", "w.yaml", "format: accord.world/1\n? {a: 1}\n: x\n", ("import", "FILE"), "cannot be a key"
    ),
    Case("recursive alias", "w.yaml", "format: accord.world/1\nworld: &w [*w]\n", ("import", "FILE"), "aliases"),
    Case(
        "CSV row at year 1",
        "p.csv",
        "id,status,birth_date\nP1,undocumented,0001-01-01\n",
        ("import-persons", "FILE", "--all-or-nothing"),
        "birth_date: 0001-01-01 is outside",
    ),
    Case(
        "CSV id read as a formula",
        "p.csv",
        "id,status\n@SUM(1),undocumented\n",
        ("import-persons", "FILE", "--all-or-nothing"),
        "may not start with '@'",
    ),
    Case(
        "court order at year 9999",
        "o.yaml",
        COURT_ORDER.format(at="9999-12-31T00:00:00Z"),
        ("court-order", "record", "FILE", "--at", "2025-03-15T18:45:00-04:00"),
        "binding_from: 9999-12-31T00:00:00+00:00 is outside",
    ),
    Case(
        "--at at year 1",
        "o.yaml",
        COURT_ORDER.format(at="2025-03-15T18:45:00-04:00"),
        ("court-order", "record", "FILE", "--at", "0001-01-01T00:00:00+01:00"),
        "--at: 0001-01-01T00:00:00+01:00 is outside",
    ),
    Case(
        "--actor beyond a name's length",
        "",
        "",
        ("depart", "GXA-1", "--at", "2025-03-15T17:25:00-04:00", "--actor", "x" * 300),
        "--actor: a name is 300 characters long; at most 200",
    ),
    Case(
        "10^20 seats",
        "f.yaml",
        FLIGHT.format(seats=10**20, at="2025-03-15T17:25:00-04:00"),
        ("flight", "add", "FILE"),
        "seats: Input should be less than or equal to 1000",
    ),
    Case(
        "flight at year 1",
        "f.yaml",
        FLIGHT.format(seats=100, at="0001-01-01T00:00:00Z"),
        ("flight", "add", "FILE"),
        "outside the instants",
    ),
    Case(
        "month 0000-01",
        "",
        "",
        ("invoice", "issue", "--agreement", A365, "--month", "0000-01", "--world", str(S23)),
        "outside the months",
    ),
    Case(
        "hours 1e9999999",
        "h.csv",
        "flight,date,hours\nF-1,2025-07-18,1e9999999\n",
        ("bill", str(S23), "--agreement", A365, "--from", "2025-07", "--to", "2025-07", "--flights", "FILE"),
        "h.csv:2: hours: '1e9999999': flight hours must be more than 0 and at most 100",
    ),
    Case(
        "hours 1e30 in adjust",
        "h.csv",
        "flight,date,hours\nF-1,2025-07-18,1e30\n",
        ("invoice", "adjust", "--agreement", A365, "--month", "2025-07", "--reason", "r", *WORLD_AND_FLIGHTS),
        "at most 100",
    ),
    Case(
        "200 KB roster field",
        "r.csv",
        "person,intake,release\n" + "P" * 200_000 + ",2025-03-16,\n",
        ("reconcile", "--agreement", A365, "--month", "2025-07", "--roster", "FILE", "--world", str(S23)),
        "r.csv:2: (row): unreadable: field larger than field limit",
    ),
    Case(
        "Latin-1 handovers",
        "h.yaml",
        "person: Jos\xe9\nfrom: a\nto: b\nplace: X\noccurred_at: '2025-03-15T12:00:00Z'\nlegal_basis: d\n".encode(
            "latin-1"
        ),
        ("ledger", "append", "FILE"),
        "h.yaml:1: (file): not UTF-8 text",
    ),
]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    monkeypatch.setenv("ACCORD_LEDGER_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_hostile_input_is_refused_cleanly_and_stores_nothing(
    case: Case, cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / case.file
    if case.file:
        if isinstance(case.content, bytes):
            path.write_bytes(case.content)
        else:
            path.write_text(case.content, encoding="utf-8")
    result = cli.invoke(app, [str(path) if a == "FILE" else a for a in case.args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert case.message in result.stderr
    assert rows_stored(database_url) == 0
