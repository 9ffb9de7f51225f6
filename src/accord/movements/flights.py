"""Flights and their legs (the `accord.flight/1` file), and which decided pathway a leg serves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from accord.domain.base import Fact, Record
from accord.domain.codes import CountryCode
from accord.domain.limits import MAX_LEGS, MAX_SEATS, Identifier, Name
from accord.domain.time import Instant
from accord.domain.world import World
from accord.rules.decision import Pathway

FLIGHT_FORMAT = "accord.flight/1"
_IATA = re.compile(r"^[A-Z]{3}$")

# A leg serving an agreement carries people decided on these pathway kinds; a repatriation leg the others.
_AGREEMENT_KINDS = frozenset({"third_country", "agreement_repatriation"})
_REPATRIATION_KINDS = frozenset({"repatriation", "designated"})


def _iata(code: str) -> str:
    if not _IATA.match(code):
        raise ValueError(f"{code!r} is not an IATA airport code (three capital letters)")
    return code


AirportCode = Annotated[str, AfterValidator(_iata)]


class Airport(Record):
    code: AirportCode
    country: CountryCode


class Serves(Record):
    """What a leg is for: the agreement its passengers are handed over under, or a repatriation."""

    agreement: Identifier | None = None
    repatriation: CountryCode | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Serves:
        if (self.agreement is None) == (self.repatriation is None):
            raise ValueError("a leg serves exactly one of `agreement` or `repatriation`")
        return self

    def accepts(self, pathway: Pathway) -> bool:
        """True when a person decided on `pathway` may disembark from this leg."""
        if self.agreement is not None:
            return pathway.kind in _AGREEMENT_KINDS and pathway.agreement == self.agreement
        return pathway.kind in _REPATRIATION_KINDS and pathway.destination == self.repatriation

    @property
    def label(self) -> str:
        return self.agreement if self.agreement is not None else f"repatriation to {self.repatriation}"


class Leg(Record):
    from_: Airport = Field(alias="from")
    to: Airport
    scheduled_departure: Instant
    scheduled_arrival: Instant
    serves: Serves | None = None  # None: a positioning or refuelling leg where nobody disembarks
    facility: Identifier | None = None  # the destination facility of the people who disembark here
    receiving_custodian: Identifier | None = None  # who signs for them on arrival

    @model_validator(mode="after")
    def _consistent(self) -> Leg:
        if self.scheduled_arrival <= self.scheduled_departure:
            raise ValueError("scheduled_arrival must be after scheduled_departure")
        if self.serves is not None and self.receiving_custodian is None:
            raise ValueError("a leg that serves an agreement or a repatriation names its receiving_custodian")
        return self


class Flight(Fact):
    id: Identifier
    operator: Name = Field(min_length=1)
    funder: CountryCode
    seats: int = Field(ge=1, le=MAX_SEATS)
    escort: Identifier  # the custodian who holds the passengers between boarding and arrival
    detention_custodian: Identifier  # who hands the passengers to the escort at boarding
    legs: tuple[Leg, ...] = Field(min_length=1, max_length=MAX_LEGS)

    @model_validator(mode="after")
    def _legs_chain(self) -> Flight:
        for previous, leg in zip(self.legs, self.legs[1:], strict=False):
            if leg.from_ != previous.to:
                raise ValueError("each leg must leave from the airport where the previous one arrived")
            if leg.scheduled_departure < previous.scheduled_arrival:
                raise ValueError("a leg may not depart before the previous leg arrives")
        return self

    @property
    def scheduled_departure(self) -> datetime:
        return self.legs[0].scheduled_departure

    @property
    def origin(self) -> Airport:
        return self.legs[0].from_

    def leg_for(self, pathway: Pathway) -> int | None:
        """The number (1-based) of the first leg whose passengers may be decided on `pathway`."""
        for number, leg in enumerate(self.legs, start=1):
            if leg.serves is not None and leg.serves.accepts(pathway):
                return number
        return None

    def leg(self, number: int) -> Leg:
        return self.legs[number - 1]


class FlightFile(Record):
    format: Literal["accord.flight/1"]
    flights: tuple[Flight, ...] = Field(min_length=1)


def flight_problems(flight: Flight, world: World, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    """References from a flight into the stored world that do not resolve, as (dotted path, message)."""
    for number, leg in enumerate(flight.legs):
        where = ".".join(str(p) for p in (*path, "legs", number))
        if leg.facility is not None and leg.facility not in world.facility_by_id:
            yield f"{where}.facility", f"no facility with id {leg.facility!r} in the stored world"
        if leg.serves is None:
            continue
        if leg.serves.repatriation == world.sending_state:
            yield f"{where}.serves.repatriation", "a national of the sending state is never a removee"
        agreement_id = leg.serves.agreement
        if agreement_id is None:
            continue
        agreement = world.agreement_by_id.get(agreement_id)
        if agreement is None:
            yield f"{where}.serves.agreement", f"no agreement with id {agreement_id!r} in the stored world"
        elif agreement.receiving != leg.to.country:
            yield f"{where}.to.country", f"agreement {agreement_id} receives in {agreement.receiving}"
