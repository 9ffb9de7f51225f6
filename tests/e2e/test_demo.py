"""`accord demo`, the main job `make demo` runs, end to end on an empty database of each kind: the evening of
2025-03-15 decided, replayed with a co-signed ledger verified offline, its decisions replayed, and billed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def test_the_demo_tells_the_evening_from_decision_to_invoice(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_DATABASE_URL", database_url)
    monkeypatch.setenv("ACCORD_LEDGER_KEYRING", str(tmp_path / "keyring.json"))
    result = CliRunner().invoke(
        app,
        [
            "demo",
            str(EXAMPLES / "us-slv-2025.yaml"),
            "--flights",
            str(EXAMPLES / "flights" / "evening-2025-03-15.yaml"),
            "--court-order",
            str(EXAMPLES / "court-orders" / "jgg-tro-class.yaml"),
            "--ledger-export",
            str(tmp_path / "ledger"),
            "--report-charts",
            str(tmp_path / "charts"),
        ],
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # the console wraps long lines
    assert "as known now (era us-baseline): 106 of 301 people could lawfully be moved." in out
    assert "REFUSED" in out and "court_order (court order JGG-TRO-CLASS (bar_removal)" in out
    # 190 handovers, 2 organisations (the charter's escort holds people for US-DHS), 3 custodian keys.
    assert "verified offline: 195 entries" in out and "190 handover" in out
    # The people held in flight are refused at arrival without a decision (a hold ends only by a lift).
    assert "1063 replayed, 1063 the same, 0 different" in out
    # The two flights are charged from their exact block time (8 h 45 min, 8 h 25 min), rounded once.
    assert "│ 2025-03 │ 70 │ 2 │ 209003.03 │" in out and "│ all │ │ │ 324071.83 │" in out
    assert (tmp_path / "ledger").is_dir()
    # The reports: the 70 handed over (the invoice's 70 custody lines), by pathway; their charts.
    assert "│ 2025-03 │ SLV │ 22 │ 48 │ 70 │" in out
    assert "Custody population per facility against capacity — sent by USA — 2025-03 to 2025-07" in out
    charts = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert len(charts) == 8 and "custody-population.png" in charts and "monthly-removals.svg" in charts
