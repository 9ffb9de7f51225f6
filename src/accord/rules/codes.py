"""The fixed vocabulary of reason and warning codes (docs/spec/rules.md §2). Tests and clients match on these
strings, so they are spelt once, here, in the order a decision lists them."""

from __future__ import annotations

from typing import Final

UNIVERSAL_CODES: Final = (
    "sending_state_national",
    "no_final_order",
    "stay_in_effect",
    "asylum_pending",
    "court_order",
    "identity_unverified",
    "protected_country",
    "order_basis_out_of_scope",
    "no_policy_in_force",
)

DESTINATION_CODES: Final = (
    "country_not_accepting",
    "home_country_available",
    "notice_missing",
    "notice_period",
    "fear_screening_pending",
    "fear_established",
    "reopen_period",
)

AGREEMENT_CODES: Final = (
    "agreement_not_in_force",
    "nationality_not_accepted",
    "conviction_required",
    "below_min_age",
    "sex_not_accepted",
    "unaccompanied_minor",
    "capacity_full",
)

REASON_CODES: Final[tuple[str, ...]] = UNIVERSAL_CODES + DESTINATION_CODES + AGREEMENT_CODES

# The gates whose rule changes with the era (docs/spec/rules.md §4): an era may cite its own source for them.
ERA_CODES: Final = frozenset(
    {"notice_missing", "notice_period", "fear_screening_pending", "fear_established", "reopen_period"}
)

WARNING_CODES: Final[tuple[str, ...]] = (
    "motion_to_reopen_pending",
    "chain_refoulement_risk",
    "recheck_before_boarding",
)
