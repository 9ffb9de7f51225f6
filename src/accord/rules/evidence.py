"""Why a gate held, in facts: the record that satisfied it, or why it had nothing to check.

`explain` must state only facts (docs/integrity.md, "explain states only facts"): a gate that held is
shown with the record it rests on (the notice served on a date, in a language, so many days before;
occupancy N of capacity M) or with the reason it did not apply (no third-country pathway; the era has
no notice rule; the agreement sets no minimum age). One function per reason code; a gate that blocked is
explained by its own detail (gates.py), never here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from accord.domain.time import local_date, start_of_day, to_instant, zone
from accord.rules import gates as g
from accord.rules import predicates as p

Evidence = Callable[[g.Situation, g.Candidate], str]


def _day(value: date | datetime) -> str:
    return value.isoformat()


def _moment(s: g.Situation, value: date | datetime) -> str:
    """A person's date-only value as a date, also where a caseload stores it as the instant it stands
    for (the start of that day in the pack's zone, docs/bulk-format.md): both read the same."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value == start_of_day(local_date(value, s.tz), s.tz):
        return local_date(value, s.tz).isoformat()
    return value.astimezone(zone(s.tz)).isoformat()


def _days_before(s: g.Situation, instant: datetime) -> str:
    days = (local_date(s.as_of, s.tz) - local_date(instant, s.tz)).days
    return "the same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} before as_of"


def _version(c: g.Candidate) -> str:
    assert c.agreement is not None and c.version is not None
    return f"{c.agreement.id} (version from {_day(c.version.from_)})"


# --- universal gates ---------------------------------------------------------------------------------


def sending_state_national(s: g.Situation, c: g.Candidate) -> str:
    held = ", ".join(s.person.nationalities) or "none recorded"
    return f"status {s.person.status}, nationalities {held}: not a national of {s.world.sending_state}"


def no_final_order(s: g.Situation, c: g.Candidate) -> str:
    finals = p.administratively_final_orders(s.person, s.as_of, s.tz)
    named = ", ".join(
        f"{o.basis} order issued {_moment(s, o.issued)}, final {_moment(s, o.final)}" for o in finals if o.final
    )
    return f"{named}; no BIA appeal pending"


def stay_in_effect(s: g.Situation, c: g.Candidate) -> str:
    if not s.person.stays:
        return "no stay of removal on record"
    ended = ", ".join(
        f"{x.kind} {_moment(s, x.from_)}..{_moment(s, x.until) if x.until else 'open'}" for x in s.person.stays
    )
    return f"stays on record, none in effect at as_of: {ended}"


def asylum_pending(s: g.Situation, c: g.Candidate) -> str:
    claims = [x for x in s.person.pending if x.kind == "asylum"]
    if not claims:
        return "no asylum application on record"
    return "asylum applications on record, none pending at as_of: " + ", ".join(
        f"filed {_moment(s, x.filed)}" + (f", decided {_moment(s, x.decided)}" if x.decided else ", not yet filed then")
        for x in claims
    )


def court_order(s: g.Situation, c: g.Candidate) -> str:
    orders = s.world.court_orders
    if not orders:
        return "no court order on record"
    active = [o.id for o in orders if o.in_effect(s.as_of)]
    if not active:
        return f"{len(orders)} court order(s) on record, none in effect at as_of"
    return f"court orders in effect at as_of ({', '.join(active)}) do not cover this person and pathway"


def identity_unverified(s: g.Situation, c: g.Candidate) -> str:
    identity = s.person.identity
    reference = f" (reference {identity.reference})" if identity is not None and identity.reference else ""
    return f"identity verified{reference}"


def protected_country(s: g.Situation, c: g.Candidate) -> str:
    if not s.person.protections:
        return "no withholding or CAT protection on record"
    held = ", ".join(
        f"{x.kind} for {x.country} {_moment(s, x.granted)}..{_moment(s, x.terminated) if x.terminated else 'open'}"
        for x in s.person.protections
    )
    return f"protections on record, none for {c.destination} in effect at as_of: {held}"


def order_basis_out_of_scope(s: g.Situation, c: g.Candidate) -> str:
    finals = p.administratively_final_orders(s.person, s.as_of, s.tz)
    others = sorted({o.basis for o in finals if o.basis != "aea"})
    if others:
        return f"not only under the AEA: final {', '.join(others)} order on record"
    age = p.age_at(s.person, s.as_of, s.tz)
    return (
        f"within the proclamation's scope: nationalities {', '.join(s.person.nationalities)}, aged {age}, "
        f"status {s.person.status}"
    )


def no_policy_in_force(s: g.Situation, c: g.Candidate) -> str:
    assert s.era is not None
    return f"era {s.era.id} of pack {s.pack.name} covers as_of"


# --- destination gates -------------------------------------------------------------------------------


def country_not_accepting(s: g.Situation, c: g.Candidate) -> str:
    record = p.acceptance_at(s.world.country_by_code.get(c.destination), s.as_of, s.tz)
    if record is None:
        return f"{c.destination} has no acceptance record in effect: taken as accepting"
    return f"{c.destination} accepts since {_day(record.from_)}"


def home_country_available(s: g.Situation, c: g.Candidate) -> str:
    if c.version is not None and not c.version.requires_home_unavailable:
        return f"{_version(c)} does not require the home country to be unavailable"
    homes = g.home_countries(s)
    if not homes:
        return "no nationality other than the sending state and no country designated in a final order"
    reasons = ", ".join(f"{code} {g.unavailability(s, code)}" for code in homes)
    return f"no home country available: {reasons}"


def notice_missing(s: g.Situation, c: g.Candidate) -> str:
    if s.era is None or not s.era.notice.requires_notice:
        return f"era {s.era.id if s.era else 'none'} requires no written notice"
    if not g.notice_required(s, c):
        return f"notice waived: credible diplomatic assurances from {c.destination} on file at as_of"
    notice = p.notices_naming(s.person, c.destination, s.as_of)[0]
    return (
        f"notice naming {c.destination} served {_moment(s, notice.served)} in {notice.language} "
        f"(understood), {_days_before(s, notice.served)}"
    )


def notice_period(s: g.Situation, c: g.Candidate) -> str:
    if not g.notice_required(s, c):
        return "no notice required, so no period to run"
    notices = p.notices_naming(s.person, c.destination, s.as_of)
    if not notices:
        return "no notice served (notice_missing blocks)"
    for notice in notices:
        ends = g.notice_runs_until(s, notice.served, notice.exigent and notice.attorney_access)
        if ends <= s.as_of:
            return (
                f"notice served {_moment(s, notice.served)} in {notice.language}, {_days_before(s, notice.served)}, "
                f"ran its minimum period at {_moment(s, ends)}"
            )
    raise AssertionError("notice_period held without a notice that ran its period")


def _claims(s: g.Situation, c: g.Candidate) -> str:
    claims = p.fear_claims_for(s.person, c.destination, s.as_of)
    if not claims:
        return f"no fear of {c.destination} stated by as_of"
    return "; ".join(
        f"fear of {c.destination} stated {_moment(s, x.stated)}, screening {p.fear_outcome_at(x, s.as_of)}"
        + (f" (decided {_moment(s, x.decided)})" if x.decided is not None and x.decided <= s.as_of else "")
        for x in claims
    )


def fear_screening_pending(s: g.Situation, c: g.Candidate) -> str:
    return _claims(s, c)


def fear_established(s: g.Situation, c: g.Candidate) -> str:
    return _claims(s, c)


def reopen_period(s: g.Situation, c: g.Candidate) -> str:
    if s.era is None or s.era.reopen_days is None:
        return f"era {s.era.id if s.era else 'none'} gives no time to move to reopen"
    return _claims(s, c)


# --- agreement gates ---------------------------------------------------------------------------------


def agreement_not_in_force(s: g.Situation, c: g.Candidate) -> str:
    assert c.version is not None
    return f"{_version(c)} is in_force"


def nationality_not_accepted(s: g.Situation, c: g.Candidate) -> str:
    assert c.version is not None
    accepts = c.version.accepts
    held = ", ".join(s.person.nationalities) or "none recorded"
    if accepts.nationalities == "any":
        return f"{_version(c)} accepts any nationality; none of {held} excluded"
    return f"{_version(c)} accepts {', '.join(accepts.nationalities)}; the person holds {held}"


def conviction_required(s: g.Situation, c: g.Candidate) -> str:
    assert c.version is not None
    if not c.version.accepts.requires_conviction:
        return f"{_version(c)} requires no conviction"
    first = min(s.person.convictions, key=lambda x: to_instant(x.date, s.tz))
    return f"conviction dated {_moment(s, first.date)}: {first.offense}"


def below_min_age(s: g.Situation, c: g.Candidate) -> str:
    assert c.agreement is not None and c.version is not None
    age = p.age_at(s.person, s.as_of, s.tz)
    minimum = p.min_age_of(s.world, c.agreement, c.version, s.pack.parameters.prison_min_age)
    born = f"born {s.person.birth_date}, aged {age}"
    if minimum is None:
        return f"{born}; {_version(c)} sets no minimum age"
    return f"{born}, at least the minimum age {minimum} of {_version(c)}"


def sex_not_accepted(s: g.Situation, c: g.Candidate) -> str:
    assert c.version is not None
    if c.version.accepts.sexes is None:
        return f"{_version(c)} accepts any sex"
    return f"sex {s.person.sex}, accepted by {_version(c)}"


def unaccompanied_minor(s: g.Situation, c: g.Candidate) -> str:
    if s.person.accompanied:
        return "not recorded as unaccompanied"
    return f"recorded as unaccompanied, aged {p.age_at(s.person, s.as_of, s.tz)}: an adult"


def capacity_full(s: g.Situation, c: g.Candidate) -> str:
    assert c.agreement is not None and c.version is not None
    if c.version.capacity is None:
        return f"{_version(c)} sets no capacity"
    held, day = s.occupancy(c.agreement)
    return f"occupancy {held} of capacity {c.version.capacity} on {day} under {c.agreement.id}"


# --- warnings --------------------------------------------------------------------------------------------


def motion_to_reopen_pending(s: g.Situation, c: g.Candidate) -> str:
    return "no motion to reopen pending without a stay"


def chain_refoulement_risk(s: g.Situation, c: g.Candidate) -> str:
    country = s.world.country_by_code.get(c.destination)
    onward = ", ".join(country.returns_onward) if country is not None and country.returns_onward else "nowhere"
    return f"{c.destination} is recorded as returning people onward to {onward}; none is protected for them"


EVIDENCE: dict[str, Evidence] = {
    "sending_state_national": sending_state_national,
    "no_final_order": no_final_order,
    "stay_in_effect": stay_in_effect,
    "asylum_pending": asylum_pending,
    "court_order": court_order,
    "identity_unverified": identity_unverified,
    "protected_country": protected_country,
    "order_basis_out_of_scope": order_basis_out_of_scope,
    "no_policy_in_force": no_policy_in_force,
    "country_not_accepting": country_not_accepting,
    "home_country_available": home_country_available,
    "notice_missing": notice_missing,
    "notice_period": notice_period,
    "fear_screening_pending": fear_screening_pending,
    "fear_established": fear_established,
    "reopen_period": reopen_period,
    "agreement_not_in_force": agreement_not_in_force,
    "nationality_not_accepted": nationality_not_accepted,
    "conviction_required": conviction_required,
    "below_min_age": below_min_age,
    "sex_not_accepted": sex_not_accepted,
    "unaccompanied_minor": unaccompanied_minor,
    "capacity_full": capacity_full,
    "motion_to_reopen_pending": motion_to_reopen_pending,
    "chain_refoulement_risk": chain_refoulement_risk,
}


def evidence(code: str, s: g.Situation, c: g.Candidate) -> str:
    """The facts a gate that held rests on, in words."""
    return EVIDENCE[code](s, c)
