"""Handovers appended by hand (`accord ledger append`, later the API): the same gate as a movement's.

A handover into the sending state's custody (a return, a transfer between its own custodians) needs only
its legal basis in words. A handover into foreign custody is decided here, as of its `occurred_at` and
as known at its recording instant, for the agreement or repatriation it says it serves; it is admitted
only when that decision allows it, and its legal basis is then the stored decision (never words from
the input). A person a court order holds or whose return is required cannot be handed over at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from accord.domain.errors import AccordError, Refused
from accord.domain.time import rfc3339
from accord.ledger.repository import DatabaseView
from accord.ledger.service import Handover, Ledger, record_handovers
from accord.movements.flights import Serves
from accord.movements.handover import HandoverRefusal, permit_handover
from accord.movements.manifest import PassengerStatus
from accord.services import movements_repository as repo
from accord.services.clock import Clock
from accord.services.movements import Context
from accord.services.steps import DEFAULT_SKEW, Step, step_at
from accord.store.clock import stamp

# Statuses that only an explicit step ends (a lift, `accord return`): no handover while they last.
_FROZEN = (PassengerStatus.HELD, PassengerStatus.RETURN_REQUIRED)


@dataclass(frozen=True)
class HandoverRequest:
    """A handover as an operator states it; `serves` names the agreement or repatriation a handover
    into foreign custody is under, `legal_basis` the words of a domestic one."""

    person_id: str
    from_custodian: str
    to_custodian: str
    place: str
    occurred_at: datetime
    legal_basis: str | None = None
    serves: Serves | None = None
    event_id: str | None = None


def append_handovers(
    conn: Connection,
    ledger: Ledger,
    clock: Clock,
    requests: Sequence[HandoverRequest],
    actor: str,
    skew: timedelta = DEFAULT_SKEW,
) -> list[int]:
    """Admit and append the handovers in order, all or nothing in the caller's transaction (Refused
    names the first not admitted as `handover N: ...`)."""
    if not requests:
        return []
    view = DatabaseView(conn, ledger.origin)
    recorded = stamp(conn, clock.now())  # one recording instant for the batch, and its decisions
    ctx = Context.at(conn, recorded)
    home = ctx.world.sending_state
    indices = []
    for number, request in enumerate(requests):
        try:
            step = step_at(recorded, request.occurred_at, actor, skew=skew)
            country = view.custodian_country(request.to_custodian)
            if country is None or country == home:
                handover = _domestic(request, step)
            else:
                handover = _foreign(conn, ctx, request, step, country)
            indices += record_handovers(conn, ledger, [handover], home)
        except AccordError as exc:
            raise Refused(f"handover {number}: {exc}") from exc
    return indices


def _domestic(request: HandoverRequest, step: Step) -> Handover:
    if request.serves is not None:
        raise Refused("serves: only a handover into foreign custody serves an agreement or a repatriation")
    if not request.legal_basis:
        raise Refused("legal_basis: a handover within the sending state's custody says why, in words")
    return Handover(
        request.person_id,
        request.from_custodian,
        request.to_custodian,
        request.place,
        step.at,
        step.recorded_at,
        request.legal_basis,
        request.event_id,
    )


def _foreign(conn: Connection, ctx: Context, request: HandoverRequest, step: Step, country: str) -> Handover:
    if request.legal_basis is not None:
        raise Refused(
            f"legal_basis: a handover into {country} custody rests on the decision Accord makes now, "
            "not on words given; remove legal_basis and name what it serves (serves: {agreement: ID} "
            "or {repatriation: CODE})"
        )
    if request.serves is None:
        raise Refused("serves: name the agreement ({agreement: ID}) or the repatriation ({repatriation: CODE})")
    frozen = repo.passengers(conn, _FROZEN, person_id=request.person_id)
    if frozen:
        row = frozen[0]
        raise Refused(
            f"{request.person_id} is {row.status.value} on flight {row.flight_id}; only "
            + ("a lift of the court order" if row.status is PassengerStatus.HELD else "`accord return`")
            + " ends that"
        )
    ctx.person(request.person_id)  # NotFound-like refusal for a person unknown as of now
    decided = ctx.decide([request.person_id], step.at, step.at)[request.person_id]
    verdict = permit_handover(ctx.world, decided, request.serves, request.to_custodian, step.at, ctx.pack.timezone)
    if isinstance(verdict, HandoverRefusal):
        reasons = "; ".join(f"{r.code} ({r.detail})" for r in verdict.reasons)
        raise Refused(f"{request.person_id} may not be handed over into {country} at {rfc3339(step.at)}: {reasons}")
    if verdict.pathway.destination != country:
        raise Refused(
            f"serves {request.serves.label} leads to {verdict.pathway.destination}, but {request.to_custodian} "
            f"holds people in {country}"
        )
    return Handover(
        request.person_id,
        request.from_custodian,
        request.to_custodian,
        request.place,
        step.at,
        step.recorded_at,
        verdict.legal_basis,
        request.event_id,
    )
