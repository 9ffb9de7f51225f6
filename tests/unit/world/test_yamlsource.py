"""The YAML reader refuses what an input file never needs (aliases, collections as keys, foreign tags,
deep nesting, a second document) with one located error, and builds the same value with or without
line numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.world import WorldInvalid, load_world_text
from accord.world.yamlsource import MAX_DEPTH, YamlSyntaxError, load_yaml, load_yaml_file

# The 279-byte kind of file of issue 12: nine references per level, expanded 9^6 times by a naive loader.
ALIAS_BOMB = "format: accord.world/1\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join(f'*{previous}' for _ in range(9))}]\n"
    for previous, name in zip("abcdefg", "bcdefgh", strict=False)
)


def refusal(text: str) -> str:
    with pytest.raises(YamlSyntaxError) as caught:
        load_yaml(text, "in.yaml")
    return str(caught.value)


def test_an_alias_bomb_is_refused_at_its_first_alias() -> None:
    assert (
        refusal(ALIAS_BOMB) == "in.yaml:3: (document): YAML aliases (*a) are not accepted in input files: write it out"
    )


def test_a_recursive_alias_is_refused_not_a_recursion_error() -> None:
    assert "aliases (*w)" in refusal("format: accord.world/1\nworld: &w [*w]\n")


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}"])
def test_a_collection_used_as_a_key_is_refused(key: str) -> None:
    assert refusal(f"format: accord.world/1\n? {key}\n: 1\n") == (
        "in.yaml:2: (document): a mapping or a list cannot be a key; keys are plain scalars"
    )


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert f"nested more than {MAX_DEPTH} levels deep" in refusal(f"world: {deep}\n")
    fine = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    value, _, _ = load_yaml(f"world: {fine}\n", "in.yaml")
    assert value["world"] is not None


def test_libyaml_s_own_depth_limit_is_a_located_error_too() -> None:
    assert "YAML syntax" in refusal("world: " + "[" * 2000 + "]" * 2000 + "\n")


@pytest.mark.parametrize("tagged", ["!!binary aGVsbG8=", "!!python/name:os.system ''", "!custom 1", "!!set {a}"])
def test_tags_other_than_yaml_s_own_scalars_are_refused(tagged: str) -> None:
    assert "is not accepted here" in refusal(f"world: {tagged}\n") or "YAML syntax" in refusal(f"world: {tagged}\n")


def test_a_character_yaml_never_allows_is_a_located_error() -> None:
    assert refusal("a: 1\nb: \x00\n") == "in.yaml:2: (document): YAML syntax: U+0000 is not allowed in YAML"


def test_a_second_document_is_refused() -> None:
    assert (
        refusal("a: 1\n---\nb: 2\n")
        == "in.yaml:2: (document): a file holds one YAML document; a second one starts here"
    )


def test_an_impossible_timestamp_stays_text_for_validation_to_locate() -> None:
    value, _, _ = load_yaml("b: 2025-13-40\nc: 2025-03-14\n", "in.yaml")
    assert value == {"b": "2025-13-40", "c": date(2025, 3, 14)}


def test_merge_and_value_keys_are_plain_text() -> None:
    value, _, _ = load_yaml("'<<': 1\n=: 2\n", "in.yaml")
    assert value == {"<<": 1, "=": 2}


def test_an_unreadable_or_non_utf8_file_is_a_located_error(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("person: Jos\xe9\n".encode("latin-1"))
    with pytest.raises(YamlSyntaxError, match=r"latin.yaml:1: \(file\): not UTF-8 text"):
        load_yaml_file(latin)
    with pytest.raises(YamlSyntaxError, match=r"missing.yaml:1: \(file\): cannot read"):
        load_yaml_file(tmp_path / "missing.yaml")


def test_a_duplicate_key_found_without_line_numbers_is_located_all_the_same() -> None:
    value, source, errors = load_yaml("a:\n  b: 1\n  b: 2\n", "in.yaml", locate=False)
    assert [str(e) for e in errors] == ["in.yaml:3: a.b: duplicate key"]
    assert source.line_of(("a", "b")) == 2 and value == {"a": {"b": 2}}


def test_world_check_refuses_the_bomb_as_one_located_error() -> None:
    with pytest.raises(WorldInvalid) as caught:
        load_world_text(ALIAS_BOMB, "bomb.yaml")
    assert [e.line for e in caught.value.errors] == [3]


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)
_KEYS = st.text(st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=1, max_size=6)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(document=_DOCUMENTS, flow=st.booleans())
def test_the_value_is_the_same_with_or_without_line_numbers_and_as_pyyaml_reads_it(document: Any, flow: bool) -> None:
    text = yaml.safe_dump({"root": document}, default_flow_style=flow, allow_unicode=True)
    fast, _, _ = load_yaml(text, "in.yaml", locate=False)
    located, source, errors = load_yaml(text, "in.yaml")
    assert fast == located == yaml.safe_load(text) and not errors
    assert source.line_of(("root",)) == 1
