"""Credit and debit notes: how a frozen month is corrected without editing it (docs/spec/rules.md §6).

What has been billed for a month is the original invoice plus every note issued since, added line by line
(lines are matched on what they are about: a person, a flight, a lump sum). A new note carries, for each
line, the difference between a fresh invoice on today's facts and what has been billed, so the original
plus its notes always equals a fresh invoice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.billing.invoice import Line


@dataclass(frozen=True, slots=True)
class Billed:
    """The running sum of one line over the original and its notes."""

    line: Line
    amount: int
    days: int | None


def billed_so_far(documents: Iterable[tuple[Line, ...]]) -> dict[tuple[str, str], Billed]:
    """Net amount and days per line key over an original invoice and its notes, in issue order."""
    net: dict[tuple[str, str], Billed] = {}
    for lines in documents:
        for line in lines:
            before = net.get(line.key)
            if before is None:
                net[line.key] = Billed(line, line.amount, line.days)
            else:
                net[line.key] = Billed(line, before.amount + line.amount, _add(before.days, line.days))
    return net


def note_lines(billed: dict[tuple[str, str], Billed], fresh: Iterable[Line]) -> tuple[Line, ...]:
    """The lines of a note that brings `billed` to `fresh`: one per line whose amount or days changed,
    each saying why. Empty when nothing changed."""
    fresh_by_key = {line.key: line for line in fresh}
    out = []
    for key in sorted(set(billed) | set(fresh_by_key)):
        was = billed.get(key)
        now = fresh_by_key.get(key)
        delta = _difference(was, now)
        if delta is not None:
            out.append(delta)
    return tuple(out)


def _difference(was: Billed | None, now: Line | None) -> Line | None:
    was_amount = was.amount if was else 0
    now_amount = now.amount if now else 0
    was_days = was.days if was else None
    now_days = now.days if now else None
    if was_amount == now_amount and (was_days or 0) == (now_days or 0):
        return None
    base = now if now is not None else was.line if was is not None else None
    assert base is not None  # the key came from one side or the other
    days = None if was_days is None and now_days is None else (now_days or 0) - (was_days or 0)
    return base._replace(amount=now_amount - was_amount, days=days, note=_why(base, was, now))


def _why(base: Line, was: Billed | None, now: Line | None) -> str:
    subject = base.person or base.flight or f"lump sum of version {base.rate_version}"
    if was is None or (was.amount == 0 and not was.days):
        return f"{subject}: not billed before"
    if now is None:
        return f"{subject}: no longer billable (was {_describe(was.days, was.amount)})"
    if was.days != now.days:
        return f"{subject}: {was.days} days billed, {now.days} days held"
    return f"{subject}: re-rated under version(s) {', '.join(now.rate_versions)}"


def _describe(days: int | None, amount: int) -> str:
    return f"{days} days" if days is not None else f"{amount} minor units"


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)
