"""Court orders: when they bind, what they do, and whom they cover (docs/spec/rules.md §5)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from accord.domain.base import Fact, Record
from accord.domain.codes import CountryCode
from accord.domain.limits import Identifier, Name, ShortIdentifier, Text
from accord.domain.people import DesignationKind, OrderBasis
from accord.domain.time import Instant

CourtOrderEffect = Literal["bar_removal", "require_return"]
PathwayKind = Literal["repatriation", "designated", "third_country", "agreement_repatriation"]
PATHWAY_KINDS: tuple[PathwayKind, ...] = ("repatriation", "designated", "third_country", "agreement_repatriation")


class Scope(Record):
    """Every field present must match for the order to cover a person and pathway; absent = any."""

    persons: tuple[Identifier, ...] | None = None
    nationalities: tuple[CountryCode, ...] | None = None
    designations: tuple[DesignationKind, ...] | None = None  # any kind: matched as written
    districts: tuple[ShortIdentifier, ...] | None = None
    destinations: tuple[CountryCode, ...] | None = None
    pathway_kinds: tuple[PathwayKind, ...] | None = None
    order_basis: tuple[OrderBasis, ...] | None = None
    carve_out_otherwise_removable: bool = False


class CourtOrder(Fact):
    id: Identifier
    binding_from: Instant
    until: Instant | None = None
    effect: CourtOrderEffect
    scope: Scope
    court: Name | None = None
    case: Name | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _interval(self) -> CourtOrder:
        if self.until is not None and self.until <= self.binding_from:
            raise ValueError("until must be after binding_from")
        return self

    def in_effect(self, instant: object) -> bool:
        return self.binding_from <= instant and (self.until is None or instant < self.until)  # type: ignore[operator]
