"""The columnar engine: every gate of docs/spec/rules.md §2 as array operations over a whole caseload.

A decision is computed in chunks of people (so intermediates stay in cache, and two chunks run on two
cores: NumPy releases the GIL). Within a chunk:

- gates whose facts are common (orders, nationality, identity, age, sex, ...) are dense passes over the
  person arrays, done once per chunk;
- gates whose facts are rare (stays, pending claims, protections, notices, fear claims, designations,
  court orders) are computed over the rows of those facts only and scattered into the few people they
  concern (`reasons[owners] |= bit`), never as a dense pass per gate;
- each agreement's person gates are one gather from a table indexed by a small per-person feature code
  (`lookup.py`).

The result is a list of `Block`s, one per pathway group and chunk, with a bit mask of reasons and of
warnings per pathway in the vocabulary of `accord.rules.codes` (bit i = the i-th code). Constant columns
(group, agreement, an agreement's destination) are not materialised; `Decided.rows()` does it when a
caller wants one flat table."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from accord.domain.orders import PATHWAY_KINDS
from accord.rules.codes import REASON_CODES, WARNING_CODES
from accord.rules.columnar.arrays import I32, Bool, People, first_occurrence
from accord.rules.columnar.compile import CompiledAgreement, CompiledOrder, Run, hours
from accord.rules.columnar.layout import FEAR_OUTCOMES, ORDER_BASES, PENDING_KINDS, STATUSES
from accord.rules.columnar.lookup import FeatureCode, agreement_table

T = TypeVar("T")
U32 = NDArray[np.uint32]
U16 = NDArray[np.uint16]
U8 = NDArray[np.uint8]
U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]
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
# 256 Ki people: fewer, longer NumPy calls per person (each releases the GIL for longer, so two threads
# overlap); measured faster than 64 Ki and 1 Mi on 2 M people, one or two threads (docs/benchmarks-rules.md).
CHUNK = 1 << 18
_NO_ROWS = np.zeros(0, dtype=np.int64)
WORD = 64  # court orders per uint64 word of a pathway's court-order bits


def court_words(orders: int) -> int:
    """How many uint64 words hold one bit per court order in effect (at least one)."""
    return max(1, -(-orders // WORD))


@dataclass(frozen=True, slots=True)
class Rows:
    """Decided pathways as flat columns, one per row. `group` orders a person's pathways as the
    interpreter lists them: 0 repatriation, 1 designated, 2 + i the i-th compiled agreement."""

    person: I32  # row in the caseload
    group: I16
    kind: I8  # index into PATHWAY_KINDS
    destination: I16  # country code (layout.COUNTRIES)
    agreement: I16  # index into Run.agreements, -1 for none
    reasons: U32
    warnings: U8
    # (rows, words): bit j % 64 of word j // 64 set when Run.court_orders[j] covers the pathway; one word
    # unless more than 64 orders are in effect.
    court_orders: U64

    @classmethod
    def of(cls, blocks: Sequence[Block]) -> Rows:
        """The blocks' pathways as one flat table: each block writes its own slice of columns allocated
        once (no per-block arrays, no concatenation)."""
        sizes = [len(b) for b in blocks]
        total = sum(sizes)
        words = blocks[0].court_bits.shape[1] if blocks else 1
        columns = {name: np.empty(total, dtype=dtype) for name, dtype in _ROW_TYPES.items()}
        rows = cls(**columns, court_orders=np.empty((total, words), dtype=np.uint64))
        at = 0
        for block, size in zip(blocks, sizes, strict=True):
            block.fill(rows, at, at + size)
            at += size
        return rows

    def __len__(self) -> int:
        return len(self.person)


_ROW_TYPES = {
    "person": np.int32,
    "group": np.int16,
    "kind": np.int8,
    "destination": np.int16,
    "agreement": np.int16,
    "reasons": np.uint32,
    "warnings": np.uint8,
}


@dataclass(frozen=True, slots=True)
class Block:
    """The pathways of one group for one chunk of people.

    A return block (repatriation, designated) is sparse: pathway i belongs to chunk person `person[i]`
    and goes to `destination[i]`. An agreement block is dense: pathway i belongs to chunk person i, exists
    where `present` holds (None: for everyone) and goes to the agreement's receiving state. Court orders
    cover few pathways, so they are kept as positions (`court_at`, indices into the block's arrays) and
    their bits (one row of words per position)."""

    group: int
    agreement: int  # index into Run.agreements, -1 for a return block
    base: int  # row of the chunk's first person in the caseload
    person: I32 | None  # None for a dense block
    present: Bool | None
    kind: I8
    destination: I16 | int
    reasons: U32
    warnings: U8
    court_at: I64
    court_bits: U64  # (positions, words)

    def selection(self) -> NDArray[np.integer[Any]] | None:
        """Positions of the block's pathways in its arrays (None: all of them)."""
        return None if self.present is None else np.flatnonzero(self.present)

    def __len__(self) -> int:
        return len(self.reasons) if self.present is None else int(np.count_nonzero(self.present))

    def allowed(self) -> int:
        allowed = self.reasons == 0
        return int(np.count_nonzero(allowed if self.present is None else allowed & self.present))

    def fill(self, rows: Rows, lo: int, hi: int) -> None:
        """Write the block's pathways into rows lo..hi-1 of `rows`."""
        pick = self.selection()

        def put(target: NDArray[Any], values: NDArray[Any]) -> None:
            if pick is None:
                target[lo:hi] = values
            else:
                np.take(values, pick, out=target[lo:hi])

        if self.person is not None:
            np.add(self.person, np.int32(self.base), out=rows.person[lo:hi])
        else:  # dense: pathway i is chunk person i
            rows.person[lo:hi] = (
                np.arange(self.base, self.base + len(self.reasons)) if pick is None else pick + self.base
            )
        rows.group[lo:hi] = self.group
        put(rows.kind, self.kind)
        if isinstance(self.destination, int):
            rows.destination[lo:hi] = self.destination
        else:
            put(rows.destination, self.destination)
        rows.agreement[lo:hi] = self.agreement
        put(rows.reasons, self.reasons)
        put(rows.warnings, self.warnings)
        rows.court_orders[lo:hi] = 0
        at, bits = self.court_at, self.court_bits
        if pick is not None:  # covered pathways of people without the pathway are dropped
            assert self.present is not None
            kept = self.present[at]
            at, bits = np.searchsorted(pick, at[kept]), bits[kept]
        rows.court_orders[lo + at] = bits


@dataclass(frozen=True, slots=True)
class Decided:
    """Every block of a decision, chunk by chunk (within a chunk: repatriation, designated, agreements)."""

    blocks: tuple[Block, ...]

    def __len__(self) -> int:
        return sum(len(b) for b in self.blocks)

    def allowed(self) -> int:
        return sum(b.allowed() for b in self.blocks)

    def rows(self) -> Rows:
        return Rows.of(self.blocks)


def decide_people(run: Run, people: People, chunk: int = CHUNK, workers: int = 2) -> Decided:
    """Decide every person of the caseload known at `run.known_at`, chunk by chunk on `workers` threads."""
    return Decided(tuple(b for blocks in decide_chunks(run, people, chunk, workers) for b in blocks))


def decide_chunks(run: Run, people: People, chunk: int = CHUNK, workers: int = 2) -> Iterator[list[Block]]:
    """The blocks of each chunk, in chunk order. At most `workers + 1` chunks are in flight, so a caller
    that writes each chunk as it comes holds a bounded amount of decisions."""
    return map_chunks(run, people, _blocks, chunk, workers)


def _blocks(blocks: list[Block]) -> list[Block]:
    return blocks


Progress = Callable[[int, int], None]  # (people just decided, people in all): may be called from any thread


def map_chunks(
    run: Run,
    people: People,
    then: Callable[[list[Block]], T],
    chunk: int = CHUNK,
    workers: int = 2,
    progress: Progress | None = None,
) -> Iterator[T]:
    """`then` of each chunk's blocks, in chunk order, computed on the worker thread that decided the
    chunk: the bulk writer turns blocks into a table there, so that the thread writing the file does
    nothing else. At most `workers + 1` chunks are in flight. `progress` hears of each chunk decided."""
    features = FeatureCode.of(run)
    tables = [agreement_table(run, features, a) for a in run.agreements]
    bounds = [(lo, min(lo + chunk, people.count)) for lo in range(0, people.count, chunk)] or [(0, 0)]

    def one(bound: tuple[int, int]) -> T:
        lo, hi = bound
        result = then(_Chunk(run, people.slice(lo, hi), lo, features, tables).blocks())
        if progress is not None:
            progress(hi - lo, people.count)
        return result

    if workers <= 1 or len(bounds) == 1:
        yield from (one(b) for b in bounds)
        return
    with ThreadPoolExecutor(workers) as pool:
        in_flight: deque[Future[T]] = deque()
        for bound in bounds:
            in_flight.append(pool.submit(one, bound))
            if len(in_flight) > workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


@dataclass(frozen=True, slots=True)
class Matched:
    """The chunk persons a court order's person-only scope fields match: a flag per person (`dense`), or
    the sorted positions of the few matched (`positions`, for an order that names its persons)."""

    dense: Bool | None
    positions: I64 | None

    def member(self, owners: NDArray[np.integer[Any]]) -> Bool:
        if self.dense is not None:
            flags: Bool = self.dense[owners]
            return flags
        assert self.positions is not None
        return np.isin(owners, self.positions)

    def rows(self, owner: I32, by_owner: I32, ordered: NDArray[np.intp] | None) -> NDArray[np.intp]:
        """Indices into `owner` of the pathways of matched persons; `by_owner` is `owner` sorted (through
        `ordered`, None when it already was)."""
        if self.dense is not None:
            return np.flatnonzero(self.dense[owner])
        assert self.positions is not None
        first = np.searchsorted(by_owner, self.positions, side="left")
        counts = np.searchsorted(by_owner, self.positions, side="right") - first
        if not counts.any():
            return np.zeros(0, dtype=np.intp)
        within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        sorted_rows: NDArray[np.intp] = np.repeat(first, counts) + within
        return sorted_rows if ordered is None else ordered[sorted_rows]


def owner_order(owner: I32) -> tuple[I32, NDArray[np.intp] | None]:
    """`owner` sorted, and the order that sorts it (None when it already is: a block's pathways come
    grouped by person, so this is a check, not a sort)."""
    if np.all(owner[1:] >= owner[:-1]):
        return owner, None
    ordered = np.argsort(owner, kind="stable")
    return owner[ordered], ordered


def _pathway_scope(order: CompiledOrder, destination: I16 | np.int16, kind: I8) -> Bool:
    """The scope fields of a court order that read the pathway: its destinations and kinds."""
    match = np.ones(len(kind), dtype=np.bool_)
    if order.destinations is not None:
        match &= order.destinations[destination]
    if order.kinds is not None:
        match &= np.isin(kind, [PATHWAY_KINDS.index(k) for k in order.kinds])
    return match


def _mark(count: int, owners: NDArray[np.integer[Any]]) -> Bool:
    """A dense per-person flag from the owners of some fact rows (a scatter: cost follows the rows)."""
    flag = np.zeros(count, dtype=np.bool_)
    flag[owners] = True
    return flag


def _universal_table(no_policy: bool) -> U32:
    """The dense universal reasons for each code national | any_final << 1 | verified << 2."""
    code = np.arange(8)
    table = np.where(code & 1 != 0, BIT["sending_state_national"], np.uint32(0))
    table |= np.where(code & 2 == 0, BIT["no_final_order"], np.uint32(0))
    table |= np.where(code & 4 == 0, BIT["identity_unverified"], np.uint32(0))
    if no_policy:
        table |= BIT["no_policy_in_force"]
    return table.astype(np.uint32)


_UNIVERSAL = {False: _universal_table(False), True: _universal_table(True)}


def _pair_keys(owner: NDArray[np.integer[Any]], country: NDArray[np.integer[Any]]) -> I64:
    return owner.astype(np.int64) << 16 | country.astype(np.int64)


@dataclass(frozen=True, slots=True)
class _Protections:
    """The protections in effect at as_of, as (owner, country) rows; `held` flags their owners and `keys`
    are their sorted (owner, country) pairs."""

    owner: I32
    country: I16
    held: Bool
    keys: I64

    @classmethod
    def of(cls, owner: I32, country: I16, count: int) -> _Protections:
        return cls(owner, country, _mark(count, owner), np.sort(_pair_keys(owner, country)))

    def owners(self, country: int) -> I32:
        """The people protected for `country`."""
        protected: I32 = self.owner[self.country == country]
        return protected

    def holders_of_any(self, countries: Sequence[int]) -> Bool:
        """Per person: protected for one of `countries` (chain_refoulement_risk)."""
        return _mark(len(self.held), self.owner[np.isin(self.country, countries)])

    def pairs(self, owner: NDArray[np.integer[Any]], country: NDArray[np.integer[Any]]) -> Bool:
        """Per (owner, country) pair: the owner is protected for that country. Only pairs whose owner holds
        some protection are looked up (a binary search in the sorted pairs)."""
        hit = np.zeros(len(owner), dtype=np.bool_)
        maybe = np.flatnonzero(self.held[owner])
        if len(maybe):
            asked = _pair_keys(owner[maybe], country[maybe])
            found = np.minimum(np.searchsorted(self.keys, asked), len(self.keys) - 1)
            hit[maybe] = self.keys[found] == asked
        return hit


class _Chunk:
    """The decision of one chunk of people. Person-level facts are computed once, in the constructor;
    each pathway group then combines them."""

    def __init__(self, run: Run, people: People, base: int, features: FeatureCode, tables: list[U32]) -> None:
        self.run, self.people, self.base, self.features, self.tables = run, people, base, features, tables
        t, k = run.as_of_us, run.known_us
        n = people.count
        self.known = people.recorded_at <= k
        self.all_known = bool(self.known.all())
        self.pending = {kind: self._pending(kind) for kind in ("bia_appeal", "asylum", "motion_to_reopen")}
        orders = people.facts["orders"]
        self.order_known = orders["recorded_at"] <= k
        # "Final" means administratively final everywhere (predicates.administratively_final_orders): the
        # final date has come and no BIA appeal is pending.
        self.final = self.order_known & (orders["final"] <= t)
        self.final &= ~_mark(n, self.pending["bia_appeal"])[orders.rows.owner]
        final_owner = orders.rows.owner[self.final]
        final_basis = orders["basis"][self.final]
        self.final_bases = [_mark(n, final_owner[final_basis == b]) for b in range(len(ORDER_BASES))]
        self.any_final = _mark(n, final_owner)
        self.stay = self._active_owners("stays", "from", "until")
        self.national = (people.status == _CITIZEN) | people.nationality_sets.holds(run.sending)
        self.protections = self._protections()
        # Per destination that returns people onward: who is protected for a country it returns them to.
        self.onward_risk = {c: self.protections.holders_of_any(onward) for c, onward in run.onward.items()}
        self.designated = self._designated_entries()
        self.universal = self._universal()
        self.warnings = self._motion_warning()
        self.named = self._named_slots()
        self.matched = [self._person_match(order) for order in run.court_orders]
        self.court_candidate = self._court_candidates() if self.matched else None
        # The candidates of a dense block are the same for every agreement: found once per chunk.
        self.court_dense = None if self.court_candidate is None else np.flatnonzero(self.court_candidate)
        # Per country: the country_not_accepting bit, and whether it can be a home (not the sending state,
        # not unavailable), so that a pathway's destination is one gather.
        self.not_accepting_bit = np.where(run.not_accepting, BIT["country_not_accepting"], np.uint32(0))
        self.home_country = ~run.unavailable
        self.home_country[run.sending] = False

    # --- person-level facts ---------------------------------------------------------------------------

    def _active_owners(self, kind: str, start: str, end: str, which: Bool | None = None) -> I32:
        """Owners of the facts of `kind` known at known_at and in effect at as_of."""
        facts = self.people.facts[kind]
        t = self.run.as_of_us
        active = (facts["recorded_at"] <= self.run.known_us) & (facts[start] <= t) & (t < facts[end])
        if which is not None:
            active &= which
        return facts.rows.owner[active]

    def _pending(self, kind: str) -> I32:
        return self._active_owners(
            "pending", "filed", "decided", self.people.facts["pending"]["kind"] == _PENDING[kind]
        )

    def _protections(self) -> _Protections:
        protections = self.people.facts["protections"]
        t = self.run.as_of_us
        active = (protections["recorded_at"] <= self.run.known_us) & (protections["granted"] <= t)
        active &= t < protections["terminated"]
        return _Protections.of(protections.rows.owner[active], protections["country"][active], self.people.count)

    def _universal(self) -> U32:
        """The universal gates of docs/spec/rules.md §2 but protected_country and court_order (they read the
        pathway): dense for common facts, scattered for rare ones."""
        people = self.people
        # The three dense gates as one 3-bit code per person (booleans are bytes 0/1), then one gather.
        code = np.left_shift(self.any_final.view(np.uint8), np.uint8(1))
        code |= self.national.view(np.uint8)
        verified = people.verified & (people.identity_recorded_at <= self.run.known_us)  # as known at known_at
        code |= np.left_shift(verified.view(np.uint8), np.uint8(2))
        mask = np.take(_UNIVERSAL[self.run.era is None], code)
        mask[self.stay] |= BIT["stay_in_effect"]
        mask[self.pending["asylum"]] |= BIT["asylum_pending"]
        mask[self._outside_proclamation()] |= BIT["order_basis_out_of_scope"]
        return mask

    def _outside_proclamation(self) -> NDArray[np.intp]:
        """People whose only final orders are AEA orders and who are outside the proclamation's scope
        (looked at only among the holders of a final AEA order)."""
        run, people = self.run, self.people
        only_aea = self.final_bases[_AEA].copy()
        for basis, held in enumerate(self.final_bases):
            if basis != _AEA:
                only_aea &= ~held
        who = np.flatnonzero(only_aea)
        outside = ~people.nationality_sets.meets(run.aea_nationalities, who)
        outside |= people.birth_days[who] > run.aea_cutoff  # under the age, or birth date unknown
        outside |= np.isin(people.status[who], run.aea_excluded_statuses)
        outside |= self.national[who]
        return who[outside]

    def _motion_warning(self) -> U8:
        """motion_to_reopen_pending: a motion is pending and no stay is in effect."""
        warnings = np.zeros(self.people.count, dtype=np.uint8)
        warnings[self.pending["motion_to_reopen"]] = WARNING_BIT["motion_to_reopen_pending"]
        warnings[self.stay] = 0
        return warnings

    def _designated_entries(self) -> tuple[I32, NDArray[np.int16], Bool]:
        """Countries designated in final orders, per person: the entries' owners, their codes, and which
        are candidate `designated` pathways (not a nationality, first of their person). A country named
        only in an order that is not final designates nothing."""
        orders = self.people.facts["orders"]
        runs, codes = orders.nested["designated"]
        order_row = runs.owner
        owner = orders.rows.owner[order_row]
        candidate = self.final[order_row] & ~self.people.nationality_sets.contains(owner, codes)
        chosen = np.flatnonzero(candidate)
        candidate[chosen[~first_occurrence(owner[chosen], codes[chosen])]] = False
        return owner, codes, candidate

    def _home_available(self) -> Bool:
        """Some nationality or country designated in a final order is still available (docs/spec/rules.md §2)."""
        people = self.people
        nat_owner, nat = people.nationalities.owner, people.nationality
        usable = self.home_country[nat]
        usable &= ~self.protections.pairs(nat_owner, nat)
        available = _mark(people.count, nat_owner[usable])
        owner, codes, designated = self.designated
        usable = designated & self.home_country[codes]
        usable &= ~self.protections.pairs(owner, codes)
        available[owner[usable]] = True
        return available

    def _convicted(self) -> Bool:
        convictions = self.people.facts["convictions"]
        known = (convictions["recorded_at"] <= self.run.known_us) & (convictions["date"] <= self.run.as_of_us)
        return _mark(self.people.count, convictions.rows.owner[known])

    def _named_slots(self) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
        """The chunk persons some court order in effect names, and their slots in `Run.named`: one hash
        lookup of the chunk's ids for all the orders."""
        if not self.run.named:
            return _NO_ROWS, np.zeros(0, dtype=np.int32)
        found = pc.index_in(self.people.ids, value_set=pa.array(self.run.named, pa.string()))
        slot = np.asarray(pc.fill_null(found, -1).to_numpy(), dtype=np.int32)
        at = np.flatnonzero(slot >= 0)
        return at, slot[at]

    def _person_match(self, order: CompiledOrder) -> Matched:
        """The chunk persons that the scope fields of a court order that read only the person match
        (docs/spec/rules.md §5). An order that names its persons (an individual order: a few people) is looked at
        only for them, and kept as their positions; a class order as a flag per person."""
        if order.persons is None:
            return Matched(self._person_fields(order, None), None)
        at, slot = self.named
        named = at[np.isin(slot, order.persons)]
        return Matched(None, named[self._person_fields(order, named)])

    def _person_fields(self, order: CompiledOrder, owners: I64 | None) -> Bool:
        """Whether each person (all of the chunk, or `owners`) meets the order's nationality, designation,
        district and order-basis fields."""
        people, run = self.people, self.run
        match = np.ones(people.count if owners is None else len(owners), dtype=np.bool_)

        def at(values: NDArray[Any]) -> NDArray[Any]:
            return values if owners is None else values[owners]

        if order.nationalities is not None:
            match &= people.nationality_sets.meets(order.nationalities, owners)
        if order.designations is not None:
            d = people.facts["designations"]
            kinds = d.vocabularies["kind"]
            listed = [kinds.index(k) for k in order.designations if k in kinds]  # the caseload's codes
            held = (d["recorded_at"] <= run.known_us) & (d["from"] <= order.binding_from_us)
            held &= (order.binding_from_us < d["until"]) & np.isin(d["kind"], listed)
            match &= at(_mark(people.count, d.rows.owner[held]))
        if order.districts is not None:
            # Index 0 is an unknown district, which never takes a person out of a class: missing data
            # never helps removal.
            listed_district = np.array([True] + [name in order.districts for name in people.districts])
            match &= listed_district[at(people.district) + 1]
        if order.bases is not None:
            held = np.zeros(len(match), dtype=np.bool_)
            for basis in order.bases:
                held |= at(self.final_bases[basis])
            match &= held
        return match

    def _court_candidates(self) -> Bool:
        """The chunk persons some court order's person-only fields match."""
        candidate = np.zeros(self.people.count, dtype=np.bool_)
        for matched in self.matched:
            if matched.dense is not None:
                candidate |= matched.dense
            else:
                candidate[matched.positions] = True
        return candidate

    # --- pathway groups -------------------------------------------------------------------------------

    def blocks(self) -> list[Block]:
        blocks = [self._repatriation(), self._designated()]
        if self.run.agreements:
            people = self.people
            home = self._home_available() if any(a.needs_home_unavailable for a in self.run.agreements) else None
            shared = self.features.shared(
                people.birth_days,
                people.sex,
                people.accompanied,
                self._convicted(),
                home if home is not None else np.zeros(people.count, dtype=np.bool_),
            )
            blocks += [self._agreement(i, a, shared) for i, a in enumerate(self.run.agreements)]
        return blocks

    def _repatriation(self) -> Block:
        people = self.people
        nat = people.nationality
        owner = people.nationalities.owner
        chosen = people.nationality_first & (nat != self.run.sending) & self.known[owner]
        return self._return_block(owner[chosen], nat[chosen], REPATRIATION, 0)

    def _designated(self) -> Block:
        owner, codes, candidate = self.designated
        chosen = candidate & self.known[owner]
        return self._return_block(owner[chosen], codes[chosen], DESIGNATED, 1)

    def _return_block(self, owner: I32, destination: I16, kind: int, group: int) -> Block:
        """Repatriation or designated pathways: universal gates and country_not_accepting."""
        reasons = self.universal[owner]
        reasons |= self.not_accepting_bit[destination]
        reasons[self.protections.pairs(owner, destination)] |= BIT["protected_country"]
        kinds = np.full(len(owner), kind, dtype=np.int8)
        court_at, court_bits = self._court_block(owner, destination, kinds)
        reasons[court_at] |= BIT["court_order"]
        warnings = self.warnings[owner]
        for country, at_risk in self.onward_risk.items():
            warnings[(destination == country) & at_risk[owner]] |= WARNING_BIT["chain_refoulement_risk"]
        return Block(
            group,
            -1,
            self.base,
            owner,
            None,
            kinds,
            destination.astype(np.int16),
            reasons,
            warnings,
            court_at,
            court_bits,
        )

    def _agreement(self, index: int, agreement: CompiledAgreement, shared: U16) -> Block:
        """One pathway per known person for the agreement: agreement_repatriation when its receiving state
        is a nationality, else third_country unless that state is designated (then it is `designated`)."""
        people, run = self.people, self.run
        r = agreement.receiving
        national = people.nationality_sets.holds(r)
        refused = self._refused(agreement) if agreement.has_version else None
        code = self.features.with_agreement(shared, national, refused)
        reasons = self.universal | np.take(self.tables[index], code)
        reasons[self.protections.owners(r)] |= BIT["protected_country"]
        if run.era is not None and run.notice is not None:
            self._notice_gates(reasons, r, national)
            self._fear_gates(reasons, r, national)
        kind = np.where(national, np.int8(AGREEMENT_REPATRIATION), np.int8(THIRD_COUNTRY))
        court_at, court_bits = self._court_block(None, np.int16(r), kind)
        reasons[court_at] |= BIT["court_order"]
        warnings = self.warnings
        if r in self.onward_risk:
            warnings = warnings | np.where(self.onward_risk[r], WARNING_BIT["chain_refoulement_risk"], np.uint8(0))
        return Block(
            2 + index,
            index,
            self.base,
            None,
            self._present(r, national),
            kind,
            r,
            reasons,
            warnings,
            court_at,
            court_bits,
        )

    def _present(self, receiving: int, national: Bool) -> Bool | None:
        """Who has the agreement's pathway: known people, but not those for whom the receiving state is
        designated and not a nationality (their designated pathway covers it). None: everyone."""
        owner, codes, candidate = self.designated
        covered = owner[candidate & (codes == receiving)]
        covered = covered[~national[covered]]
        if self.all_known and len(covered) == 0:
            return None
        present = self.known.copy()
        present[covered] = False
        return present

    def _refused(self, a: CompiledAgreement) -> Bool:
        """nationality_not_accepted: an excluded nationality, or none of the accepted ones."""
        sets = self.people.nationality_sets
        refused = sets.meets(a.excludes) if a.excludes else np.zeros(self.people.count, dtype=np.bool_)
        if not a.accepts_any:
            refused |= ~sets.meets(a.accepts)
        return refused

    def _third_only(self, owners: NDArray[np.integer[Any]], national: Bool) -> NDArray[np.integer[Any]]:
        """The owners whose pathway is third_country (the notice and fear gates apply to it only)."""
        third: NDArray[np.integer[Any]] = owners[~national[owners]]
        return third

    def _notice_gates(self, reasons: U32, destination: int, national: Bool) -> None:
        """notice_missing is set by the lookup table where a notice is required; a person with a notice
        naming the destination in a language understood, served by as_of, has it replaced by
        notice_period unless one such notice has run its minimum period."""
        run, people = self.run, self.people
        assert run.notice is not None
        if not run.notice.required[destination]:
            return
        notices = people.facts["notices"]
        t = run.as_of_us
        naming = (notices["country"] == destination) & (notices["recorded_at"] <= run.known_us)
        naming &= notices["served"] <= t
        rows = np.flatnonzero(naming)
        owner = notices.rows.owner[rows]
        rows = rows[people.languages.contains(owner, notices["language"][rows])]
        served = notices["served"][rows]
        if run.notice.min_days is not None:
            ends = run.zone.add_days(served, run.notice.min_days)
        else:
            ends = served + hours(run.notice.min_hours or 0)
        if run.notice.exigent_hours is not None:
            short = notices["exigent"][rows] & notices["attorney_access"][rows]
            ends = np.where(short, served + hours(run.notice.exigent_hours), ends)
        owner = notices.rows.owner[rows]
        naming_owners = self._third_only(owner, national)
        reasons[naming_owners] = (reasons[naming_owners] & ~BIT["notice_missing"]) | BIT["notice_period"]
        ran_owners = self._third_only(owner[ends <= t], national)
        reasons[ran_owners] &= ~BIT["notice_period"]

    def _fear_gates(self, reasons: U32, destination: int, national: Bool) -> None:
        """For fear stated of the destination by as_of: a claim awaits screening; a screening is positive;
        a negative screening's time to move to reopen is still running."""
        run = self.run
        claims = self.people.facts["fear_claims"]
        t = run.as_of_us
        stated = (claims["country"] == destination) & (claims["recorded_at"] <= run.known_us)
        stated &= claims["stated"] <= t
        rows = np.flatnonzero(stated)
        if len(rows) == 0:
            return
        decided_at = claims["decided"][rows]
        decided = decided_at <= t
        outcome = claims["outcome"][rows]
        owner = claims.rows.owner[rows]
        pending = (outcome == _OUTCOME["pending"]) | ~decided
        positive = decided & (outcome == _OUTCOME["positive"])
        reasons[self._third_only(owner[pending], national)] |= BIT["fear_screening_pending"]
        reasons[self._third_only(owner[positive], national)] |= BIT["fear_established"]
        negative = np.flatnonzero(decided & (outcome == _OUTCOME["negative"]))
        if run.reopen_days is not None and len(negative):
            reopening = negative[t < run.zone.add_days(decided_at[negative], run.reopen_days)]
            reasons[self._third_only(owner[reopening], national)] |= BIT["reopen_period"]

    # --- court orders ---------------------------------------------------------------------------------

    def _court_block(self, owner: I32 | None, destination: I16 | np.int16, kind: I8) -> tuple[NDArray[np.int64], U64]:
        """The pathways of a block covered by some court order in effect (positions in the block: pathway
        i of a dense block is chunk person i) and their order bits. Only pathways of people matched by
        some order's person scope are looked at."""
        if self.court_candidate is None:
            return _NO_ROWS, np.zeros((0, court_words(0)), dtype=np.uint64)
        at = self.court_dense if owner is None else np.flatnonzero(self.court_candidate[owner])
        assert at is not None
        owners = at.astype(np.int32) if owner is None else owner[at]
        destinations = destination if isinstance(destination, np.int16) else destination[at]
        bits = self._court(owners, destinations, kind[at])
        covered = bits.any(axis=1)
        return at[covered], bits[covered]

    def _court(self, owner: I32, destination: I16 | np.int16, kind: I8) -> U64:
        """Per pathway: the bit of every court order in effect that covers it (docs/spec/rules.md §5), as words.
        Each order is looked at only on the pathways of the persons it matches: an individual order costs
        a binary search, not a pass over every candidate."""
        covered = np.zeros((len(owner), court_words(len(self.run.court_orders))), dtype=np.uint64)
        by_owner, ordered = owner_order(owner)
        for j, order in enumerate(self.run.court_orders):
            rows = self.matched[j].rows(owner, by_owner, ordered)
            if not len(rows):
                continue
            owners = owner[rows]
            destinations = destination if isinstance(destination, np.int16) else destination[rows]
            match = _pathway_scope(order, destinations, kind[rows])
            if order.carve_out and order.bases is not None:
                match &= ~self._carved_out(j, owners, destinations, kind[rows])
            covered[rows[match], j // WORD] |= np.uint64(1 << (j % WORD))
        return covered

    def _scope(self, j: int, owner: I32, destination: I16 | np.int16, kind: I8) -> Bool:
        """Whether order j covers each (person, pathway), without its carve-out."""
        return self.matched[j].member(owner) & _pathway_scope(self.run.court_orders[j], destination, kind)

    def _carved_out(self, j: int, owner: I32, destination: I16 | np.int16, kind: I8) -> Bool:
        """The person also holds an administratively final order of a basis outside the scope, and no
        other order in effect covers them and the pathway for that basis (judged without carve-outs)."""
        order = self.run.court_orders[j]
        assert order.bases is not None
        carved = np.zeros(len(owner), dtype=np.bool_)
        for basis in range(len(ORDER_BASES)):
            if basis in order.bases:
                continue
            uncovered = self.final_bases[basis][owner]
            for i, other in enumerate(self.run.court_orders):
                if i != j and (other.bases is None or basis in other.bases):
                    uncovered &= ~self._scope(i, owner, destination, kind)
            carved |= uncovered
        return carved
