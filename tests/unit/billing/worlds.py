"""Small worlds for billing tests: one agreement at SLV-CECOT, versions and custody given per test."""

from __future__ import annotations

from typing import Any

from accord.domain.world import World


def fee(
    amount: str = "20000.00", per: str = "year", proration: str = "actual_365", currency: str = "USD"
) -> dict[str, str]:
    return {"amount": amount, "currency": currency, "per": per, "proration": proration}


def version(start: str, fee_terms: dict[str, str] | None = None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"from": start, "status": "in_force", **more}
    if fee_terms is not None:
        out["fee"] = fee_terms
    return out


def world(
    versions: list[dict[str, Any]],
    custody: list[dict[str, Any]] | None = None,
    agreement_id: str = "A",
    **agreement: Any,
) -> World:
    custody = custody or []
    persons = sorted({c["person"] for c in custody if "person" in c})
    return World.model_validate(
        {
            "sending_state": "USA",
            "facilities": [{"id": "SLV-CECOT", "country": "SLV", "kind": "prison", "timezone": "America/El_Salvador"}],
            "agreements": [
                {
                    "id": agreement_id,
                    "sending": "USA",
                    "receiving": "SLV",
                    "facility": "SLV-CECOT",
                    "versions": versions,
                    **agreement,
                }
            ],
            "persons": [{"id": p, "status": "undocumented"} for p in persons],
            "custody": [{"agreement": agreement_id, **c} for c in custody],
        }
    )


def held(person: str, intake: str, release: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"person": person, "intake": intake}
    if release is not None:
        out["release"] = release
    return out
