"""A world read person by person (`world.stream`) is the world `load_world_file` reads, and a file with a
mistake anywhere gives exactly `load_world_file`'s located errors."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from accord.domain import Person
from accord.world import WorldInvalid, load_world_file
from accord.world.stream import StreamedWorld, stream_world_file
from tests.conftest import EXAMPLES, SCENARIOS

WORLD = """\
format: accord.world/1
world:
  sending_state: USA
  persons:
    - {id: P1, status: undocumented}
    - {id: P2, status: lpr}
    - {id: P3, status: refugee}
  agreements:
    - {id: A1, sending: USA, receiving: SLV, timezone: UTC, versions: [{from: 2025-01-01, status: in_force}]}
  custody:
    - {person: P2, agreement: A1, intake: 2025-03-16}
"""


def streamed(path: Path, chunk: int = 2) -> tuple[list[list[Person]], StreamedWorld]:
    chunks: list[list[Person]] = []

    def sink(people: Sequence[Person]) -> None:
        chunks.append(list(people))

    return chunks, stream_world_file(path, sink, chunk)


@pytest.mark.parametrize(
    "path", [EXAMPLES / "us-slv-2025.yaml", *sorted(SCENARIOS.glob("*.yaml"))[:8]], ids=lambda p: p.name
)
def test_the_persons_and_the_rest_are_the_loaded_world_s(path: Path) -> None:
    chunks, result = streamed(path, chunk=7)
    document = load_world_file(path)
    assert [p for chunk in chunks for p in chunk] == list(document.world.persons)
    assert all(len(chunk) <= 7 for chunk in chunks)
    assert result.persons == len(document.world.persons)
    assert result.document == document.model_copy(update={"world": document.world.model_copy(update={"persons": ()})})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("{id: P3, status: refugee}", "{id: P3, status: astronaut}"), "world.persons[2].status"),
        (("{id: P3, status: refugee}", "{id: P1, status: refugee}"), "duplicate id 'P1'"),
        (("person: P2", "person: P9"), "no person with id 'P9'"),
        (
            (
                "{id: P3, status: refugee}",
                "{id: P3, status: refugee, orders: [{basis: title8, issued: 2020-01-01, designated: [USA]}]}",
            ),
            "may not designate the sending state",
        ),
        (("  custody:", "  persons: []\n  custody:"), "duplicate key"),
    ],
)
def test_a_mistake_anywhere_gives_load_world_file_s_errors(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(WORLD.replace(*change))
    with pytest.raises(WorldInvalid) as loaded:
        load_world_file(path)
    with pytest.raises(WorldInvalid) as caught:
        streamed(path, chunk=1)
    assert [str(e) for e in caught.value.errors] == [str(e) for e in loaded.value.errors]
    assert any(expected in str(e) for e in caught.value.errors)
