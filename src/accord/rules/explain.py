"""Readable reasoning for one person: the era and its rule, the records read, and for every candidate
pathway each gate checked, whether it held or blocked, why, and on what authority."""

from __future__ import annotations

from accord.domain import Person
from accord.rules.evidence import evidence
from accord.rules.gates import Candidate, Situation
from accord.rules.interpreter import Outcome, PathwayTrace, PersonTrace
from accord.rules.predicates import age_at


def render(trace: PersonTrace, known_at_text: str) -> str:
    s = trace.situation
    lines = [
        f"{s.person.id} as of {s.as_of.isoformat()}, as known at {known_at_text}; rule pack {s.pack.name}",
        _era_line(s),
        *_person_lines(s),
    ]
    if not trace.pathways:
        lines.append(
            "No candidate pathway: no nationality other than the sending state, no designated "
            "country, no agreement of the sending state."
        )
    for number, pathway in enumerate(trace.pathways, 1):
        lines += ["", *_pathway_lines(number, pathway, s)]
    allowed = [p for p in trace.pathways if not _blocked(p)]
    lines += ["", f"Allowed: {', '.join(_name(p.candidate) for p in allowed)}" if allowed else "Allowed: none"]
    return "\n".join(lines)


def _era_line(s: Situation) -> str:
    if s.era is None:
        return "Era: none covers as_of - every pathway is blocked by no_policy_in_force"
    until = s.era.until.isoformat() if s.era.until else "open"
    return f"Era {s.era.id} [{s.era.from_.isoformat()} .. {until}): {s.era.summary}"


def _person_lines(s: Situation) -> list[str]:
    person: Person = s.person
    age = age_at(person, s.as_of, s.tz)
    born = f"born {person.birth_date} (age {age})" if person.birth_date else "birth date unknown"
    identity = "identity verified" if person.identity_verified else "identity NOT verified"
    lines = [
        f"Person: {person.status}, nationalities {', '.join(person.nationalities) or 'none'}, {born}, "
        f"sex {person.sex or 'unknown'}, languages {', '.join(person.languages) or 'none'}, "
        f"district {person.district or 'unknown'}, {identity}"
    ]
    records = [
        *(
            f"order {o.basis} issued {o.issued} final {o.final or 'never'} designating "
            f"{', '.join(o.designated) or 'none'}"
            for o in person.orders
        ),
        *(
            f"protection {x.kind} for {x.country} granted {x.granted}"
            + (f" terminated {x.terminated}" if x.terminated else "")
            for x in person.protections
        ),
        *(f"stay {x.kind} from {x.from_} until {x.until or 'open'}" for x in person.stays),
        *(f"{x.kind} filed {x.filed}" + (f" decided {x.decided}" if x.decided else "") for x in person.pending),
        *(f"conviction {x.date}: {x.offense}" for x in person.convictions),
        *(f"designation {x.kind} from {x.from_}" for x in person.designations),
        *(
            f"notice for {x.country} served {x.served.isoformat()} in {x.language}"
            + (" (exigent" + (", attorney access)" if x.attorney_access else ")") if x.exigent else "")
            for x in person.notices
        ),
        *(f"fear of {x.country} stated {x.stated.isoformat()}: {x.outcome}" for x in person.fear_claims),
    ]
    return lines + [f"  record: {r}" for r in records]


def _name(c: Candidate) -> str:
    under = f" under {c.agreement_id}" if c.agreement_id else ""
    return f"{c.kind} to {c.destination}{under}"


def _blocked(p: PathwayTrace) -> bool:
    return any(o.detail is not None for o in p.outcomes)


def _pathway_lines(number: int, p: PathwayTrace, s: Situation) -> list[str]:
    c = p.candidate
    version = ""
    if c.agreement is not None:
        version = (
            f" (version from {c.version.from_}, {c.version.status})"
            if c.version is not None
            else " (before its first version)"
        )
    lines = [f"{number}. {_name(c)}{version}: {'BLOCKED' if _blocked(p) else 'ALLOWED'}"]
    lines += [_outcome_line(o, s, c) for o in p.outcomes]
    lines += [f"   ! {w.gate.code}: {w.detail} [{s.pack.source_for(w.gate.code)}]" for w in p.warnings if w.detail]
    return lines


def _outcome_line(o: Outcome, s: Situation, c: Candidate) -> str:
    if o.detail is None:
        return f"   ok  {o.gate.code}: {evidence(o.gate.code, s, c)}"
    return f"   NO  {o.gate.code}: {o.detail} [{s.pack.source_for(o.gate.code, s.era)}]"
