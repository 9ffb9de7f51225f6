"""remote witnesses: ledger_witness.url

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A witness registered before witnesses were remote cosigned in-process with a key in the operator's
    # keyring: it keeps its row (its past cosignatures still verify) with an empty URL, and submitting
    # to it is refused until it is registered again under another name with its own process's key.
    with op.batch_alter_table("ledger_witness") as batch:
        batch.add_column(sa.Column("url", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("ledger_witness") as batch:
        batch.alter_column("url", existing_type=sa.Text(), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("ledger_witness") as batch:
        batch.drop_column("url")
