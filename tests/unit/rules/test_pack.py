"""Rule packs: the shipped packs load, eras resolve at their boundaries, and the schema is strict."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from accord.domain import World
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.pack import PackInvalid, UnknownPack, load_pack, load_pack_file, pack_for_world

US = load_pack("us")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_every_code_cites_a_source_in_both_packs() -> None:
    for name in ("us", "generic"):
        pack = load_pack(name)
        assert all(pack.source_for(code) for code in (*REASON_CODES, *WARNING_CODES))


@pytest.mark.parametrize(
    ("instant", "era"),
    [
        ("1999-03-21T23:59:59-05:00", None),
        ("1999-03-22T00:00:00-05:00", "us-baseline"),
        ("2025-03-27T23:59:59-04:00", "us-baseline"),
        ("2025-03-28T00:00:00-04:00", "us-dvd-tro"),
        ("2025-04-18T00:00:00-04:00", "us-dvd-pi"),
        ("2025-06-23T03:59:59Z", "us-dvd-pi"),
        ("2025-06-23T04:00:00Z", "us-post-stay"),
        ("2025-07-09T00:00:00-04:00", "us-memo-2025-07"),
        ("2030-01-01T00:00:00Z", "us-memo-2025-07"),
    ],
)
def test_era_boundaries_are_instants_in_new_york(instant: str, era: str | None) -> None:
    found = US.era_at(at(instant))
    assert (found.id if found else None) == era


def test_era_rules_follow_the_table() -> None:
    eras = {e.id: e for e in US.eras}
    assert str(eras["us-baseline"].notice.min_notice) == "24 h"
    assert str(eras["us-dvd-tro"].notice.min_notice) == "10 calendar days"
    assert eras["us-dvd-pi"].reopen_days == 15
    assert [e.id for e in US.eras if e.reopen_days] == ["us-dvd-pi"]
    memo = eras["us-memo-2025-07"].notice
    assert memo.assurances_waive_notice and memo.exigent_min_hours == 6
    assert US.source_for("notice_period", eras["us-dvd-pi"]) != US.source_for("notice_period")


def test_pack_for_world_defaults_by_sending_state() -> None:
    assert pack_for_world(World(sending_state="USA")).name == "us"
    assert pack_for_world(World(sending_state="GBR")).name == "generic"
    assert pack_for_world(World(sending_state="GBR", rule_pack="us")).name == "us"
    generic = load_pack("generic")
    assert generic.timezone == "UTC" and [e.id for e in generic.eras] == ["generic"]


def test_unknown_pack_name_is_refused() -> None:
    with pytest.raises(UnknownPack, match="no rule pack named 'fr'"):
        load_pack("fr")


def _write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (Path(__file__).resolve().parents[3] / "src/accord/rules/packs/us.yaml").read_text()
    assert old in text
    path = tmp_path / "us.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_unknown_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "    reopen_days: 15\n", "    reopen_days: 15\n    reopen_dayz: 15\n")
    with pytest.raises(PackInvalid) as caught:
        load_pack_file(path)
    [error] = caught.value.errors
    expected = (_line_of(path, "reopen_dayz"), "eras[2].reopen_dayz", "unknown key")
    assert (error.line, error.path, error.message) == expected


def test_overlapping_eras_and_missing_sources_are_errors(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "from: 2025-04-18\n", "from: 2025-04-17\n")
    with pytest.raises(PackInvalid, match=r"eras\[2\]\.from: overlaps era 'us-dvd-tro'"):
        load_pack_file(path)
    path = _write_variant(tmp_path, "  capacity_full:", "  capacity_fully:")
    with pytest.raises(PackInvalid) as caught:
        load_pack_file(path)
    messages = {str(e).split(": ", 1)[1] for e in caught.value.errors}
    assert "sources: no source for code 'capacity_full' (every reason and warning must cite one)" in messages
    assert "sources.capacity_fully: not a reason or warning code" in messages


def test_a_period_has_exactly_one_unit(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, "min_notice: {days: 10}}", "min_notice: {days: 10, hours: 1}}")
    with pytest.raises(PackInvalid, match="exactly one of `hours` or `days`"):
        load_pack_file(path)
