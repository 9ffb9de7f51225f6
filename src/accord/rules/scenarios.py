"""The scenario runner: a world file with `checks` attached, each check compared with what the engine
says (docs/spec/world-format.md). Decision checks go through the scalar interpreter; bill checks through billing,
imported only when a file has one so that the rules need no billing to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from accord.rules.decision import DecisionSet, Pathway, PersonDecision
from accord.rules.interpreter import UnknownPerson, decide
from accord.world import BillCheck, DecisionCheck, ExpectedPathway, WorldDocument, load_world_file
from accord.world.yamlsource import load_yaml_file

Decider = Callable[[WorldDocument, DecisionCheck], DecisionSet]


@dataclass(frozen=True)
class CheckResult:
    file: str
    line: int
    label: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        text = f"{verdict} {self.file}:{self.line}: {self.label}"
        return f"{text}: {'; '.join(self.failures)}" if self.failures else text


def scenario_files(paths: Iterable[str | FsPath]) -> list[FsPath]:
    """The files named, and the world files (*.yaml, *.yml) of each directory named, sorted."""
    found: list[FsPath] = []
    for path in map(FsPath, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        else:
            found.append(path)
    return found


def interpreter_decider(document: WorldDocument, check: DecisionCheck) -> DecisionSet:
    return decide(document.world, check.as_of, check.known_at, person_ids=list(check.expect))


def run_file(path: str | FsPath, decider: Decider = interpreter_decider) -> list[CheckResult]:
    """Run every check of one world file; raises WorldInvalid when the file does not validate."""
    document = load_world_file(path)
    _, source, _ = load_yaml_file(FsPath(path))
    results = []
    for i, check in enumerate(document.checks):
        line = source.line_of(("checks", i))
        if isinstance(check, DecisionCheck):
            label = f"as_of {check.as_of.isoformat()}" + (
                f" known_at {check.known_at.isoformat()}" if check.known_at else ""
            )
            failures = decision_failures(document, check, decider)
        else:
            label = f"bill {check.bill.agreement} {check.bill.from_}..{check.bill.to}"
            failures = bill_failures(document, check)
        results.append(CheckResult(str(path), line, label, tuple(failures)))
    return results


def decision_failures(document: WorldDocument, check: DecisionCheck, decider: Decider) -> list[str]:
    try:
        decisions = decider(document, check)
    except UnknownPerson as exc:
        return [str(exc)]
    by_person = {d.person: d for d in decisions.decisions}
    failures = []
    for person, expected in check.expect.items():
        decision = by_person.get(person)
        if decision is None:
            failures.append(f"{person}: no decision")
            continue
        failures += [f"{person} {f}" for e in expected if (f := pathway_failure(e, decision)) is not None]
    return failures


def pathway_failure(expected: ExpectedPathway, decision: PersonDecision) -> str | None:
    """None when some pathway of the decision matches the expectation, else what was found instead."""
    same = [p for p in decision.pathways if _same_pathway(expected, p)]
    name = " ".join(x for x in (expected.kind, expected.destination, expected.agreement) if x)
    if not same:
        return f"{name}: no such pathway"
    if any(_matches(expected, p) for p in same):
        return None
    got = "; ".join(
        f"{p.status} [{', '.join(r.code for r in p.reasons)}] warnings [{', '.join(w.code for w in p.warnings)}]"
        for p in same
    )
    want = "exactly " if expected.exact_reasons else ""
    return (
        f"{name}: expected {expected.status} with {want}[{', '.join(expected.reasons)}]"
        f" warnings [{', '.join(expected.warnings)}], got {got}"
    )


def _same_pathway(expected: ExpectedPathway, pathway: Pathway) -> bool:
    return (
        pathway.kind == expected.kind
        and (expected.destination is None or pathway.destination == expected.destination)
        and (expected.agreement is None or pathway.agreement == expected.agreement)
    )


def _matches(expected: ExpectedPathway, pathway: Pathway) -> bool:
    codes = pathway.codes
    reasons_ok = codes == set(expected.reasons) if expected.exact_reasons else set(expected.reasons) <= codes
    warnings_ok = set(expected.warnings) <= {w.code for w in pathway.warnings}
    return pathway.status == expected.status and reasons_ok and warnings_ok


def bill_failures(document: WorldDocument, check: BillCheck) -> list[str]:
    try:
        from accord.billing.preview import bill
    except ImportError:
        return ["billing not available"]
    try:
        invoices: dict[str, Any] = bill(document.world, check.bill.agreement, check.bill.from_, check.bill.to).to_json()
    except ValueError as exc:
        return [f"billing refused: {exc}"]
    totals = {invoice["month"]: invoice["total"] for invoice in invoices["invoices"]}
    failures = [
        f"{month}: expected {want}, got {totals.get(month, 'no invoice')}"
        for month, want in check.expect.totals.items()
        if totals.get(month) != want
    ]
    if check.expect.total is not None and invoices["total"] != check.expect.total:
        failures.append(f"total: expected {check.expect.total}, got {invoices['total']}")
    return failures
