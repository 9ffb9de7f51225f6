"""The columnar engine: every gate of RULES.md §2 as array operations over a whole caseload.

A decision is computed in chunks of people (so intermediates stay in cache, and two chunks can run on two
cores: NumPy releases the GIL). Within a chunk each gate is a handful of vectorised comparisons over the
person arrays or over the rows of one kind of fact, reduced per person with a prefix sum. No Python runs
per person. The result is one row per candidate pathway with a bit mask of reasons and of warnings, in
the vocabulary of `accord.rules.codes` (bit i = the i-th code)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.domain.orders import PATHWAY_KINDS
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar.arrays import I32, Bool, CodeSets, People, Ragged, first_occurrence
from accord.rules.columnar.compile import CompiledAgreement, CompiledOrder, Run, hours
from accord.rules.columnar.layout import (
    COUNTRIES,
    FEAR_OUTCOMES,
    ORDER_BASES,
    PENDING_KINDS,
    STATUSES,
    UNKNOWN_BIRTH,
)

U32 = NDArray[np.uint32]
U8 = NDArray[np.uint8]
U64 = NDArray[np.uint64]
I16 = NDArray[np.int16]
I8 = NDArray[np.int8]

REPATRIATION, DESIGNATED, THIRD_COUNTRY, AGREEMENT_REPATRIATION = (
    PATHWAY_KINDS.index(k) for k in ("repatriation", "designated", "third_country", "agreement_repatriation")
)
BIT = {code: np.uint32(1 << i) for i, code in enumerate(REASON_CODES)}
WARNING_BIT = {code: np.uint8(1 << i) for i, code in enumerate(WARNING_CODES)}
_CITIZEN = STATUSES.index("citizen")
_AEA = ORDER_BASES.index("aea")
_PENDING = {kind: i for i, kind in enumerate(PENDING_KINDS)}
_OUTCOME = {outcome: i for i, outcome in enumerate(FEAR_OUTCOMES)}
CHUNK = 1 << 17


@dataclass(frozen=True, slots=True)
class Rows:
    """Decided pathways, one per row. `group` orders a person's pathways as the interpreter lists them:
    0 repatriation, 1 designated, 2 + i the i-th compiled agreement."""

    person: I32  # row in the caseload
    group: I16
    kind: I8  # index into PATHWAY_KINDS
    destination: I16  # country code (layout.COUNTRIES)
    agreement: I16  # index into Run.agreements, -1 for none
    reasons: U32
    warnings: U8
    court_orders: U64  # bit j: Run.court_orders[j] covers the pathway

    @classmethod
    def concat(cls, parts: list[Rows]) -> Rows:
        fields = cls.__dataclass_fields__
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in fields})

    def __len__(self) -> int:
        return len(self.person)


def decide_people(run: Run, people: People, chunk: int = CHUNK, workers: int = 2) -> Rows:
    """Decide every person of the caseload known at `run.known_at`, chunk by chunk on `workers` threads."""
    if len(run.court_orders) > 64:
        raise ValueError("the columnar engine handles at most 64 court orders in effect at one instant")
    listed = _listed_persons(run, people)
    bounds = [(lo, min(lo + chunk, people.count)) for lo in range(0, people.count, chunk)] or [(0, 0)]

    def one(bound: tuple[int, int]) -> Rows:
        lo, hi = bound
        return _Chunk(run, people.slice(lo, hi), lo, {j: v[lo:hi] for j, v in listed.items()}).rows()

    if workers <= 1 or len(bounds) == 1:
        return Rows.concat([one(b) for b in bounds])
    with ThreadPoolExecutor(workers) as pool:
        return Rows.concat(list(pool.map(one, bounds)))


def _listed_persons(run: Run, people: People) -> dict[int, Bool]:
    """Per court order with a `persons` scope: whether each person is listed (one hash lookup pass)."""
    listed = {}
    for j, order in enumerate(run.court_orders):
        if order.persons is not None:
            hits = pc.is_in(people.ids, value_set=pa.array(order.persons, pa.string()))
            listed[j] = np.asarray(hits.to_numpy(zero_copy_only=False), dtype=np.bool_)
    return listed


def _set(mask: NDArray[Any], condition: Bool | bool, bit: Any) -> None:
    """OR `bit` into `mask` where `condition` holds (in place, one pass)."""
    if isinstance(condition, bool | np.bool_):
        if condition:
            mask |= bit
        return
    np.bitwise_or(mask, bit, out=mask, where=condition)


class _Chunk:
    """The decision of one chunk of people. Person-level facts are computed once, in the constructor;
    each pathway group then combines them."""

    def __init__(self, run: Run, people: People, base: int, listed: dict[int, Bool]) -> None:
        self.run, self.people, self.base, self.listed = run, people, base, listed
        t, k = run.as_of_us, run.known_us
        facts = people.facts
        self.known = people.recorded_at <= k
        orders = facts["orders"]
        self.order_known = orders["recorded_at"] <= k
        self.final_by_date = self.order_known & (orders["final"] <= t)
        self.final_bases = [
            orders.rows.any(self.final_by_date & (orders["basis"] == b)) for b in range(len(ORDER_BASES))
        ]
        self.any_final = orders.rows.any(self.final_by_date)
        self.pending = {kind: self._pending(kind) for kind in ("bia_appeal", "asylum", "motion_to_reopen")}
        stays = facts["stays"]
        self.stay = stays.rows.any((stays["recorded_at"] <= k) & (stays["from"] <= t) & (t < stays["until"]))
        self.national = (people.status == _CITIZEN) | people.nationality_sets.holds(run.sending)
        protections = facts["protections"]
        active = (protections["recorded_at"] <= k) & (protections["granted"] <= t) & (t < protections["terminated"])
        self.protected = CodeSets.build(protections.rows, protections["country"], len(COUNTRIES), keep=active)
        self.designated = self._designated_entries()
        self.universal = self._universal()
        self.motion_warning = np.where(
            self.pending["motion_to_reopen"] & ~self.stay, WARNING_BIT["motion_to_reopen_pending"], np.uint8(0)
        ).astype(np.uint8)
        self.person_match = [self._person_match(order) for order in run.court_orders]

    # --- person-level facts ---------------------------------------------------------------------------

    def _pending(self, kind: str) -> Bool:
        pending = self.people.facts["pending"]
        t = self.run.as_of_us
        active = (pending["recorded_at"] <= self.run.known_us) & (pending["filed"] <= t) & (t < pending["decided"])
        return pending.rows.any(active & (pending["kind"] == _PENDING[kind]))

    def _universal(self) -> U32:
        people, run = self.people, self.run
        mask = np.zeros(people.count, dtype=np.uint32)
        _set(mask, self.national, BIT["sending_state_national"])
        _set(mask, self.pending["bia_appeal"] | ~self.any_final, BIT["no_final_order"])
        _set(mask, self.stay, BIT["stay_in_effect"])
        _set(mask, self.pending["asylum"], BIT["asylum_pending"])
        _set(mask, ~people.verified, BIT["identity_unverified"])
        _set(mask, self._outside_proclamation(), BIT["order_basis_out_of_scope"])
        _set(mask, run.era is None, BIT["no_policy_in_force"])
        return mask

    def _outside_proclamation(self) -> Bool:
        """The only final orders are AEA orders and the person is outside the proclamation's scope."""
        run, people = self.run, self.people
        only_aea = self.any_final.copy()
        for basis, held in enumerate(self.final_bases):
            if basis != _AEA:
                only_aea &= ~held
        outside = ~people.nationality_sets.meets(run.aea_nationalities)
        outside |= people.birth_days > run.aea_cutoff  # under the age, or birth date unknown
        outside |= np.isin(people.status, run.aea_excluded_statuses)
        outside |= self.national
        return only_aea & outside

    def _designated_entries(self) -> tuple[Ragged, NDArray[np.int16], Bool, Bool]:
        """Countries designated in known orders, per person: the entries, their codes, which entries are
        candidate `designated` pathways (not a nationality, first of their person), and which belong to
        an order past its final date."""
        orders = self.people.facts["orders"]
        runs, codes = orders.nested["designated"]
        order_row = runs.owner
        owner = orders.rows.owner[order_row]
        per_person = Ragged(runs.offsets[orders.rows.offsets], owner)
        candidate = self.order_known[order_row] & ~self.people.nationality_sets.contains(owner, codes)
        chosen = np.flatnonzero(candidate)
        candidate[chosen[~first_occurrence(owner[chosen], codes[chosen])]] = False
        return per_person, codes, candidate, self.final_by_date[order_row]

    def _home_available(self) -> Bool:
        """Some nationality or country designated in a final order is still available (RULES.md §2)."""
        run, people = self.run, self.people
        nat_rows, nat = people.nationalities, people.nationality
        usable = (nat != run.sending) & ~run.unavailable[nat] & ~self.protected.contains(nat_rows.owner, nat)
        available = nat_rows.any(usable)
        entries, codes, _, in_final = self.designated
        usable = in_final & (codes != run.sending) & ~run.unavailable[codes]
        usable &= ~self.protected.contains(entries.owner, codes)
        return available | entries.any(usable)

    def _person_match(self, order: CompiledOrder) -> Bool:
        """The scope fields of a court order that read only the person (RULES.md §5)."""
        people, run = self.people, self.run
        match = np.ones(people.count, dtype=np.bool_)
        j = run.court_orders.index(order)
        if order.persons is not None:
            match &= self.listed[j]
        if order.nationalities is not None:
            match &= people.nationality_sets.meets(order.nationalities)
        if order.designations is not None:
            d = people.facts["designations"]
            held = (d["recorded_at"] <= run.known_us) & (d["from"] <= order.binding_from_us)
            held &= (order.binding_from_us < d["until"]) & np.isin(d["kind"], order.designations)
            match &= d.rows.any(held)
        if order.districts is not None:
            listed = [i for i, name in enumerate(people.districts) if name in order.districts]
            # An unknown district never takes a person out of a class: missing data never helps removal.
            match &= (people.district < 0) | np.isin(people.district, listed)
        if order.bases is not None:
            held_basis = np.zeros(people.count, dtype=np.bool_)
            for basis in order.bases:
                held_basis |= self.final_bases[basis]
            match &= held_basis
        return match

    # --- pathway groups -------------------------------------------------------------------------------

    def rows(self) -> Rows:
        parts = [self._repatriation(), self._designated()]
        home = self._home_available() if any(a.needs_home_unavailable for a in self.run.agreements) else None
        parts += [self._agreement(i, a, home) for i, a in enumerate(self.run.agreements)]
        return Rows.concat(parts)

    def _repatriation(self) -> Rows:
        people = self.people
        nat = people.nationality
        owner = people.nationalities.owner
        chosen = people.nationality_first & (nat != self.run.sending) & self.known[owner]
        return self._return_rows(owner[chosen], nat[chosen], REPATRIATION, 0)

    def _designated(self) -> Rows:
        entries, codes, candidate, _ = self.designated
        chosen = candidate & self.known[entries.owner]
        return self._return_rows(entries.owner[chosen], codes[chosen], DESIGNATED, 1)

    def _return_rows(self, owner: I32, destination: I16, kind: int, group: int) -> Rows:
        """Repatriation or designated pathways: universal gates and country_not_accepting."""
        run = self.run
        reasons = self.universal[owner]
        _set(reasons, self.protected.contains(owner, destination), BIT["protected_country"])
        _set(reasons, run.not_accepting[destination], BIT["country_not_accepting"])
        court = self._court(owner, destination, np.int8(kind))
        _set(reasons, court != 0, BIT["court_order"])
        warnings = self.motion_warning[owner]
        for country, onward in run.onward.items():
            at_risk = (destination == country) & self.protected.meets(onward)[owner]
            _set(warnings, at_risk, WARNING_BIT["chain_refoulement_risk"])
        n = len(owner)
        return Rows(
            person=(owner + self.base).astype(np.int32),
            group=np.full(n, group, dtype=np.int16),
            kind=np.full(n, kind, dtype=np.int8),
            destination=destination.astype(np.int16),
            agreement=np.full(n, -1, dtype=np.int16),
            reasons=reasons,
            warnings=warnings,
            court_orders=court,
        )

    def _agreement(self, index: int, agreement: CompiledAgreement, home: Bool | None) -> Rows:
        """One pathway per known person for the agreement: agreement_repatriation when its receiving state
        is a nationality, else third_country unless that state is designated (then it is `designated`)."""
        people, run = self.people, self.run
        r = agreement.receiving
        is_national = people.nationality_sets.holds(r)
        entries, codes, candidate, _ = self.designated
        is_designated = entries.any(candidate & (codes == r))
        present = self.known & (is_national | ~is_designated)
        kind = np.where(is_national, AGREEMENT_REPATRIATION, THIRD_COUNTRY).astype(np.int8)
        reasons = self.universal.copy()
        _set(reasons, self.protected.holds(r), BIT["protected_country"])
        self._agreement_gates(reasons, agreement)
        third = ~is_national
        self._third_country_gates(reasons, agreement, home, third)
        everyone = np.arange(people.count, dtype=np.int32)
        court = self._court(None, np.int16(r), kind)
        _set(reasons, court != 0, BIT["court_order"])
        warnings = self.motion_warning.copy()
        if r in run.onward:
            _set(warnings, self.protected.meets(run.onward[r]), WARNING_BIT["chain_refoulement_risk"])
        n = int(np.count_nonzero(present))
        return Rows(
            person=everyone[present] + np.int32(self.base),
            group=np.full(n, 2 + index, dtype=np.int16),
            kind=kind[present],
            destination=np.full(n, r, dtype=np.int16),
            agreement=np.full(n, index, dtype=np.int16),
            reasons=reasons[present],
            warnings=warnings[present],
            court_orders=court[present],
        )

    def _agreement_gates(self, reasons: U32, a: CompiledAgreement) -> None:
        people, run = self.people, self.run
        _set(reasons, not a.in_force, BIT["agreement_not_in_force"])
        if not a.has_version:
            return  # before the first version only agreement_not_in_force applies
        sets = people.nationality_sets
        refused = sets.meets(a.excludes) if a.excludes else np.zeros(people.count, dtype=np.bool_)
        if not a.accepts_any:
            refused |= ~sets.meets(a.accepts)
        _set(reasons, refused, BIT["nationality_not_accepted"])
        if a.requires_conviction:
            convictions = people.facts["convictions"]
            known = (convictions["recorded_at"] <= run.known_us) & (convictions["date"] <= run.as_of_us)
            _set(reasons, ~convictions.rows.any(known), BIT["conviction_required"])
        unknown_birth = people.birth_days == UNKNOWN_BIRTH
        young = unknown_birth if a.min_age_cutoff is None else people.birth_days > a.min_age_cutoff
        _set(reasons, young, BIT["below_min_age"])
        if a.sexes is not None:
            _set(reasons, ~np.isin(people.sex, a.sexes), BIT["sex_not_accepted"])
        _set(reasons, ~people.accompanied & (people.birth_days > run.adult_cutoff), BIT["unaccompanied_minor"])
        _set(reasons, a.capacity_full, BIT["capacity_full"])

    def _third_country_gates(self, reasons: U32, a: CompiledAgreement, home: Bool | None, third: Bool) -> None:
        run = self.run
        if a.needs_home_unavailable and home is not None:
            _set(reasons, home & third, BIT["home_country_available"])
        if run.era is None or run.notice is None:
            return
        r = a.receiving
        if run.notice.required[r]:
            naming, ran = self._notices(r)
            _set(reasons, third & ~naming, BIT["notice_missing"])
            _set(reasons, third & naming & ~ran, BIT["notice_period"])
        pending, positive, reopening = self._fear(r)
        _set(reasons, third & pending, BIT["fear_screening_pending"])
        _set(reasons, third & positive, BIT["fear_established"])
        _set(reasons, third & reopening, BIT["reopen_period"])

    def _notices(self, destination: int) -> tuple[Bool, Bool]:
        """Per person: a notice naming the destination in a language understood was served by as_of;
        and one such notice has run its minimum period."""
        run, people = self.run, self.people
        notices = people.facts["notices"]
        t = run.as_of_us
        naming = (notices["country"] == destination) & (notices["recorded_at"] <= run.known_us)
        naming &= notices["served"] <= t
        naming &= people.language_sets.contains(notices.rows.owner, notices["language"])
        served = notices["served"]
        assert run.notice is not None
        if run.notice.min_days is not None:
            ends = np.where(naming, run.zone.add_days(np.where(naming, served, 0), run.notice.min_days), 0)
        else:
            ends = served + hours(run.notice.min_hours or 0)
        if run.notice.exigent_hours is not None:
            short = notices["exigent"] & notices["attorney_access"]
            ends = np.where(short, served + hours(run.notice.exigent_hours), ends)
        return notices.rows.any(naming), notices.rows.any(naming & (ends <= t))

    def _fear(self, destination: int) -> tuple[Bool, Bool, Bool]:
        """Per person, for fear stated of the destination by as_of: a claim awaits screening; a screening
        is positive; a negative screening's time to move to reopen is still running."""
        run = self.run
        claims = self.people.facts["fear_claims"]
        t = run.as_of_us
        stated = (claims["country"] == destination) & (claims["recorded_at"] <= run.known_us)
        stated &= claims["stated"] <= t
        decided = claims["decided"] <= t
        outcome = claims["outcome"]
        pending = stated & ((outcome == _OUTCOME["pending"]) | ~decided)
        positive = stated & decided & (outcome == _OUTCOME["positive"])
        negative = stated & decided & (outcome == _OUTCOME["negative"])
        reopening = np.zeros(len(negative), dtype=np.bool_)
        if run.reopen_days is not None and negative.any():
            ends = run.zone.add_days(np.where(negative, claims["decided"], 0), run.reopen_days)
            reopening = negative & (t < ends)
        return claims.rows.any(pending), claims.rows.any(positive), claims.rows.any(reopening)

    # --- court orders ---------------------------------------------------------------------------------

    def _court(self, owner: I32 | None, destination: I16 | np.int16, kind: I8 | np.int8) -> U64:
        """Per pathway: the bit of every court order in effect that covers it (RULES.md §5)."""
        size = self.people.count if owner is None else len(owner)
        covered = np.zeros(size, dtype=np.uint64)
        for j, order in enumerate(self.run.court_orders):
            match = self._scope(j, owner, destination, kind)
            if order.carve_out and order.bases is not None:
                match &= ~self._carved_out(j, owner, destination, kind)
            _set(covered, match, np.uint64(1 << j))
        return covered

    def _scope(self, j: int, owner: I32 | None, destination: I16 | np.int16, kind: I8 | np.int8) -> Bool:
        order = self.run.court_orders[j]
        # A fresh array: callers narrow it in place, and the person match is shared by every pathway.
        match = self.person_match[j].copy() if owner is None else self.person_match[j][owner]
        if order.destinations is not None:
            match &= order.destinations[destination]
        if order.kinds is not None:
            match &= np.isin(kind, [PATHWAY_KINDS.index(k) for k in order.kinds])
        return match

    def _carved_out(self, j: int, owner: I32 | None, destination: I16 | np.int16, kind: I8 | np.int8) -> Bool:
        """The person also holds an administratively final order of a basis outside the scope, and no
        other order in effect covers them and the pathway for that basis (judged without carve-outs)."""
        order = self.run.court_orders[j]
        assert order.bases is not None
        carved = np.zeros(self.people.count if owner is None else len(owner), dtype=np.bool_)
        for basis in range(len(ORDER_BASES)):
            if basis in order.bases:
                continue
            holds = self.final_bases[basis] & ~self.pending["bia_appeal"]
            uncovered = holds if owner is None else holds[owner]
            for i, other in enumerate(self.run.court_orders):
                if i != j and (other.bases is None or basis in other.bases):
                    uncovered = uncovered & ~self._scope(i, owner, destination, kind)
            carved |= uncovered
        return carved
