"""Files Accord writes: whole or not at all, never through a symlink, never over an existing file unless
asked (`--force` on the command line), never over the files Accord itself lives on (docs/limits.md, "Files
Accord writes").

Every file is written into a fresh temporary file beside it (created with O_EXCL, so it is nobody's
symlink), then put in place at once: by `link()` when it must not replace anything (which fails if the name
exists, dangling symlink included), or by `rename()` when it may (which replaces a symlink itself, never its
target). A reader never sees half a file, and a failed write leaves nothing behind.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# A spreadsheet evaluates a cell starting with one of these as a formula ("CSV injection", OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ TAB or CR gets a
    leading apostrophe, as OWASP recommends; plain numbers ("-12.50") are left as they are, which no
    spreadsheet evaluates as anything but a number."""
    if value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class OutputRefused(Exception):
    """A file Accord will not write: it exists (and overwriting was not asked for), or it is one of
    Accord's own files (the database, the keyring)."""


def refuse_existing(paths: Iterable[Path], *, overwrite: bool) -> None:
    """Refuse early, before any work, when one of `paths` exists and may not be replaced."""
    if overwrite:
        return
    for path in paths:
        if os.path.lexists(path):
            raise OutputRefused(f"{path} exists; use --force to replace it")


def refuse_protected(paths: Iterable[Path], protected: Iterable[Path]) -> None:
    """Refuse writing to any of `protected` (the configured database and its journal files, the keyring),
    `--force` or not: an output path that names one of them is a mistake, never a wish."""
    guarded = {_identity(p) for p in protected}
    guarded.discard(None)
    for path in paths:
        if _identity(path) in guarded:
            raise OutputRefused(f"{path} is Accord's own file (the database or the keyring); write elsewhere")


def _identity(path: Path) -> tuple[int, int] | str | None:
    """What makes two paths the same file: (device, inode) when it exists, else its resolved path."""
    try:
        status = os.stat(path)
    except OSError:
        try:
            return str(path.resolve())
        except OSError:
            return None
    return status.st_dev, status.st_ino


@contextmanager
def new_file(path: Path, *, overwrite: bool = False, mode: int | None = None) -> Iterator[Path]:
    """A fresh temporary path beside `path` to write into; when the block ends normally it becomes `path`
    (OutputRefused if `path` exists and `overwrite` is False), otherwise it is removed. `mode` defaults
    to 0o666 less the umask; the keyring passes 0o600."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    temporary = Path(name)
    try:
        os.fchmod(fd, _default_mode() if mode is None else mode)
        os.close(fd)
        yield temporary
        _put_in_place(temporary, path, overwrite)
    finally:
        if os.path.lexists(temporary):
            temporary.unlink()


@contextmanager
def open_new(path: Path, mode: str = "w", *, overwrite: bool = False, **options: Any) -> Iterator[IO[Any]]:
    """`open(path, mode)` on a new file (see `new_file`); `options` are open()'s (encoding, newline)."""
    with new_file(path, overwrite=overwrite) as temporary, temporary.open(mode, **options) as handle:
        yield handle


def write_file(path: Path, data: str | bytes, *, overwrite: bool = False, mode: int | None = None) -> None:
    """Write `data` (text as UTF-8) as a new file at `path`."""
    with new_file(path, overwrite=overwrite, mode=mode) as temporary:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _put_in_place(temporary: Path, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path, follow_symlinks=False)
    except FileExistsError:
        raise OutputRefused(f"{path} exists; use --force to replace it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        _reserve_then_replace(temporary, path)  # a file system without hard links


def _reserve_then_replace(temporary: Path, path: Path) -> None:
    """Claim the name with O_CREAT|O_EXCL|O_NOFOLLOW (fails if anything is there), then rename over the
    empty file just made."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
    except FileExistsError:
        raise OutputRefused(f"{path} exists; use --force to replace it") from None
    os.replace(temporary, path)


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
