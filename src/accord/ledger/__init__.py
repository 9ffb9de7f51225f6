"""The custody ledger: co-signed handovers in an RFC 9162 Merkle log, with proofs, C2SP checkpoints and
an offline verifier. See docs/ledger.md. Other areas call the functions re-exported here."""

from accord.ledger.export import export_ledger, make_receipt, trusted_keys
from accord.ledger.keys import Keyring
from accord.ledger.repository import LedgerMissing
from accord.ledger.rules import DuplicateEvent, Refusal
from accord.ledger.service import (
    Custody,
    CustodyPeriod,
    Handover,
    Ledger,
    add_custodian_key,
    add_witness,
    checkpoint_now,
    consistency_proof,
    custody_periods,
    inclusion_proof,
    init_ledger,
    open_ledger,
    record_handover,
    record_handovers,
    register_organisation,
    revoke_custodian_key,
    rotate_custodian_key,
    where,
)
from accord.ledger.verify import TrustedKeys, VerificationFailed, WitnessPolicy, verify_export, verify_receipt
from accord.ledger.witnessing import Submission, submit_checkpoint

__all__ = [
    "Custody",
    "CustodyPeriod",
    "DuplicateEvent",
    "Handover",
    "Keyring",
    "Ledger",
    "LedgerMissing",
    "Refusal",
    "Submission",
    "TrustedKeys",
    "VerificationFailed",
    "WitnessPolicy",
    "add_custodian_key",
    "add_witness",
    "checkpoint_now",
    "consistency_proof",
    "custody_periods",
    "export_ledger",
    "inclusion_proof",
    "init_ledger",
    "make_receipt",
    "open_ledger",
    "record_handover",
    "record_handovers",
    "register_organisation",
    "revoke_custodian_key",
    "rotate_custodian_key",
    "submit_checkpoint",
    "trusted_keys",
    "verify_export",
    "verify_receipt",
    "where",
]
