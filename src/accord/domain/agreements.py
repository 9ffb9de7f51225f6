"""Agreements between a sending and a receiving state, their time-versioned terms, facilities, countries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from accord.domain.base import Amount, Fact, Record
from accord.domain.codes import CountryCode, CurrencyCode, TimeZoneName
from accord.domain.limits import MAX_CAPACITY, Identifier, Name, Text
from accord.domain.money import Money, check_minor_units
from accord.domain.people import Sex
from accord.domain.time import Moment

AgreementStatus = Literal["in_force", "suspended", "signed", "expired", "paused"]
FeePer = Literal["year", "month", "day", "version"]
Proration = Literal["actual_365", "monthly_prorated", "whole_months_started", "lump_sum"]
AcceptanceStatus = Literal["accepts", "refuses", "no_response"]
FacilityKind = Literal["prison", "detention_center", "shelter", "reception_center", "other"]


class AcceptanceTerms(Record):
    """Who the receiving state takes under one version of an agreement."""

    nationalities: Literal["any"] | tuple[CountryCode, ...] = "any"
    exclude_nationalities: tuple[CountryCode, ...] = ()
    sexes: tuple[Sex, ...] | None = None
    min_age: int | None = Field(default=None, ge=0, le=130)
    requires_conviction: bool = False


class Fee(Record):
    amount: Amount = Field(ge=0)
    currency: CurrencyCode
    per: FeePer
    proration: Proration

    @model_validator(mode="after")
    def _lump_sum_per_version(self) -> Fee:
        if (self.proration == "lump_sum") != (self.per == "version"):
            raise ValueError("proration lump_sum goes with per: version, and per: version only with lump_sum")
        check_minor_units(self.amount, self.currency)
        return self


class AgreementVersion(Fact):
    """The terms in force from `from` until the next version starts."""

    from_: Moment = Field(alias="from")
    status: AgreementStatus
    accepts: AcceptanceTerms = AcceptanceTerms()
    requires_home_unavailable: bool = True
    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    fee: Fee | None = None
    flight_hour_rate: Money | None = None  # charged per flight hour on the funder's invoice
    retroactive: bool = False


class Agreement(Fact):
    id: Identifier
    sending: CountryCode
    receiving: CountryCode
    funder: CountryCode | None = None  # defaults to the sending state
    facility: Identifier | None = None
    timezone: TimeZoneName | None = None  # defaults to the facility's
    title: Text | None = None
    source: Text | None = None
    versions: tuple[AgreementVersion, ...] = Field(min_length=1)

    @property
    def payer(self) -> str:
        return self.funder or self.sending


class Facility(Fact):
    id: Identifier
    country: CountryCode
    kind: FacilityKind
    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    timezone: TimeZoneName
    name: Name | None = None


class AcceptanceRecord(Fact):
    """Whether a country takes back its nationals, from `from` until the next record."""

    from_: Moment = Field(alias="from")
    status: AcceptanceStatus


class AssuranceRecord(Fact):
    """A State Department finding that the country's diplomatic assurances are credible."""

    from_: Moment = Field(alias="from")
    until: Moment | None = None


class Country(Fact):
    code: CountryCode
    acceptance: tuple[AcceptanceRecord, ...] = ()
    credible_assurances: tuple[AssuranceRecord, ...] = ()
    returns_onward: tuple[CountryCode, ...] = ()
