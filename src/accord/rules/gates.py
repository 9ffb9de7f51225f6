"""The gates of docs/spec/rules.md §2, one small function each. A gate reads one situation (person, instant, era)
and one candidate pathway, and returns the detail of why it blocks, or None when it holds. The order of
GATES is the order in which a decision lists its reasons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from accord.domain import Agreement, AgreementVersion, FearClaim, Person, World
from accord.domain.orders import PathwayKind
from accord.domain.people import FearOutcome
from accord.domain.time import add_calendar_days, local_date, to_instant
from accord.rules import predicates as p
from accord.rules.pack import Era, Pack

ALL_KINDS: frozenset[PathwayKind] = frozenset({"repatriation", "designated", "third_country", "agreement_repatriation"})
RETURN_KINDS: frozenset[PathwayKind] = frozenset({"repatriation", "designated"})
THIRD: frozenset[PathwayKind] = frozenset({"third_country"})
AGREEMENT_KINDS: frozenset[PathwayKind] = frozenset({"third_country", "agreement_repatriation"})


@dataclass(frozen=True)
class Candidate:
    """One candidate pathway (docs/spec/rules.md §1); agreement pathways carry the version in effect at `as_of`."""

    kind: PathwayKind
    destination: str
    agreement: Agreement | None = None
    version: AgreementVersion | None = None

    @property
    def agreement_id(self) -> str | None:
        return self.agreement.id if self.agreement is not None else None


@dataclass
class Situation:
    """What every gate reads for one person at one instant. `tz` resolves the person's and the
    countries' date-only values (the pack's timezone)."""

    world: World
    person: Person
    as_of: datetime
    pack: Pack
    era: Era | None
    occupancy_cache: dict[tuple[str, date], int] = field(default_factory=dict)

    @property
    def tz(self) -> str:
        return self.pack.timezone

    def occupancy(self, agreement: Agreement) -> tuple[int, date]:
        day = local_date(self.as_of, self.world.agreement_timezone(agreement))
        key = (agreement.id, day)
        if key not in self.occupancy_cache:
            self.occupancy_cache[key] = p.occupancy(self.world, agreement.id, day)
        return self.occupancy_cache[key], day


Check = Callable[[Situation, Candidate], "str | None"]


@dataclass(frozen=True)
class Gate:
    code: str
    kinds: frozenset[PathwayKind]
    asks: str  # what the gate checks, in words, for explanations
    check: Check


def _day(value: date | datetime) -> str:
    return value.isoformat()


# --- universal gates ---------------------------------------------------------------------------------


def sending_state_national(s: Situation, c: Candidate) -> str | None:
    if not p.is_sending_state_national(s.person, s.world.sending_state):
        return None
    if s.person.status == "citizen":
        return f"{s.person.id} is a citizen of {s.world.sending_state}"
    return f"{s.person.id} holds the nationality of {s.world.sending_state}"


def no_final_order(s: Situation, c: Candidate) -> str | None:
    appeals = p.pending_claims(s.person, "bia_appeal", s.as_of, s.tz)
    if appeals:
        return f"a BIA appeal filed {_day(appeals[0].filed)} is pending, so no order is final"
    if p.administratively_final_orders(s.person, s.as_of, s.tz):
        return None
    if not s.person.orders:
        return "no removal order on record"
    pending = ", ".join(f"{o.basis} order final {_day(o.final) if o.final else 'never'}" for o in s.person.orders)
    return f"no order is final at as_of ({pending})"


def stay_in_effect(s: Situation, c: Candidate) -> str | None:
    kinds = p.stays_in_effect(s.person, s.as_of, s.tz)
    return f"{', '.join(kinds)} stay of removal in effect" if kinds else None


def asylum_pending(s: Situation, c: Candidate) -> str | None:
    claims = p.pending_claims(s.person, "asylum", s.as_of, s.tz)
    return f"asylum application filed {_day(claims[0].filed)} is pending" if claims else None


def court_order(s: Situation, c: Candidate) -> str | None:
    orders = p.court_orders_covering(s.world, s.person, c.kind, c.destination, s.as_of, s.tz)
    return (
        "; ".join(f"court order {o.id} ({o.effect}) binding from {o.binding_from.isoformat()}" for o in orders) or None
    )


def identity_unverified(s: Situation, c: Candidate) -> str | None:
    if s.person.identity_verified:
        return None
    return "identity not verified" if s.person.identity is not None else "no identity record (unverified)"


def protected_country(s: Situation, c: Candidate) -> str | None:
    found = p.protections_for(s.person, c.destination, s.as_of, s.tz)
    return "; ".join(f"{x.kind} for {x.country} granted {_day(x.granted)}" for x in found) or None


def order_basis_out_of_scope(s: Situation, c: Candidate) -> str | None:
    finals = p.administratively_final_orders(s.person, s.as_of, s.tz)
    if not finals or any(o.basis != "aea" for o in finals):
        return None
    why = _outside_proclamation(s)
    return f"the only final order is under the AEA and {why}" if why else None


def _outside_proclamation(s: Situation) -> str | None:
    scope = s.pack.parameters.aea_scope
    person = s.person
    causes = []
    if not set(person.nationalities) & set(scope.nationalities):
        causes.append(f"not a national of {', '.join(scope.nationalities)}")
    age = p.age_at(person, s.as_of, s.tz)
    if age is None:
        causes.append("birth date unknown")
    elif age < scope.min_age:
        causes.append(f"aged {age}, under {scope.min_age}")
    if person.status in scope.excluded_statuses:
        causes.append(f"status {person.status}")
    if p.is_sending_state_national(person, s.world.sending_state):
        causes.append(f"a national of {s.world.sending_state}")
    return "; ".join(causes) or None


def no_policy_in_force(s: Situation, c: Candidate) -> str | None:
    return None if s.era is not None else f"no era of rule pack {s.pack.name} covers {s.as_of.isoformat()}"


# --- destination gates -------------------------------------------------------------------------------


def country_not_accepting(s: Situation, c: Candidate) -> str | None:
    record = p.acceptance_at(s.world.country_by_code.get(c.destination), s.as_of, s.tz)
    if record is None or record.status == "accepts":
        return None
    return f"{c.destination} {record.status} since {_day(record.from_)}"


def unavailability(s: Situation, country: str) -> str | None:
    """Why a home country cannot be used at `as_of` (docs/spec/rules.md §2, home_country_available), or None."""
    record = p.acceptance_at(s.world.country_by_code.get(country), s.as_of, s.tz)
    if record is not None and record.status == "refuses":
        return f"refuses since {_day(record.from_)}"
    if record is not None and record.status == "no_response":
        days = s.pack.parameters.no_response_days
        if s.as_of >= add_calendar_days(to_instant(record.from_, s.tz), days, s.tz):
            return f"no response for {days} days or more since {_day(record.from_)}"
    if p.protections_for(s.person, country, s.as_of, s.tz):
        return "protected_country"
    return None


def home_countries(s: Situation) -> list[str]:
    """Nationalities other than the sending state, then countries designated in an order final at as_of."""
    found: list[str] = []
    designated = [d for o in p.administratively_final_orders(s.person, s.as_of, s.tz) for d in o.designated]
    for code in [*s.person.nationalities, *designated]:
        if code != s.world.sending_state and code not in found:
            found.append(code)
    return found


def home_country_available(s: Situation, c: Candidate) -> str | None:
    if c.version is not None and not c.version.requires_home_unavailable:
        return None
    available = [code for code in home_countries(s) if unavailability(s, code) is None]
    return f"{', '.join(available)} still available" if available else None


def notice_required(s: Situation, c: Candidate) -> bool:
    """The era requires notice, unless it waives notice for credible assurances and they are on file."""
    if s.era is None or not s.era.notice.requires_notice:
        return False
    waived = s.era.notice.assurances_waive_notice and p.assurances_on_file(
        s.world.country_by_code.get(c.destination), s.as_of, s.tz
    )
    return not waived


def notice_runs_until(s: Situation, notice_served: datetime, exigent_with_counsel: bool) -> datetime:
    """When a notice has run the era's minimum period (6 h exigent needs attorney access on that notice)."""
    assert s.era is not None
    rule = s.era.notice
    if exigent_with_counsel and rule.exigent_min_hours is not None:
        return notice_served + timedelta(hours=rule.exigent_min_hours)
    return rule.min_notice.ends(notice_served, s.tz)


def notice_missing(s: Situation, c: Candidate) -> str | None:
    if not notice_required(s, c) or p.notices_naming(s.person, c.destination, s.as_of):
        return None
    understood = ", ".join(s.person.languages) or "no recorded language"
    return f"no written notice naming {c.destination} in a language understood ({understood}) served by as_of"


def notice_period(s: Situation, c: Candidate) -> str | None:
    notices = p.notices_naming(s.person, c.destination, s.as_of)
    if not notice_required(s, c) or not notices:
        return None
    ends = [notice_runs_until(s, n.served, n.exigent and n.attorney_access) for n in notices]
    if any(end <= s.as_of for end in ends):
        return None
    first = min(ends)
    served = notices[ends.index(first)].served.isoformat()
    return f"notice served {served} completes its minimum period only at {first.isoformat()}"


def fear_screening_pending(s: Situation, c: Candidate) -> str | None:
    if s.era is None:
        return None
    pending = _claims_with(s, c, "pending")
    return f"fear of {c.destination} stated {pending[0].stated.isoformat()}, not yet screened" if pending else None


def fear_established(s: Situation, c: Candidate) -> str | None:
    if s.era is None:
        return None
    positive = _claims_with(s, c, "positive")
    decided = positive[0].decided.isoformat() if positive and positive[0].decided else ""
    return f"screening of fear of {c.destination} positive, decided {decided}" if positive else None


def reopen_period(s: Situation, c: Candidate) -> str | None:
    if s.era is None or s.era.reopen_days is None:
        return None
    days = s.era.reopen_days
    for claim in _claims_with(s, c, "negative"):
        assert claim.decided is not None  # a negative outcome counts only once decided
        ends = add_calendar_days(claim.decided, days, s.tz)
        if s.as_of < ends:
            return f"negative screening of {claim.decided.isoformat()}: {days} days to reopen, until {ends.isoformat()}"
    return None


def _claims_with(s: Situation, c: Candidate, outcome: FearOutcome) -> list[FearClaim]:
    """Fear claims about the destination stated by as_of whose outcome at as_of is `outcome`."""
    claims = p.fear_claims_for(s.person, c.destination, s.as_of)
    return [x for x in claims if p.fear_outcome_at(x, s.as_of) == outcome]


# --- agreement gates: before the first version only agreement_not_in_force applies ------------------


def agreement_not_in_force(s: Situation, c: Candidate) -> str | None:
    assert c.agreement is not None
    if c.version is None:
        if not c.agreement.versions:
            # Every version was recorded after known_at: nothing in force is known, which reads as
            # "before the first version" (the protective reading; the columnar engine agrees).
            return f"{c.agreement.id} has no version known at the decision"
        first = c.agreement.versions[0].from_
        return f"{c.agreement.id} has no version before its first, from {_day(first)}"
    if c.version.status == "in_force":
        return None
    return f"{c.agreement.id} is {c.version.status} (version from {_day(c.version.from_)})"


def nationality_not_accepted(s: Situation, c: Candidate) -> str | None:
    if c.version is None:
        return None
    accepts = c.version.accepts
    excluded = sorted(set(s.person.nationalities) & set(accepts.exclude_nationalities))
    if excluded:
        return f"{', '.join(excluded)} excluded by {_agreement(c)}"
    if accepts.nationalities != "any" and not set(s.person.nationalities) & set(accepts.nationalities):
        return f"{_agreement(c)} accepts only {', '.join(accepts.nationalities)}"
    return None


def conviction_required(s: Situation, c: Candidate) -> str | None:
    if c.version is None or not c.version.accepts.requires_conviction:
        return None
    if p.has_conviction_by(s.person, s.as_of, s.tz):
        return None
    return f"{_agreement(c)} requires a conviction; none dated by as_of"


def below_min_age(s: Situation, c: Candidate) -> str | None:
    if c.version is None or c.agreement is None:
        return None
    age = p.age_at(s.person, s.as_of, s.tz)
    if age is None:
        return "birth date unknown"
    minimum = p.min_age_of(s.world, c.agreement, c.version, s.pack.parameters.prison_min_age)
    if minimum is None or age >= minimum:
        return None
    return f"aged {age}, under the minimum age {minimum} of {_agreement(c)}"


def sex_not_accepted(s: Situation, c: Candidate) -> str | None:
    if c.version is None or c.version.accepts.sexes is None:
        return None
    if s.person.sex in c.version.accepts.sexes:
        return None
    sex = s.person.sex or "unknown"
    return f"sex {sex}; {_agreement(c)} accepts only {', '.join(c.version.accepts.sexes)}"


def unaccompanied_minor(s: Situation, c: Candidate) -> str | None:
    if c.version is None or s.person.accompanied:
        return None
    age = p.age_at(s.person, s.as_of, s.tz)
    adult = s.pack.parameters.adult_age
    if age is None:
        return f"unaccompanied, birth date unknown (taken as under {adult})"
    return f"unaccompanied, aged {age}" if age < adult else None


def capacity_full(s: Situation, c: Candidate) -> str | None:
    if c.version is None or c.agreement is None or c.version.capacity is None:
        return None
    held, day = s.occupancy(c.agreement)
    if held < c.version.capacity:
        return None
    return f"{held} held on {day} under {c.agreement.id}, at or above its capacity {c.version.capacity}"


def _agreement(c: Candidate) -> str:
    assert c.agreement is not None and c.version is not None
    return f"{c.agreement.id} (version from {_day(c.version.from_)})"


GATES: tuple[Gate, ...] = (
    Gate("sending_state_national", ALL_KINDS, "not a national of the sending state", sending_state_national),
    Gate("no_final_order", ALL_KINDS, "a removal order is administratively final", no_final_order),
    Gate("stay_in_effect", ALL_KINDS, "no stay of removal in effect", stay_in_effect),
    Gate("asylum_pending", ALL_KINDS, "no asylum application pending", asylum_pending),
    Gate("court_order", ALL_KINDS, "no court order in effect covers this person and pathway", court_order),
    Gate("identity_unverified", ALL_KINDS, "identity verified", identity_unverified),
    Gate("protected_country", ALL_KINDS, "no protection for the destination in effect", protected_country),
    Gate(
        "order_basis_out_of_scope",
        ALL_KINDS,
        "an AEA-only order is within the proclamation's scope",
        order_basis_out_of_scope,
    ),
    Gate("no_policy_in_force", ALL_KINDS, "an era of the rule pack covers as_of", no_policy_in_force),
    Gate("country_not_accepting", RETURN_KINDS, "the destination accepts returns", country_not_accepting),
    Gate(
        "home_country_available",
        THIRD,
        "no home country is still available (or the agreement does not require it)",
        home_country_available,
    ),
    Gate(
        "notice_missing",
        THIRD,
        "written notice naming the destination, in a language understood, served (when the era requires one)",
        notice_missing,
    ),
    Gate("notice_period", THIRD, "a notice has run the era's minimum period", notice_period),
    Gate("fear_screening_pending", THIRD, "no stated fear of the destination awaits screening", fear_screening_pending),
    Gate("fear_established", THIRD, "no positive fear screening for the destination", fear_established),
    Gate("reopen_period", THIRD, "no time to move to reopen is still running", reopen_period),
    Gate(
        "agreement_not_in_force",
        AGREEMENT_KINDS,
        "the agreement's version in effect is in force",
        agreement_not_in_force,
    ),
    Gate(
        "nationality_not_accepted",
        AGREEMENT_KINDS,
        "the agreement accepts the person's nationality",
        nationality_not_accepted,
    ),
    Gate("conviction_required", AGREEMENT_KINDS, "a conviction, when the agreement requires one", conviction_required),
    Gate("below_min_age", AGREEMENT_KINDS, "old enough for the agreement (birth date known)", below_min_age),
    Gate("sex_not_accepted", AGREEMENT_KINDS, "the agreement accepts the person's sex", sex_not_accepted),
    Gate("unaccompanied_minor", AGREEMENT_KINDS, "not an unaccompanied minor", unaccompanied_minor),
    Gate("capacity_full", AGREEMENT_KINDS, "the agreement's occupancy is below its capacity", capacity_full),
)


# --- warnings: they never block -----------------------------------------------------------------------


def motion_to_reopen_pending(s: Situation, c: Candidate) -> str | None:
    motions = p.pending_claims(s.person, "motion_to_reopen", s.as_of, s.tz)
    if not motions or p.stays_in_effect(s.person, s.as_of, s.tz):
        return None
    return f"motion to reopen filed {_day(motions[0].filed)} is pending with no stay: re-check before boarding"


def chain_refoulement_risk(s: Situation, c: Candidate) -> str | None:
    country = s.world.country_by_code.get(c.destination)
    onward = set(country.returns_onward) if country is not None else set()
    at_risk = sorted(onward & p.protected_countries(s.person, s.as_of, s.tz))
    if not at_risk:
        return None
    return f"{c.destination} is recorded as returning people onward to {', '.join(at_risk)}, where protected"


WARNINGS: tuple[Gate, ...] = (
    Gate("motion_to_reopen_pending", ALL_KINDS, "no motion to reopen pending without a stay", motion_to_reopen_pending),
    Gate(
        "chain_refoulement_risk",
        ALL_KINDS,
        "the destination does not return people onward to a protected country",
        chain_refoulement_risk,
    ),
)
