"""Files Accord writes (accord.files): whole or not at all, never through a symlink, never over an existing
file unless asked, and CSV cells no spreadsheet runs as a formula."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from accord.files import OutputRefused, new_file, open_new, refuse_protected, safe_cell, write_file


def test_a_new_file_is_written_and_never_replaces_one_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_file(path, "first")
    with pytest.raises(OutputRefused, match="exists; use --force"):
        write_file(path, "second")
    assert path.read_text() == "first"
    write_file(path, "third", overwrite=True)
    assert path.read_text() == "third"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left behind


def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep me")
    link = tmp_path / "entries.jsonl"
    link.symlink_to(target)
    with pytest.raises(OutputRefused):
        write_file(link, "attack")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputRefused):
        write_file(tmp_path / "dangling", "attack")
    assert not (tmp_path / "nowhere").exists()
    write_file(link, "replaced", overwrite=True)  # the link itself is replaced, not its target
    assert target.read_text() == "keep me" and not link.is_symlink() and link.read_text() == "replaced"


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "half.json"
    with pytest.raises(RuntimeError), open_new(path, "w") as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_modes(tmp_path: Path) -> None:
    write_file(tmp_path / "secret", "k", mode=0o600)
    assert stat.S_IMODE(os.stat(tmp_path / "secret").st_mode) == 0o600
    with new_file(tmp_path / "plain") as temporary:
        temporary.write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "plain").st_mode) == 0o666 & ~mask


def test_protected_files_are_refused_by_any_name(tmp_path: Path) -> None:
    database = tmp_path / "accord.db"
    database.write_text("db")
    (tmp_path / "alias.db").symlink_to(database)
    for name in ("accord.db", "alias.db", "./sub/../accord.db"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputRefused, match="Accord's own file"):
            refuse_protected([tmp_path / name], [database, tmp_path / "accord.db-wal"])
    refuse_protected([tmp_path / "other.db"], [database])


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("P001", "P001"),
        ("", ""),
    ],
)
def test_csv_cells_are_neutralised_as_owasp_recommends(cell: str, written: str) -> None:
    assert safe_cell(cell) == written
