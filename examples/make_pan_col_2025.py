"""Regenerate examples/pan-col-2025.yaml: a US-funded removal flight of 43 Colombians from Panama to Bogotá
(deterministic: same output every run).

    .venv/bin/python examples/make_pan_col_2025.py > examples/pan-col-2025.yaml

Which sex split, and why. The seed article of this project reports this flight as 32 men and 11 women;
the figures published for other 43-person flights from Panama in early 2025 were 35 men and 8 women, and
38 and 5. Those describe different flights, so they cannot correct this one: the example uses 32/11,
the only figure attributed to this flight. Every person in the file is synthetic; ids, ages, dates and
A-numbers are made up. The split matters to the reports: with k = 5, 11 women (or 8) are published, 5
would be published too (suppression hides cells *below* k), and any split that left fewer than 5 would be
suppressed with a complement.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import yaml

RNG = random.Random(20250327)
MEN, WOMEN = 32, 11
RECORDED = "2025-03-25T09:00:00-05:00"


def person(n: int, sex: str) -> dict[str, Any]:
    final = date(2025, 2, 1) + timedelta(days=RNG.randint(0, 40))
    return {
        "id": f"PA{n:03d}",
        "birth_date": date(2025, 3, 27) - timedelta(days=RNG.randint(19 * 366, 52 * 365)),
        "sex": sex,
        "status": "undocumented",
        "nationalities": ["COL"],
        "languages": ["spa"],
        "identity": {"verified": True, "reference": f"PA-{700000 + n * 613:07d}"},
        # The world format's order bases are the US pack's; `title8` stands for Panama's final deportation
        # resolution here (the generic pack reads only that a final order exists).
        "orders": [{"basis": "title8", "issued": final - timedelta(days=15), "final": final, "designated": ["COL"]}],
        "recorded_at": RECORDED,
    }


def world() -> dict[str, Any]:
    persons = [person(n, "M") for n in range(1, MEN + 1)] + [person(n, "F") for n in range(MEN + 1, MEN + WOMEN + 1)]
    return {
        "format": "accord.world/1",
        "title": "A US-funded removal flight from Panama to Colombia: 43 people (32 men, 11 women)",
        "source": (
            "US-Panama memorandum of understanding of 2024-07-01: the United States pays for removal flights from "
            "Panama (about $6 M at signature). Sex split 32/11 from the seed article; 35/8 and 38/5 were published "
            "for other 43-person flights in early 2025 (see examples/make_pan_col_2025.py). Flight-hour rate as in "
            "the reference world (ICE charter figures near $8,600 per flight hour). Date and times illustrative. "
            "Every person in this file is synthetic."
        ),
        "world": {
            "sending_state": "PAN",
            "countries": [{"code": "COL", "acceptance": [{"from": date(2010, 1, 1), "status": "accepts"}]}],
            "agreements": [{
                "id": "US-PAN-2024-COL",
                "title": "Removal flights from Panama funded by the United States (MoU of 2024-07-01), to Colombia",
                "sending": "PAN", "receiving": "COL", "funder": "USA", "timezone": "America/Panama",
                "versions": [{
                    "from": date(2024, 7, 1), "status": "in_force",
                    "accepts": {"nationalities": ["COL"]},
                    "flight_hour_rate": {"amount": "8600.00", "currency": "USD"},
                }],
            }],
            "persons": persons,
        },
    }  # fmt: skip


def main() -> None:
    print(yaml.safe_dump(world(), sort_keys=False, allow_unicode=True, width=120, default_flow_style=None), end="")


if __name__ == "__main__":
    main()
