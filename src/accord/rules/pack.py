"""Rule packs: the eras, numbers and citations of docs/spec/rules.md held as versioned data.

A pack is a YAML file in `accord/rules/packs/`. Its schema is strict (an unknown key is an error reported
as FILE:LINE, like a world file), and every value the engine reads carries its source. Date-only era
boundaries are the start of that day in the pack's timezone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path as FsPath
from typing import Any

from pydantic import Field, ValidationError, model_validator

from accord.domain.base import Record
from accord.domain.codes import CountryCode, TimeZoneName, is_timezone
from accord.domain.people import LegalStatus
from accord.domain.time import Instant, add_calendar_days, start_of_day
from accord.domain.world import World
from accord.rules.codes import ERA_CODES, REASON_CODES, WARNING_CODES
from accord.world.loader import WorldInvalid, load_located, pydantic_errors, read_text
from accord.world.yamlsource import LocatedError, Path, SourceMap, dotted

PACK_DIR = FsPath(__file__).parent / "packs"


class PackInvalid(WorldInvalid):
    """A pack file that does not validate. It is data in the same located form as a world file, so every
    command that already reports invalid worlds (FILE:LINE, exit 2) reports invalid packs too."""


class UnknownPack(LookupError):
    """A pack name with no file in the pack directory."""


class Period(Record):
    """A minimum period: elapsed hours, or calendar days on the pack's wall clock (docs/spec/rules.md §3)."""

    hours: int | None = Field(default=None, ge=0)
    days: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_unit(self) -> Period:
        if (self.hours is None) == (self.days is None):
            raise ValueError("give exactly one of `hours` or `days`")
        return self

    def ends(self, start: datetime, tz: str) -> datetime:
        if self.hours is not None:
            return start + timedelta(hours=self.hours)
        return add_calendar_days(start, self.days or 0, tz)

    def __str__(self) -> str:
        return f"{self.hours} h" if self.hours is not None else f"{self.days} calendar days"


class NoticeRule(Record):
    """The third-country notice an era requires before a transfer."""

    requires_notice: bool
    # ICE memo of 2025-07-09: credible diplomatic assurances on file make notice unnecessary.
    assurances_waive_notice: bool = False
    min_notice: Period
    # A shorter period for a notice marked `exigent: true` that also records `attorney_access: true`.
    exigent_min_hours: int | None = Field(default=None, ge=0)


class Era(Record):
    """One period of the third-country rule, `[from, until)`, with the sources it rests on."""

    id: str = Field(min_length=1)
    from_: Instant = Field(alias="from")
    until: Instant | None = None
    summary: str
    notice: NoticeRule
    reopen_days: int | None = Field(default=None, ge=1)  # time to move to reopen after a negative screening
    sources: dict[str, str] = Field(default_factory=dict)

    def covers(self, instant: datetime) -> bool:
        return self.from_ <= instant and (self.until is None or instant < self.until)


class ProclamationScope(Record):
    """Who an order of basis `aea` can reach (Proclamation 10903): nationals of the listed countries,
    of at least `min_age`, whose legal status is not excluded."""

    nationalities: tuple[CountryCode, ...]
    min_age: int = Field(ge=0)
    excluded_statuses: tuple[LegalStatus, ...]


class Parameters(Record):
    """The fixed numbers of the universal gates; their citations are those of the gates they feed."""

    no_response_days: int = Field(ge=1)  # a home country silent this long may be bypassed
    adult_age: int = Field(ge=1)  # under it, `accompanied: false` makes an unaccompanied minor
    prison_min_age: int = Field(ge=0)  # default `min_age` of an agreement whose facility is a prison
    aea_scope: ProclamationScope


class Pack(Record):
    name: str = Field(min_length=1)
    title: str
    timezone: TimeZoneName
    parameters: Parameters
    sources: dict[str, str]
    eras: tuple[Era, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _dates_to_instants(cls, data: Any) -> Any:
        """Era boundaries written as dates mean the start of that day in the pack's timezone."""
        if not isinstance(data, dict) or not is_timezone(str(data.get("timezone"))):
            return data
        tz = str(data["timezone"])
        eras = data.get("eras")
        if not isinstance(eras, list):
            return data
        resolved = []
        for era in eras:
            if isinstance(era, dict):
                era = {k: _day_start(v, tz) if k in ("from", "until") else v for k, v in era.items()}
            resolved.append(era)
        return {**data, "eras": resolved}

    def era_at(self, instant: datetime) -> Era | None:
        for era in self.eras:
            if era.covers(instant):
                return era
        return None

    def source_for(self, code: str, era: Era | None = None) -> str:
        """The citation for a reason or warning code; an era may cite its own source for its gates."""
        if era is not None and code in era.sources:
            return era.sources[code]
        return self.sources[code]


def _day_start(value: Any, tz: str) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return start_of_day(value, tz)
    return value


def pack_problems(pack: Pack) -> Iterator[tuple[Path, str]]:
    """Invariants across a pack's records: every code cited, eras ordered and disjoint, ids unique."""
    known = set(REASON_CODES) | set(WARNING_CODES)
    for code in sorted(known - set(pack.sources)):
        yield ("sources",), f"no source for code {code!r} (every reason and warning must cite one)"
    for code in sorted(set(pack.sources) - known):
        yield ("sources", code), "not a reason or warning code"
    seen: set[str] = set()
    for i, era in enumerate(pack.eras):
        if era.id in seen:
            yield ("eras", i, "id"), f"duplicate era id {era.id!r}"
        seen.add(era.id)
        if era.until is not None and era.until <= era.from_:
            yield ("eras", i, "until"), "until must be after from"
        for code in era.sources:
            if code not in ERA_CODES:
                yield ("eras", i, "sources", code), f"an era may cite only its own gates: {sorted(ERA_CODES)}"
        if i > 0:
            before = pack.eras[i - 1]
            if before.until is None or before.until > era.from_:
                yield ("eras", i, "from"), f"overlaps era {before.id!r}: eras must be in order and disjoint"


def load_pack_text(text: str, file: str) -> Pack:
    return load_located(text, file, _validate, PackInvalid)


def _validate(raw: Any, source: SourceMap) -> tuple[Pack | None, list[LocatedError]]:
    if not isinstance(raw, dict):
        return None, [LocatedError(source.file, 1, "(document)", "a rule pack is a YAML mapping")]
    try:
        pack = Pack.model_validate(raw)
    except ValidationError as exc:
        return None, pydantic_errors(exc, raw, source)
    return pack, [
        LocatedError(source.file, source.line_of(path), dotted(path), message) for path, message in pack_problems(pack)
    ]


def load_pack_file(path: str | FsPath) -> Pack:
    try:
        text = read_text(path)
    except WorldInvalid as exc:
        raise PackInvalid(exc.errors) from exc
    return load_pack_text(text, str(path))


def pack_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PACK_DIR.glob("*.yaml")))


@lru_cache(maxsize=16)
def load_pack(name: str) -> Pack:
    """The pack shipped as `packs/NAME.yaml`; its `name` must match the file."""
    if name not in pack_names():
        raise UnknownPack(f"no rule pack named {name!r} (available: {', '.join(pack_names())})")
    path = PACK_DIR / f"{name}.yaml"
    pack = load_pack_file(path)
    if pack.name != name:
        raise PackInvalid([LocatedError(str(path), 1, "name", f"the pack in {name}.yaml must be named {name!r}")])
    return pack


def resolve_pack(name_or_file: str) -> Pack:
    """A shipped pack by name, or a pack file: another sending state's rules are data a ministry can keep
    in its own repository, not a change to Accord. A YAML path (or an existing file) is read as a pack
    file, with the same located errors as a shipped one."""
    path = FsPath(name_or_file)
    if name_or_file not in pack_names() and (path.suffix in (".yaml", ".yml") or path.is_file()):
        return load_pack_file(path)
    return load_pack(name_or_file)


def pack_name_for(world: World) -> str:
    """The world's own `rule_pack`, else `us` for the United States and `generic` for everyone else."""
    if world.rule_pack is not None:
        return world.rule_pack
    return "us" if world.sending_state == "USA" else "generic"


def pack_for_world(world: World) -> Pack:
    return load_pack(pack_name_for(world))
