"""Regenerate examples/us-slv-2025.yaml, the reference world (deterministic: same output every run).

    .venv/bin/python examples/make_us_slv_2025.py > examples/us-slv-2025.yaml

The arrangement, the court orders and the acceptance records follow the public record (sources in the
file). Every person is synthetic: the mix follows the public reports (238 Venezuelans and 23 Salvadorans
flown to CECOT on 2025-03-15/16; the rest from the top FY2024 removal countries), the facts do not
describe anyone real.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import yaml

RNG = random.Random(20250315)
RECORDED = "2025-03-14T09:00:00-04:00"
DISTRICTS_TX = ["SDTX", "SDTX", "SDTX", "WDTX", "NDTX"]
OFFENSES = [
    ("robbery", True), ("unlawful possession of a firearm", False), ("burglary", False),
    ("aggravated assault", True), ("drug trafficking", True), ("illegal reentry", False),
    ("theft", False), ("extortion", True),
]


def _birth(min_age: int, max_age: int) -> date:
    return date(2025, 3, 15) - timedelta(days=RNG.randint(min_age * 366, max_age * 365))


def _conviction() -> dict[str, Any]:
    offense, aggravated = RNG.choice(OFFENSES)
    day = date(2015, 1, 1) + timedelta(days=RNG.randint(0, 3600))
    return {"date": day, "offense": offense, "aggravated_felony": aggravated}


def _notice(country: str, served: str) -> dict[str, Any]:
    return {"kind": "third_country", "country": country, "served": served, "language": "spa"}


def _person(n: int, nationality: str, **facts: Any) -> dict[str, Any]:
    person: dict[str, Any] = {
        "id": f"P{n:03d}",
        "birth_date": facts.pop("birth_date", _birth(19, 45)),
        "sex": facts.pop("sex", "M"),
        "status": facts.pop("status", "undocumented"),
        "nationalities": facts.pop("nationalities", [nationality]),
        "languages": ["spa"],
        "district": facts.pop("district", RNG.choice(DISTRICTS_TX)),
        "identity": {"verified": facts.pop("verified", True), "reference": f"A-{200000000 + n * 7919:09d}"},
    }
    person.update({k: v for k, v in facts.items() if v})
    person["recorded_at"] = RECORDED
    return person


def venezuelans(start: int) -> list[dict[str, Any]]:
    """238 men: most named under the Proclamation (AEA order only), some with Title 8 final orders too."""
    people = []
    for i in range(238):
        n = start + i
        aea = {"basis": "aea", "issued": date(2025, 3, 15), "final": date(2025, 3, 15)}
        t8_final = date(2024, 1, 10) + timedelta(days=RNG.randint(0, 400))
        t8 = {"basis": "title8", "issued": t8_final - timedelta(days=30), "final": t8_final, "designated": ["VEN"]}
        kind = i % 17
        facts: dict[str, Any] = {"designations": [{"kind": "aea_tda", "from": date(2025, 3, 14)}]}
        if kind < 11:
            facts["orders"] = [aea]  # removable only under the Proclamation
        elif kind < 15:
            facts["orders"] = [aea, t8]  # also holds an ordinary final order
        else:
            facts = {"orders": [t8]}  # Title 8 only, no designation
        if RNG.random() < 0.45:
            facts["convictions"] = [_conviction()]
        if RNG.random() < 0.6:
            facts["notices"] = [_notice("SLV", "2025-03-14T10:00:00-04:00")]
        if i == 5:
            facts["status"] = "lpr"  # a lawful permanent resident named as TdA
        if i == 9:
            facts["birth_date"] = date(2011, 6, 1)  # 13: outside the Proclamation's age floor
        if i == 12:
            facts["verified"] = False  # biometrics do not match the A-number on file
        if i == 20:
            facts["pending"] = [{"kind": "asylum", "filed": date(2024, 11, 4)}]
        if i == 31:
            facts["stays"] = [{"kind": "judicial", "from": "2025-03-15T16:00:00-04:00"}]
        if i == 44:
            facts["fear_claims"] = [{"country": "SLV", "stated": "2025-03-15T11:00:00-04:00", "outcome": "pending"}]
        people.append(_person(n, "VEN", **facts))
    return people


def salvadorans(start: int) -> list[dict[str, Any]]:
    """23 men with Title 8 final orders to El Salvador; one protected by withholding (the 2019 grant)."""
    people = []
    for i in range(23):
        final = date(2024, 6, 1) + timedelta(days=RNG.randint(0, 250))
        facts: dict[str, Any] = {
            "orders": [{"basis": "title8", "issued": final - timedelta(days=30), "final": final, "designated": ["SLV"]}],
            "convictions": [{"date": date(2016, 5, 1) + timedelta(days=RNG.randint(0, 2500)),
                             "offense": "racketeering (MS-13)", "aggravated_felony": True}],
        }
        if i == 0:  # modelled on the withholding grant of October 2019 (Abrego Garcia v. Noem)
            facts = {
                "orders": [{"basis": "title8", "issued": date(2019, 10, 10), "final": date(2019, 11, 9),
                            "designated": ["SLV"]}],
                "protections": [{"kind": "withholding_241b3", "country": "SLV", "granted": date(2019, 10, 10)}],
                "district": "DMD",
            }
        people.append(_person(start + i, "SLV", **facts))
    return people


OTHERS = [("MEX", 14), ("GTM", 11), ("HND", 8), ("COL", 3), ("ECU", 3)]


def others(start: int) -> list[dict[str, Any]]:
    """The caseload around them, from the top FY2024 removal countries; some women, some pending claims."""
    people = []
    n = start
    for country, count in OTHERS:
        for i in range(count):
            final = date(2024, 3, 1) + timedelta(days=RNG.randint(0, 300))
            facts: dict[str, Any] = {
                "sex": "F" if i % 3 == 2 else "M",
                "district": RNG.choice(["SDTX", "WDLA", "DAZ", "SDCA", "NDGA"]),
                "orders": [{"basis": "title8", "issued": final - timedelta(days=30), "final": final,
                            "designated": [country]}],
            }
            if RNG.random() < 0.33:
                facts["convictions"] = [_conviction()]
            if i == 1:
                facts["pending"] = [{"kind": "motion_to_reopen", "filed": date(2025, 3, 1)}]
            if i == 3:
                facts.pop("orders")
                facts["pending"] = [{"kind": "asylum", "filed": date(2024, 9, 9)}]
            people.append(_person(n, country, **facts))
            n += 1
    return people


def world() -> dict[str, Any]:
    persons = venezuelans(1)
    persons += salvadorans(len(persons) + 1)
    persons += others(len(persons) + 1)
    # A US-citizen child whose mother is on the caseload: never a removee (V.M.L., April 2025).
    persons.append(_person(len(persons) + 1, "USA", status="citizen", sex="F", birth_date=date(2023, 1, 4),
                           nationalities=["USA", "HND"], district="WDLA"))
    return {
        "format": "accord.world/1",
        "title": "The 2025 US-El Salvador arrangement: CECOT, the evening of 2025-03-15, and the caseload around it",
        "source": (
            "Agreement: AP 2025-03-15 and the grant agreement disclosed via Democracy Forward (up to 300 men for up "
            "to one year, about $6 M; $20,000 per detainee-year); CECOT, Tecoluca, stated capacity 40,000 (El "
            "Salvador government, 2023). Proclamation 10903 (90 FR 13033). J.G.G. v. Trump, D.D.C. 25-cv-766-JEB: "
            "oral class order 2025-03-15 about 18:45 EDT, written TRO 19:25, 14 days. Abrego Garcia v. Noem, D. Md., "
            "order of 2025-04-04. Venezuela: no answer to removal inquiries from mid-January 2025; flights resumed "
            "2025-03-24 (AP 2025-03-23). Flight-hour rate: ICE charter figures near $8,600 per flight hour. "
            "Caseload mix: 238 Venezuelans and 23 Salvadorans (WaPo 2025-03-17); the rest from the top FY2024 "
            "removal countries (ICE annual report FY2024). Every person in this file is synthetic."
        ),
        "world": {
            "sending_state": "USA",
            "rule_pack": "us",
            "countries": [
                {"code": "VEN", "acceptance": [{"from": date(2025, 1, 15), "status": "no_response"},
                                               {"from": date(2025, 3, 24), "status": "accepts"}]},
                {"code": "SLV", "acceptance": [{"from": date(2019, 1, 1), "status": "accepts"}]},
                {"code": "MEX", "acceptance": [{"from": date(2010, 1, 1), "status": "accepts"}]},
                {"code": "GTM", "acceptance": [{"from": date(2019, 1, 1), "status": "accepts"}]},
                {"code": "HND", "acceptance": [{"from": date(2010, 1, 1), "status": "accepts"}]},
                {"code": "COL", "acceptance": [{"from": date(2010, 1, 1), "status": "accepts"}]},
                {"code": "ECU", "acceptance": [{"from": date(2010, 1, 1), "status": "accepts"}]},
            ],
            "facilities": [
                {"id": "SLV-CECOT", "name": "Centro de Confinamiento del Terrorismo, Tecoluca", "country": "SLV",
                 "kind": "prison", "capacity": 40000, "timezone": "America/El_Salvador"},
            ],
            "agreements": [{
                "id": "US-SLV-2025",
                "title": "Detention in El Salvador of persons removed by the United States",
                "sending": "USA", "receiving": "SLV", "funder": "USA", "facility": "SLV-CECOT",
                "timezone": "America/El_Salvador",
                "versions": [
                    {"from": date(2025, 3, 14), "status": "in_force",
                     "accepts": {"nationalities": "any", "sexes": ["M"], "min_age": 18},
                     "capacity": 300,
                     "fee": {"amount": "20000.00", "currency": "USD", "per": "year", "proration": "actual_365"},
                     "flight_hour_rate": {"amount": "8600.00", "currency": "USD"}},
                    {"from": date(2026, 3, 14), "status": "expired"},
                ],
            }],
            "persons": persons,
            "court_orders": [
                {"id": "JGG-TRO-CLASS", "court": "D.D.C.", "case": "25-cv-766-JEB",
                 "binding_from": "2025-03-15T18:45:00-04:00", "until": "2025-03-29T19:25:00-04:00",
                 "effect": "bar_removal",
                 "scope": {"order_basis": ["aea"], "nationalities": ["VEN"], "carve_out_otherwise_removable": True},
                 "source": "J.G.G. v. Trump: oral order about 18:45 EDT, written class TRO 19:25 EDT, 14 days",
                 "recorded_at": "2025-03-15T18:50:00-04:00"},
            ],
        },
    }


def main() -> None:
    print(yaml.safe_dump(world(), sort_keys=False, allow_unicode=True, width=120, default_flow_style=None), end="")


if __name__ == "__main__":
    main()
