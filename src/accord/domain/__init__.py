"""Plain, immutable types for everything in the world format, with their invariants. No I/O."""

from accord.domain.agreements import (
    AcceptanceRecord,
    AcceptanceTerms,
    Agreement,
    AgreementVersion,
    AssuranceRecord,
    Country,
    Facility,
    Fee,
)
from accord.domain.custody import CustodyRecord
from accord.domain.money import Money
from accord.domain.orders import PATHWAY_KINDS, CourtOrder, PathwayKind, Scope
from accord.domain.people import (
    Conviction,
    Designation,
    FearClaim,
    Identity,
    Notice,
    PendingClaim,
    Person,
    Protection,
    RemovalOrder,
    Stay,
)
from accord.domain.world import World, problems

__all__ = [
    "PATHWAY_KINDS",
    "AcceptanceRecord",
    "AcceptanceTerms",
    "Agreement",
    "AgreementVersion",
    "AssuranceRecord",
    "Conviction",
    "Country",
    "CourtOrder",
    "CustodyRecord",
    "Designation",
    "Facility",
    "FearClaim",
    "Fee",
    "Identity",
    "Money",
    "Notice",
    "PathwayKind",
    "PendingClaim",
    "Person",
    "Protection",
    "RemovalOrder",
    "Scope",
    "Stay",
    "World",
    "problems",
]
