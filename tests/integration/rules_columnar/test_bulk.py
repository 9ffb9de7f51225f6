"""The bulk directory format and `accord synth`: round trips, errors, and the columnar engine against the
interpreter on a synthetic caseload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from accord.cli.main import app
from accord.rules import bulk
from accord.rules.bulk import BulkInvalid, bulk_outcomes, load_bulk_world, read_decisions, run_bulk_decide, write_bulk
from accord.rules.interpreter import UnknownPerson, decide
from accord.rules.outcomes import Outcomes
from accord.world import DecisionCheck, load_world_file
from tests.conftest import SCENARIOS
from tests.unit.rules_columnar.test_differential import outcome

AS_OF = datetime(2025, 7, 20, 12, tzinfo=UTC)


def test_scenario_as_bulk_directory_decides_like_the_world_file(tmp_path: Path) -> None:
    document = load_world_file(SCENARIOS / "s13-tro-open-manifest-carve-out.yaml")
    write_bulk(tmp_path, document.world)
    for check in document.checks:
        assert isinstance(check, DecisionCheck)
        expected = outcome(decide(document.world, check.as_of, check.known_at))
        assert outcome(decide(load_bulk_world(tmp_path), check.as_of, check.known_at)) == expected
        got = run_bulk_decide(tmp_path, check.as_of, check.known_at).decisions
        assert got is not None and outcome(got) == expected


def test_decisions_parquet_is_dictionary_encoded_and_self_describing(tmp_path: Path) -> None:
    document = load_world_file(SCENARIOS / "s13-tro-open-manifest-carve-out.yaml")
    write_bulk(tmp_path / "in", document.world)
    as_of = datetime.fromisoformat("2025-03-15T19:36:00-04:00")
    result = run_bulk_decide(tmp_path / "in", as_of, output=tmp_path / "d.parquet", fmt="parquet")
    table = pq.read_table(tmp_path / "d.parquet")
    assert table.num_rows == result.pathways == 6
    for field in table.schema:
        kind = field.type.value_type if pa.types.is_list(field.type) else field.type
        assert pa.types.is_dictionary(kind), field
    book = json.loads(table.schema.metadata[b"accord.decisions"])
    assert book["format"] == "accord.decisions/3" and book["court_orders"] == ["JGG-TRO-CLASS"]
    first = table.slice(0, 1).to_pylist()[0]
    assert (first["person"], first["kind"], first["destination"], first["status"]) == (
        "P1",
        "repatriation",
        "VEN",
        "blocked",
    )
    assert (first["era"], first["rule_pack"]) == (result.era, "us") and first["reasons"]
    covered = [row for row in table.to_pylist() if "court_order" in row["reasons"].split()]
    assert covered and all(row["court_orders"] == ["JGG-TRO-CLASS"] for row in covered)


def test_decisions_parquet_decodes_to_what_the_engine_decided(tmp_path: Path) -> None:
    CliRunner().invoke(app, ["synth", "--people", "3000", "--seed", "5", "--out", str(tmp_path / "in")])
    for as_of in (AS_OF, datetime(2025, 3, 20, 12, tzinfo=UTC)):
        known_at = as_of - timedelta(days=30)
        decided = run_bulk_decide(tmp_path / "in", as_of, known_at).decisions
        assert decided is not None and any(p.status == "blocked" for d in decided.decisions for p in d.pathways)
        run_bulk_decide(tmp_path / "in", as_of, known_at, output=tmp_path / "d.parquet", fmt="parquet", overwrite=True)
        assert read_decisions(tmp_path / "d.parquet", tmp_path / "in") == decided
    some = [decided.decisions[i].person for i in (7, 3, 7)]
    run_bulk_decide(tmp_path / "in", as_of, known_at, some, output=tmp_path / "some.parquet", fmt="parquet")
    assert pq.read_table(tmp_path / "some.parquet").column("person").to_pylist()[0] in some
    expected = run_bulk_decide(tmp_path / "in", as_of, known_at, some).decisions
    assert read_decisions(tmp_path / "some.parquet", tmp_path / "in") == expected


def test_cli_writes_the_coded_decisions_for_a_directory(tmp_path: Path) -> None:
    CliRunner().invoke(app, ["synth", "--people", "200", "--seed", "2", "--out", str(tmp_path / "in")])
    out = tmp_path / "d.parquet"
    args = ["decide", str(tmp_path / "in"), "--as-of", AS_OF.isoformat(), "--format", "parquet", "--output", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert read_decisions(out, tmp_path / "in") == run_bulk_decide(tmp_path / "in", AS_OF).decisions


def test_missing_file_and_unknown_person_are_reported(tmp_path: Path) -> None:
    document = load_world_file(SCENARIOS / "s13-tro-open-manifest-carve-out.yaml")
    write_bulk(tmp_path, document.world)
    with pytest.raises(UnknownPerson):
        run_bulk_decide(tmp_path, AS_OF, person_ids=["nobody"])
    (tmp_path / "notices.parquet").unlink()
    with pytest.raises(BulkInvalid, match=r"notices\.parquet"):
        run_bulk_decide(tmp_path, AS_OF)


def test_a_column_of_the_wrong_type_is_named_with_its_file(tmp_path: Path) -> None:
    write_bulk(tmp_path, load_world_file(SCENARIOS / "s13-tro-open-manifest-carve-out.yaml").world)
    persons = pq.read_table(tmp_path / "persons.parquet")
    where = persons.schema.get_field_index("birth_date")
    pq.write_table(
        persons.set_column(where, "birth_date", pa.array(["soon"] * persons.num_rows)), tmp_path / "p.parquet"
    )
    (tmp_path / "p.parquet").replace(tmp_path / "persons.parquet")
    with pytest.raises(BulkInvalid) as raised:
        run_bulk_decide(tmp_path, AS_OF)
    assert str(raised.value).startswith(f"{tmp_path / 'persons.parquet'}:1: birth_date: not of the documented type")


def test_synth_caseload_decides_like_the_interpreter(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--people", "3000", "--seed", "7", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    world = load_bulk_world(tmp_path)
    assert len(world.persons) == 3000
    for as_of in (AS_OF, datetime(2025, 3, 20, 12, tzinfo=UTC), datetime(2025, 5, 1, 12, tzinfo=UTC)):
        got = run_bulk_decide(tmp_path, as_of).decisions
        assert got is not None and outcome(got) == outcome(decide(world, as_of))


def test_synth_is_deterministic_and_rejects_bad_sizes(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        runner.invoke(app, ["synth", "--people", "500", "--seed", "3", "--out", str(tmp_path / name)])
    assert pq.read_table(tmp_path / "a" / "orders.parquet").equals(pq.read_table(tmp_path / "b" / "orders.parquet"))
    bad = runner.invoke(app, ["synth", "--people", "0", "--out", str(tmp_path / "c")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_named_persons_of_a_bulk_directory_are_decided_and_explained_like_the_world_file(tmp_path: Path) -> None:
    world_file = SCENARIOS / "s13-tro-open-manifest-carve-out.yaml"
    write_bulk(tmp_path, load_world_file(world_file).world)
    runner = CliRunner()
    at = ["--as-of", "2025-03-15T19:36:00-04:00"]
    for command in (["decide", "--person", "P2", "--person", "P1", "--format", "json"], ["explain", "--person", "P2"]):
        from_directory = runner.invoke(app, [command[0], str(tmp_path), *command[1:], *at])
        from_file = runner.invoke(app, [command[0], str(world_file), *command[1:], *at])
        assert from_directory.exit_code == 0, from_directory.output
        # The interpreter's full details, not the columnar engine's short ones. Only the records' dates
        # differ: the bulk format keeps a date-only value as the instant it stands for (docs/bulk-format.md).
        assert _without_records(from_directory.stdout) == _without_records(from_file.stdout)
    unknown = runner.invoke(app, ["explain", str(tmp_path), "--person", "nobody", *at])
    assert unknown.exit_code == 2 and "no person with id 'nobody' in this caseload" in unknown.stderr


def _without_records(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.lstrip().startswith("record:")]


def test_caseload_outcomes_are_counted_from_the_coded_rows_as_from_the_decisions(tmp_path: Path) -> None:
    CliRunner().invoke(app, ["synth", "--people", "3000", "--seed", "11", "--out", str(tmp_path)])
    for as_of in (AS_OF, datetime(2025, 3, 20, 12, tzinfo=UTC)):
        known_at = as_of - timedelta(days=10)
        decided = run_bulk_decide(tmp_path, as_of, known_at).decisions
        assert decided is not None
        expected = Outcomes.of_decisions(decided)
        counted = bulk_outcomes(tmp_path, as_of, known_at)
        assert counted == expected and 0 < counted.movable < counted.persons
        assert sum(counted.reasons.values()) == sum(len(p.reasons) for d in decided.decisions for p in d.pathways)
    table = CliRunner().invoke(app, ["decide", str(tmp_path), "--as-of", AS_OF.isoformat(), "--format", "table"])
    assert table.exit_code == 0, table.output
    now = bulk_outcomes(tmp_path, AS_OF)
    assert f"{now.movable} of {now.persons} people could lawfully be moved" in table.stdout
    assert "Pathways by outcome" in table.stdout and "Why the others could not be moved" in table.stdout


def test_a_whole_caseload_json_is_streamed_exactly_as_the_decision_set_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 128)  # 700 people: six chunks, the last one short
    CliRunner().invoke(app, ["synth", "--people", "700", "--seed", "4", "--out", str(tmp_path / "in")])
    decided = run_bulk_decide(tmp_path / "in", AS_OF).decisions
    assert decided is not None
    expected = json.dumps(decided.to_json(), indent=2, ensure_ascii=False) + "\n"
    args = ["decide", str(tmp_path / "in"), "--as-of", AS_OF.isoformat(), "--format", "json"]
    printed = CliRunner().invoke(app, args)
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == expected
    assert CliRunner().invoke(app, [*args, "--output", str(tmp_path / "d.json")]).exit_code == 0
    assert (tmp_path / "d.json").read_text(encoding="utf-8") == expected
    chunks: list[int] = []
    written = run_bulk_decide(
        tmp_path / "in", AS_OF, output=tmp_path / "api.json", fmt="json", progress=lambda n, _: chunks.append(n)
    )
    assert (tmp_path / "api.json").read_text(encoding="utf-8") == expected
    assert sorted(chunks) == [60, *[128] * 5]  # the workers report in any order
    pathways = [p for d in decided.decisions for p in d.pathways]
    assert (written.persons, written.pathways) == (len(decided.decisions), len(pathways))
    assert written.allowed == sum(p.status == "allowed" for p in pathways)
