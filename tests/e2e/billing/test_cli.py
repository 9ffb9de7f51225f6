"""`accord bill`, `accord invoice ...` and `accord reconcile` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from accord.cli.main import app
from accord.store.engine import make_engine
from accord.store.tables_billing import billing_documents, billing_lines
from tests.conftest import SCENARIOS

S23 = SCENARIOS / "s23-fee-proration-conventions.yaml"
S24 = SCENARIOS / "s24-amendment-rate-capacity.yaml"
A365 = "US-SLV-2025-A365"


@pytest.fixture
def runner(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    return CliRunner()


def documents_stored(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        found = conn.execute(select(func.count()).select_from(billing_documents)).scalar_one()
    engine.dispose()
    return int(found)


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_bill_prints_the_invoice_json_of_the_world_format() -> None:
    code, out, _ = run(CliRunner(), "bill", S24, "--agreement", "US-SLV-2025", "--from", "2025-03", "--to", "2025-07")
    assert code == 0
    data = json.loads(out)
    assert data["total"] == "16383.55" and data["currency"] == "USD" and data["agreement"] == "US-SLV-2025"
    assert data["invoices"][0]["lines"][0] == {
        "kind": "custody",
        "person": "P1",
        "days": 16,
        "rate_version": "2025-03-14",
        "rate_versions": ["2025-03-14"],
        "amount": "876.71",
    }


def test_bill_as_csv_and_table() -> None:
    args = ("bill", S23, "--agreement", A365, "--from", "2025-03", "--to", "2025-04")
    code, out, _ = run(CliRunner(), *args, "--format", "csv")
    assert code == 0
    assert out.splitlines()[1] == ",2025-03,custody,P1,,,,,16,2025-03-14,876.71,USD,"
    code, out, _ = run(CliRunner(), *args, "--format", "table")
    assert code == 0 and "1643.84" in out and "2520.55" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--agreement", "NOPE", "--from", "2025-03", "--to", "2025-03"), "no agreement with id 'NOPE'"),
        (("--agreement", A365, "--from", "2025-3", "--to", "2025-03"), "is not a month written YYYY-MM"),
        (("--agreement", A365, "--from", "2024-01", "--to", "2024-02"), "2024-01: no version"),
    ],
)
def test_bill_refuses_bad_requests_with_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = run(CliRunner(), "bill", S23, *args)
    assert code == 2 and out == "" and message in err


def test_bill_refuses_a_source_that_is_neither_file_nor_database() -> None:
    code, _, err = run(CliRunner(), "bill", "missing.yaml", "--agreement", A365, "--from", "2025-03", "--to", "2025-03")
    assert code == 2 and "neither a world file nor a database URL" in err


def test_issue_adjust_show_csv_and_pdf_through_the_database(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    assert run(runner, "import", S23)[0] == 0
    code, out, _ = run(runner, "invoice", "issue", "--agreement", A365, "--month", "2025-07", "--format", "json")
    assert code == 0
    issued = json.loads(out)
    assert (issued["number"], issued["total"], issued["payer"]) == (f"INV-{A365}-2025-07", "931.51", "USA")

    late = tmp_path / "late.yaml"
    late.write_text(S23.read_text().replace("release: 2025-07-18}", "release: 2025-07-10}"))
    code, _, err = run(runner, "invoice", "issue", "--agreement", A365, "--month", "2025-07", "--world", late)
    assert code == 2 and "invoice adjust" in err
    code, out, _ = run(
        runner,
        "invoice",
        "adjust",
        "--agreement",
        A365,
        "--month",
        "2025-07",
        "--world",
        late,
        "--reason",
        "release recorded late",
        "--format",
        "json",
    )
    assert code == 0
    note = json.loads(out)
    assert note["kind"] == "credit_note" and note["references"] == issued["number"] and note["total"] == "-438.36"

    code, out, _ = run(runner, "invoice", "show", issued["number"])
    assert code == 0 and json.loads(out) == issued  # the original is frozen
    code, out, _ = run(runner, "invoice", "csv", note["number"])
    assert code == 0 and "P1: 17 days billed, 9 days held" in out

    pdf = tmp_path / "invoice.pdf"
    assert run(runner, "invoice", "pdf", issued["number"], "--out", pdf)[0] == 0
    assert_pdf_reads(
        pdf,
        [
            issued["number"],
            "El Salvador (SLV)",
            "United States (USA)",
            "2025-07-01 to 2025-07-31",
            "Custody of detainee P1",
            "931.51",
            "accord-fees/1",
            issued["lines_hash"],
            "page 1 of 1",
        ],
    )


def assert_pdf_reads(path: Path, expected: list[str]) -> None:
    """The text a finance office reads, extracted from the PDF, and a rendered page that is not blank."""
    document = pdfium.PdfDocument(str(path))
    page = document[0]
    text = page.get_textpage().get_text_range()
    for snippet in expected:
        assert snippet in text, snippet
    image = page.render(scale=1).to_pil().convert("L")
    low, high = image.getextrema()
    assert high - low > 128  # dark text on a light page
    assert sum(image.histogram()[:128]) > 1000  # enough dark pixels to be text
    document.close()


def test_a_tampered_invoice_fails_verification(runner: CliRunner, database_url: str) -> None:
    run(runner, "import", S23)
    run(runner, "invoice", "issue", "--agreement", A365, "--month", "2025-07")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(update(billing_lines).values(amount_minor=100000))
    engine.dispose()
    code, _, err = run(runner, "invoice", "show", f"INV-{A365}-2025-07")
    assert code == 1 and "no longer match the hash" in err


def test_issue_refusals_store_nothing(runner: CliRunner, database_url: str, tmp_path: Path) -> None:
    run(runner, "import", S23)
    flights = tmp_path / "flights.csv"
    flights.write_text("flight,date,hours\nGXA-1,2025-07-18,two\n")
    for args in (
        ("--agreement", "NOPE", "--month", "2025-07"),
        ("--agreement", A365, "--month", "2024-12"),
        ("--agreement", A365, "--month", "2025-07", "--flights", flights),
        ("--agreement", A365, "--month", "2025-07", "--flights", tmp_path / "absent.csv"),
    ):
        code, _, err = run(runner, "invoice", "issue", *args)
        assert code == 2, err
    assert "flights.csv:2: hours: 'two' is not a decimal number" in err or "absent.csv" in err
    assert documents_stored(database_url) == 0


def test_flight_rows_are_located_in_their_file(tmp_path: Path) -> None:
    flights = tmp_path / "flights.csv"
    flights.write_text("flight,date,hours\nGXA-1,2025-07-18,two\n")
    code, _, err = run(
        CliRunner(), "bill", S23, "--agreement", A365, "--from", "2025-07", "--to", "2025-07", "--flights", flights
    )
    assert code == 2 and f"{flights}:2: hours: 'two' is not a decimal number" in err


def test_reconcile_lists_each_discrepancy_with_the_money_at_stake(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("person,intake,release\nP1,2025-03-16,2025-07-12\nP9,2025-07-01,\n")
    code, out, _ = run(
        CliRunner(),
        "reconcile",
        "--agreement",
        A365,
        "--month",
        "2025-07",
        "--roster",
        roster,
        "--world",
        S23,
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert (data["accord_total"], data["roster_total"], data["difference"]) == ("931.51", "2301.37", "1369.86")
    assert [(d["person"], d["kind"], d["at_stake"]) for d in data["discrepancies"]] == [
        ("P1", "release_differs", "-328.77"),
        ("P9", "only_roster", "1698.63"),
    ]


def test_reconcile_refuses_a_release_before_intake(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("person,intake,release\nP1,2025-03-16,2025-03-01\n")
    code, _, err = run(
        CliRunner(), "reconcile", "--agreement", A365, "--month", "2025-07", "--roster", roster, "--world", S23
    )
    assert code == 2 and "roster.csv:2: (row): custody of P1" in err and "not after intake" in err
