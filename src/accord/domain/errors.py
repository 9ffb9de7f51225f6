"""The root of Accord's own errors, so that a face maps each kind once (the CLI to an exit code) and a
broad handler never swallows a bug: input that is wrong, a refusal by a rule, a thing that does not exist."""

from __future__ import annotations


class AccordError(Exception):
    """Something Accord refuses or cannot find, said in one line for the user."""


class InvalidInput(AccordError):
    """A value given to Accord is malformed or implausible."""


class Refused(AccordError):
    """A well-formed request that a rule forbids (due process, the ledger's rules, a state machine)."""


class NotFound(AccordError, LookupError):
    """An id that names nothing in the record."""
