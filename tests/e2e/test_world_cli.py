"""`accord world check` and `accord schema world`: the interchange format, no database."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from accord.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "examples" / "us-slv-2025.yaml"
TEN_MISTAKES = ROOT / "tests" / "e2e" / "store" / "ten_mistakes.yaml"


def test_world_check_accepts_the_reference_world_and_locates_every_mistake() -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["world", "check", str(REFERENCE)])
    assert good.exit_code == 0, good.output
    assert f"ok {REFERENCE}: 301 persons, 1 agreements" in " ".join(good.stdout.split())
    both = runner.invoke(app, ["world", "check", str(REFERENCE), str(TEN_MISTAKES)])
    located = [line for line in both.stderr.splitlines() if re.match(rf"{re.escape(str(TEN_MISTAKES))}:\d+: \S+", line)]
    assert both.exit_code == 2 and len(located) == 10
    assert both.stderr.rstrip().endswith("10 errors") and "Traceback" not in both.output


def test_schema_world_is_a_json_schema_of_the_document() -> None:
    result = CliRunner().invoke(app, ["schema", "world"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"format", "world"} <= set(schema["properties"]) and "$defs" in schema
