"""The agreement gates as lookup tables over a small per-person feature code.

Every agreement gate that reads only the person (age against the version's minimum and the adult age,
sex, accompanied, a conviction before as_of, nationality accepted, being a national of the receiving
state, home country available) depends on a handful of booleans and small categories. They are packed
into one integer per person, and for each agreement a table of 2**bits reason masks is computed once per
run from that code. Deciding an agreement is then one gather per person instead of one pass per gate.

Layout of the code (low bits first): age class | sex | accompanied | convicted | home available |
national of the receiving state | nationality refused. The last two depend on the agreement and are
added per agreement; the rest is shared by all agreements of a chunk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from accord.rules.codes import REASON_CODES
from accord.rules.columnar.compile import CompiledAgreement, Run
from accord.rules.columnar.layout import SEXES, UNKNOWN_BIRTH

U32 = NDArray[np.uint32]
U16 = NDArray[np.uint16]
I64 = NDArray[np.int64]
Bool = NDArray[np.bool_]

BIT = {code: 1 << i for i, code in enumerate(REASON_CODES)}
_SEX_BITS = len(SEXES).bit_length()  # sex + 1: 0 = unknown


@dataclass(frozen=True, slots=True)
class FeatureCode:
    """Where each feature sits in the code. Ages are classes between the run's birth-date cutoffs:
    class c means the birth date is after exactly c cutoffs; the last class is an unknown birth date
    (younger than every threshold, docs/spec/rules.md §2)."""

    cutoffs: I64  # ascending birth-date cutoffs of every age threshold the run compares
    age_bits: int

    @classmethod
    def of(cls, run: Run) -> FeatureCode:
        cutoffs = {run.adult_cutoff} | {a.min_age_cutoff for a in run.agreements if a.min_age_cutoff is not None}
        values = np.array(sorted(cutoffs), dtype=np.int64)
        return cls(values, (len(values) + 1).bit_length())

    @property
    def unknown_age(self) -> int:
        return len(self.cutoffs) + 1

    @property
    def sex_at(self) -> int:
        return self.age_bits

    @property
    def accompanied_at(self) -> int:
        return self.sex_at + _SEX_BITS

    @property
    def convicted_at(self) -> int:
        return self.accompanied_at + 1

    @property
    def home_at(self) -> int:
        return self.convicted_at + 1

    @property
    def national_at(self) -> int:
        return self.home_at + 1

    @property
    def refused_at(self) -> int:
        return self.national_at + 1

    @property
    def size(self) -> int:
        return 1 << (self.refused_at + 1)

    def older_than(self, age: I64, cutoff: int) -> Bool:
        """Per age class: the birth date is after `cutoff` (younger than its threshold, or unknown)."""
        return age > int(np.searchsorted(self.cutoffs, cutoff))

    def shared(
        self, birth_days: NDArray[np.int32], sex: NDArray[np.int8], accompanied: Bool, convicted: Bool, home: Bool
    ) -> U16:
        """The part of the code every agreement shares, per person."""
        code = np.zeros(len(birth_days), dtype=np.uint16)
        for cutoff in self.cutoffs:
            code += birth_days > cutoff
        code += birth_days == UNKNOWN_BIRTH
        code |= (sex + 1).astype(np.uint16) << self.sex_at
        code |= accompanied.astype(np.uint16) << self.accompanied_at
        code |= convicted.astype(np.uint16) << self.convicted_at
        code |= home.astype(np.uint16) << self.home_at
        return code

    def with_agreement(self, shared: U16, national: Bool, refused: Bool | None) -> U16:
        code: U16 = shared | (national.astype(np.uint16) << np.uint16(self.national_at))
        if refused is not None:
            code |= refused.astype(np.uint16) << np.uint16(self.refused_at)
        return code


def agreement_table(run: Run, features: FeatureCode, agreement: CompiledAgreement) -> U32:
    """The reasons of the agreement's pathway for every feature code (docs/spec/rules.md §2, agreement gates, plus
    the third-country gates that read only the person: home_country_available, and notice_missing as the
    default that a naming notice clears)."""
    f = features
    code = np.arange(f.size, dtype=np.int64)
    age = code & ((1 << f.age_bits) - 1)
    sex = ((code >> f.sex_at) & ((1 << _SEX_BITS) - 1)) - 1
    accompanied = (code >> f.accompanied_at) & 1 == 1
    convicted = (code >> f.convicted_at) & 1 == 1
    home = (code >> f.home_at) & 1 == 1
    national = (code >> f.national_at) & 1 == 1
    refused = (code >> f.refused_at) & 1 == 1
    reasons = np.zeros(f.size, dtype=np.uint32)

    def block(condition: Bool | bool, code_name: str) -> None:
        reasons[np.broadcast_to(condition, reasons.shape)] |= np.uint32(BIT[code_name])

    block(not agreement.in_force, "agreement_not_in_force")
    if agreement.has_version:  # before the first version only agreement_not_in_force applies
        block(refused, "nationality_not_accepted")
        block(agreement.requires_conviction & ~convicted, "conviction_required")
        cutoff = agreement.min_age_cutoff
        block(age == f.unknown_age if cutoff is None else f.older_than(age, cutoff), "below_min_age")
        if agreement.sexes is not None:
            block(~np.isin(sex, agreement.sexes), "sex_not_accepted")
        block(~accompanied & f.older_than(age, run.adult_cutoff), "unaccompanied_minor")
        block(agreement.capacity_full, "capacity_full")
    third = ~national
    block(third & home & agreement.needs_home_unavailable, "home_country_available")
    notice = run.notice
    if run.era is not None and notice is not None and notice.required[agreement.receiving]:
        block(third, "notice_missing")
    return reasons
