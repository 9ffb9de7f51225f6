"""Custody records: who is held under which agreement, between which local dates."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from accord.domain.base import Fact
from accord.domain.limits import MAX_HEADCOUNT, Day, Identifier


class CustodyRecord(Fact):
    """Either one named person or an anonymous block of `count` people (occupancy only).

    `intake` and `release` are local dates at the facility: the intake day is in custody, the release
    day is not (`[intake, release)`)."""

    person: Identifier | None = None
    count: int | None = Field(default=None, ge=1, le=MAX_HEADCOUNT)
    agreement: Identifier
    intake: Day
    release: Day | None = None

    @model_validator(mode="after")
    def _person_or_count(self) -> CustodyRecord:
        if (self.person is None) == (self.count is None):
            raise ValueError("a custody record names exactly one of `person` or `count`")
        if self.release is not None and self.release <= self.intake:
            raise ValueError("release must be after intake")
        return self

    @property
    def headcount(self) -> int:
        return 1 if self.person is not None else (self.count or 0)

    def held_on(self, day: date) -> bool:
        return self.intake <= day and (self.release is None or day < self.release)
