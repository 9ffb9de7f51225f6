"""The world loader: every public scenario validates; every mistake is one FILE:LINE error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from accord.world import WorldInvalid, dump_document, load_world_file, load_world_text
from accord.world.document import WorldDocument
from tests.conftest import EXAMPLES, SCENARIOS

TEN_MISTAKES = """\
format: accord.world/1
world:
  sending_state: USA
  colour: blue
  countries:
    - code: XXX
  facilities:
    - {id: F1, country: SLV, kind: prison, timezone: Mars/Olympus}
  agreements:
    - id: A1
      sending: USA
      receiving: SLV
      facility: NOPE
      versions:
        - {from: 2025-03-14, status: in_force, accepts: {nationalities: [VEN, QQQ]}}
  persons:
    - id: P1
      status: undocumented
      nationalities: [VEN]
      languages: [xx]
      orders:
        - {basis: title8, issued: 2025-01-01, final: 2025-01-10T10:00:00}
      fear_claims:
        - {country: SLV, stated: 2025-01-01T10:00:00Z, outcome: positive}
  custody:
    - {person: P9, agreement: A1, intake: 2025-03-16}
    - {agreement: A1, intake: 2025-03-16, count: 3, release: 2025-03-01}
"""


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_scenario_validates(path: Path) -> None:
    document = load_world_file(path)
    assert document.checks, "a scenario without checks tests nothing"


def test_reference_world_validates_and_follows_the_public_mix() -> None:
    world = load_world_file(EXAMPLES / "us-slv-2025.yaml").world
    by_nationality: dict[str, int] = {}
    for person in world.persons:
        by_nationality[person.nationalities[0]] = by_nationality.get(person.nationalities[0], 0) + 1
    assert by_nationality["VEN"] == 238
    assert by_nationality["SLV"] == 23
    assert world.agreement_by_id["US-SLV-2025"].versions[0].capacity == 300


def test_ten_mistakes_give_ten_located_errors() -> None:
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(TEN_MISTAKES, "ten.yaml")
    lines = [str(e) for e in caught.value.errors]
    assert len(lines) == 10, "\n".join(lines)
    assert all(line.startswith("ten.yaml:") for line in lines)
    expected = [
        "ten.yaml:4: world.colour: unknown key",
        "ten.yaml:6: world.countries[0].code:",
        "ten.yaml:8: world.facilities[0].timezone:",
        "ten.yaml:13: world.agreements[0].facility: no facility with id 'NOPE'",
        "ten.yaml:15: world.agreements[0].versions[0].accepts.nationalities[1]:",
        "ten.yaml:20: world.persons[0].languages[0]:",
        "ten.yaml:22: world.persons[0].orders[0].final: datetime has no UTC offset",
        "ten.yaml:24: world.persons[0].fear_claims[0]: a positive outcome needs `decided`",
        "ten.yaml:26: world.custody[0].person: no person with id 'P9'",
        "ten.yaml:27: world.custody[1]: release must be after intake",
    ]
    for prefix in expected:
        assert any(line.startswith(prefix) for line in lines), f"missing {prefix!r} in\n" + "\n".join(lines)


def test_duplicate_keys_are_errors_not_silently_merged() -> None:
    text = "format: accord.world/1\nworld:\n  sending_state: USA\n  sending_state: MEX\n"
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(text, "dup.yaml")
    assert [str(e) for e in caught.value.errors] == ["dup.yaml:4: world.sending_state: duplicate key"]


ONE_AGREEMENT = """\
format: accord.world/1
world:
  sending_state: USA
  agreements:
    - id: A1
      sending: USA
      receiving: SLV
      timezone: America/El_Salvador
      versions:
"""


def test_overlapping_versions_are_errors() -> None:
    text = (
        ONE_AGREEMENT
        + """\
        - {from: 2025-03-14, status: in_force}
        - {from: 2025-03-14, status: expired}
"""
    )
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(text, "v.yaml")
    assert len(caught.value.errors) == 1
    assert str(caught.value.errors[0]).startswith("v.yaml:11: world.agreements[0].versions[1].from:")


def test_yaml_syntax_error_is_located() -> None:
    with pytest.raises(WorldInvalid) as caught:
        load_world_text("format: accord.world/1\nworld: [unclosed\n", "s.yaml")
    assert caught.value.errors[0].file == "s.yaml"
    assert "YAML syntax" in caught.value.errors[0].message


def test_money_as_float_is_refused() -> None:
    text = (
        ONE_AGREEMENT
        + """\
        - from: 2025-03-14
          status: in_force
          fee: {amount: 20000.00, currency: USD, per: year, proration: actual_365}
"""
    )
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(text, "m.yaml")
    assert "never a float" in caught.value.errors[0].message
    assert caught.value.errors[0].line == 12


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("s*.yaml")), ids=lambda p: p.name)
def test_dump_then_load_gives_the_same_world(path: Path) -> None:
    document = load_world_file(path)
    again = load_world_text(dump_document(document), "dumped.yaml")
    assert again.world == document.world


def test_json_schema_forbids_unknown_keys() -> None:
    schema = WorldDocument.model_json_schema(by_alias=True)
    text = json.dumps(schema)
    assert '"additionalProperties": false' in text
    assert "sending_state" in text


def test_an_impossible_date_is_one_located_error_not_a_crash() -> None:
    text = (
        "format: accord.world/1\nworld:\n  sending_state: USA\n  persons:\n"
        "    - {id: P1, status: lpr, birth_date: 1995-13-40}\n"
    )
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(text, "d.yaml")
    assert [(e.line, e.path) for e in caught.value.errors] == [(5, "world.persons[0].birth_date")]


def _designated(kind: str, scope_kind: str = "ms13") -> str:
    return (
        "format: accord.world/1\nworld:\n  sending_state: USA\n  persons:\n"
        f"    - {{id: P1, status: lpr, designations: [{{kind: '{kind}', from: 2025-03-01}}]}}\n"
        "  court_orders:\n"
        "    - {id: O1, binding_from: 2025-03-15T12:00:00Z, effect: bar_removal,"
        f" scope: {{designations: ['{scope_kind}']}}}}\n"
    )


@pytest.mark.parametrize("kind", ["aea_tda", "ms13", "barrio_18", "k" * 32])
def test_a_designation_kind_is_any_lowercase_id(kind: str) -> None:
    world = load_world_text(_designated(kind, kind), "k.yaml").world
    assert world.persons[0].designations[0].kind == kind
    assert world.court_orders[0].scope.designations == (kind,)


@pytest.mark.parametrize("kind", ["MS-13", "13ms", "", "ms 13", "k" * 33])
def test_a_designation_kind_that_is_not_a_lowercase_id_is_a_located_error(kind: str) -> None:
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(_designated(kind, kind), "k.yaml")
    assert [(e.line, e.path) for e in caught.value.errors] == [
        (5, "world.persons[0].designations[0].kind"),
        (7, "world.court_orders[0].scope.designations[0]"),
    ]
    assert "lowercase id" in caught.value.errors[0].message


def test_every_mistake_of_a_file_is_reported_in_one_run_each_once_at_its_line() -> None:
    """many_mistakes.yaml marks each mistake's line with `# N`. Records with a schema error still get
    their cross-record checks (a dangling reference, versions out of order, an order designating the
    sending state), without knock-on errors from the fields that failed."""
    path = Path(__file__).with_name("many_mistakes.yaml")
    text = path.read_text()
    marked = {n + 1 for n, line in enumerate(text.splitlines()) if re.search(r"#\s*\d+\s", line)}
    assert len(marked) >= 15
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(text, "many.yaml")
    lines = [e.line for e in caught.value.errors]
    assert sorted(lines) == sorted(marked), "\n".join(map(str, caught.value.errors))
