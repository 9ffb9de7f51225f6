"""The one error the billing core raises for bad input; the CLI turns it into a clean exit 2."""

from __future__ import annotations


class BillingError(ValueError):
    """A request that cannot be billed as asked (unknown agreement, uncovered month, currency mismatch,
    a custody period that ends before it starts). Raised before anything is stored."""
