"""A person in the caseload and every fact about them that a decision reads."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from accord.domain.base import Fact
from accord.domain.codes import CountryCode, LanguageCode
from accord.domain.limits import Day, Identifier, Name, ShortIdentifier, Text
from accord.domain.time import Instant, Moment

Sex = Literal["M", "F", "X"]
LegalStatus = Literal["citizen", "lpr", "refugee", "parolee", "nonimmigrant", "undocumented"]
OrderBasis = Literal["title8", "aea"]
ProtectionKind = Literal["withholding_241b3", "cat_withholding", "cat_deferral"]
StayKind = Literal["judicial", "bia", "automatic"]
PendingKind = Literal["asylum", "bia_appeal", "petition_for_review", "motion_to_reopen"]
FearOutcome = Literal["pending", "positive", "negative"]


DESIGNATION_KIND_LENGTH = 32
DESIGNATION_KIND_PATTERN = rf"^[a-z][a-z0-9_]{{0,{DESIGNATION_KIND_LENGTH - 1}}}$"
_DESIGNATION_KIND = re.compile(DESIGNATION_KIND_PATTERN)


def _designation_kind(value: str) -> str:
    if not _DESIGNATION_KIND.match(value):
        raise ValueError(
            f"{value!r} is not a designation kind: a lowercase id (a letter, then letters, digits or _), "
            f"at most {DESIGNATION_KIND_LENGTH} characters, e.g. aea_tda or ms13"
        )
    return value


DesignationKind = Annotated[
    str,
    AfterValidator(_designation_kind),
    WithJsonSchema({"type": "string", "pattern": DESIGNATION_KIND_PATTERN, "maxLength": DESIGNATION_KIND_LENGTH}),
]
"""The kind of a designation: an open vocabulary of lowercase ids (`aea_tda`, `ms13`, ...)."""


def _check_after(start: date | datetime, end: date | datetime | None, what: str) -> None:
    """`end` must be strictly after `start`. A date and an instant compare by their dates when mixed
    (the zone that would resolve the date is not known here); two instants compare exactly."""
    if end is None:
        return
    if isinstance(start, datetime) and isinstance(end, datetime):
        ok = start < end
    elif isinstance(start, datetime) or isinstance(end, datetime):
        ok = _as_date(start) <= _as_date(end)
    else:
        ok = start < end
    if not ok:
        raise ValueError(f"{what} must be after the start of the interval")


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


class Identity(Fact):
    """Whether the person's identity is verified. A record of its own: an identity verified later carries
    the `recorded_at` of that verification, and as known before it the person's identity is unverified."""

    verified: bool = False
    reference: Name | None = None  # the document or biometric reference on file (e.g. an A-number)


class RemovalOrder(Fact):
    basis: OrderBasis
    issued: Moment
    final: Moment | None = None  # administratively final from this date; empty = not final
    designated: tuple[CountryCode, ...] = ()

    @model_validator(mode="after")
    def _final_not_before_issue(self) -> RemovalOrder:
        if self.final is not None and _as_date(self.final) < _as_date(self.issued):
            raise ValueError("final must not be before issued")
        return self


class Protection(Fact):
    kind: ProtectionKind
    country: CountryCode
    granted: Moment
    terminated: Moment | None = None

    @model_validator(mode="after")
    def _interval(self) -> Protection:
        _check_after(self.granted, self.terminated, "terminated")
        return self


class Stay(Fact):
    kind: StayKind
    from_: Moment = Field(alias="from")
    until: Moment | None = None

    @model_validator(mode="after")
    def _interval(self) -> Stay:
        _check_after(self.from_, self.until, "until")
        return self


class PendingClaim(Fact):
    kind: PendingKind
    filed: Moment
    decided: Moment | None = None  # pending in [filed, decided)

    @model_validator(mode="after")
    def _interval(self) -> PendingClaim:
        _check_after(self.filed, self.decided, "decided")
        return self


class Conviction(Fact):
    date: Moment
    offense: Text
    aggravated_felony: bool = False


class Designation(Fact):
    kind: DesignationKind
    from_: Moment = Field(alias="from")
    until: Moment | None = None

    @model_validator(mode="after")
    def _interval(self) -> Designation:
        _check_after(self.from_, self.until, "until")
        return self


class Notice(Fact):
    kind: Literal["third_country"]
    country: CountryCode
    served: Instant
    language: LanguageCode
    exigent: bool = False
    attorney_access: bool = False


class FearClaim(Fact):
    country: CountryCode
    stated: Instant
    outcome: FearOutcome = "pending"
    decided: Instant | None = None

    @model_validator(mode="after")
    def _decided_with_outcome(self) -> FearClaim:
        if self.outcome != "pending" and self.decided is None:
            raise ValueError(f"a {self.outcome} outcome needs `decided`")
        if self.decided is not None and self.decided < self.stated:
            raise ValueError("decided must not be before stated")
        return self


class Person(Fact):
    id: Identifier
    birth_date: Day | None = None
    sex: Sex | None = None
    status: LegalStatus
    nationalities: tuple[CountryCode, ...] = ()
    accompanied: bool = True  # only read for minors
    languages: tuple[LanguageCode, ...] = ()
    district: ShortIdentifier | None = None
    identity: Identity | None = None  # missing = unverified
    orders: tuple[RemovalOrder, ...] = ()
    protections: tuple[Protection, ...] = ()
    stays: tuple[Stay, ...] = ()
    pending: tuple[PendingClaim, ...] = ()
    convictions: tuple[Conviction, ...] = ()
    designations: tuple[Designation, ...] = ()
    notices: tuple[Notice, ...] = ()
    fear_claims: tuple[FearClaim, ...] = ()

    @property
    def identity_verified(self) -> bool:
        return self.identity is not None and self.identity.verified
