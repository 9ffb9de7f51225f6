"""`accord decide`, `explain`, `scenarios run` and `rules show` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
S13 = str(ROOT / "tests/scenarios/s13-tro-open-manifest-carve-out.yaml")
THIRD_PLANE = "2025-03-15T19:36:00-04:00"
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_decide_json_prints_only_the_decision_json() -> None:
    code, out, _ = run("decide", S13, "--as-of", THIRD_PLANE, "--format", "json", "--person", "P2")
    assert code == 0
    data = json.loads(out)
    assert data["era"] == "us-baseline" and [d["person"] for d in data["decisions"]] == ["P2"]
    statuses = {p["kind"]: p["status"] for p in data["decisions"][0]["pathways"]}
    assert statuses == {"repatriation": "blocked", "third_country": "allowed"}


def test_decide_table_says_who_could_be_moved() -> None:
    code, out, _ = run("decide", S13, "--as-of", THIRD_PLANE, "--format", "table")
    assert code == 0
    assert "1 of 3 people could lawfully be moved" in out and "identity_unverified" in out


def test_decide_parquet_needs_output_and_writes_one_row_per_pathway(tmp_path: Path) -> None:
    code, _, err = run("decide", S13, "--as-of", THIRD_PLANE, "--format", "parquet")
    assert code == 2 and "--output" in err
    import pyarrow.parquet as pq

    target = tmp_path / "d.parquet"
    assert run("decide", S13, "--as-of", THIRD_PLANE, "--format", "parquet", "--output", str(target))[0] == 0
    table = pq.read_table(target)
    assert table.num_rows == 6 and set(table.column("era").to_pylist()) == {"us-baseline"}


def test_unknown_person_exits_2_and_says_so() -> None:
    code, out, err = run("decide", S13, "--as-of", THIRD_PLANE, "--format", "json", "--person", "P9")
    assert (code, out) == (2, "")
    assert "no person with id 'P9'" in err


def test_invalid_world_gives_file_line_errors_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(Path(S13).read_text().replace("      district: SDTX\n", "      distric: SDTX\n", 1))
    code, out, err = run("decide", str(broken), "--as-of", THIRD_PLANE, "--format", "json")
    assert code == 2 and out == ""
    assert f"{broken}:36: world.persons[0].distric: unknown key" in err
    assert "Traceback" not in err


def test_bad_instant_exits_2() -> None:
    code, _, err = run("decide", S13, "--as-of", "2025-03-15 19:36", "--format", "json")
    assert code == 2 and "no UTC offset" in err


def test_explain_renders_the_reasoning() -> None:
    code, out, _ = run("explain", S13, "--person", "P1", "--as-of", THIRD_PLANE)
    assert code == 0
    assert "Era us-baseline" in out
    assert "NO  court_order: court order JGG-TRO-CLASS" in out
    assert "ok  identity_unverified" in out and "Allowed: none" in out


def test_scenarios_run_reports_each_check_and_exits_by_result(tmp_path: Path) -> None:
    code, out, _ = run("scenarios", "run", str(ROOT / "tests/scenarios"))
    assert code == 0 and out.rstrip().endswith(" passed, 0 failed")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(Path(S13).read_text().replace("reasons: [identity_unverified]", "reasons: [capacity_full]"))
    code, out, _ = run("scenarios", "run", str(wrong))
    lines = out.strip().splitlines()
    assert code == 1 and lines[-1] == "1 passed, 1 failed"
    assert lines[1].startswith(f"FAIL {wrong}:88: as_of {THIRD_PLANE}: P3 third_country SLV US-SLV-2025")


def test_rules_show_prints_the_era_in_force() -> None:
    code, out, _ = run("rules", "show", "--as-of", "2025-05-01T00:00:00-04:00")
    assert code == 0 and "era us-dvd-pi" in out and "15 calendar days" in out and "us-baseline" not in out
    code, out, _ = run("rules", "show", "--pack", "generic")
    assert code == 0 and "era generic" in out
    assert run("rules", "show", "--pack", "fr")[0] == 2


@pytest.fixture
def stored_world(database_url: str) -> str:
    from accord.store.migrate import upgrade
    from accord.store.unit_of_work import UnitOfWork
    from accord.store.writer import import_document
    from accord.world import load_world_file

    with UnitOfWork(database_url) as uow:
        upgrade(uow.engine)
        now = datetime(2025, 3, 1, tzinfo=UTC)
        import_document(uow.connection, load_world_file(S13), now=now, source=S13)
        uow.commit()
    return database_url


def test_decisions_from_the_database_are_stored_for_replay(stored_world: str) -> None:
    from accord.store.tables_decisions import stored_decisions
    from accord.store.unit_of_work import UnitOfWork

    env = {"ACCORD_DATABASE_URL": stored_world}
    code, out, _ = run("decide", "db", "--as-of", THIRD_PLANE, "--format", "json", env=env)
    assert code == 0
    from_db = json.loads(out)
    from_file = json.loads(run("decide", S13, "--as-of", THIRD_PLANE, "--format", "json")[1])
    assert from_db["decisions"] == from_file["decisions"]
    assert run("decide", "db", "--as-of", THIRD_PLANE, "--format", "json", "--person", "P1", env=env)[0] == 0
    with UnitOfWork(stored_world) as uow:
        rows = stored_decisions(uow.connection)
    assert [r.person for r in rows] == ["P1", "P2", "P3", "P1"]
    assert {(r.rule_pack, r.era) for r in rows} == {("us", "us-baseline")}
    assert rows[0].inputs_hash == rows[3].inputs_hash and len(rows[0].inputs_hash) == 64
    assert rows[1].body == from_file["decisions"][1]


GENERIC = ROOT / "src/accord/rules/packs/generic.yaml"


def test_rules_check_locates_every_mistake_in_a_pack_file(tmp_path: Path) -> None:
    code, out, _ = run("rules", "check", str(GENERIC))
    assert code == 0 and out.startswith(f"ok {GENERIC}: rule pack generic (timezone UTC), eras: generic")
    bad = tmp_path / "ruritania.yaml"
    text = GENERIC.read_text(encoding="utf-8").replace("name: generic", "name: ruritania\nbogus: 1", 1)
    bad.write_text(text.replace("  adult_age: 18", "  adult_age: adult"), encoding="utf-8")
    code, out, err = run("rules", "check", str(bad))
    assert code == 2 and out == ""
    assert f"{bad}:4: bogus: unknown key" in err and f"{bad}:9: parameters.adult_age: " in err
    assert err.rstrip().endswith("2 errors")


def test_a_pack_file_decides_like_a_shipped_pack(tmp_path: Path) -> None:
    ruritania = tmp_path / "ruritania.yaml"
    ruritania.write_text(GENERIC.read_text(encoding="utf-8").replace("name: generic", "name: ruritania", 1))
    asked = ("decide", S13, "--as-of", THIRD_PLANE, "--format", "json")
    code, out, _ = run(*asked, "--pack", str(ruritania))
    assert code == 0
    with_file, shipped = json.loads(out), json.loads(run(*asked, "--pack", "generic")[1])
    assert (with_file["rule_pack"], shipped["rule_pack"]) == ("ruritania", "generic")
    assert with_file["decisions"] == shipped["decisions"]
    assert run("rules", "show", "--pack", str(ruritania))[1].startswith("rule pack ruritania:")
