"""conformance: designation kinds up to 32 characters; a flight line's unit rate

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:00:00

Designation kinds are an open vocabulary of lowercase ids of at most 32 characters (was 16). An invoice
line stores the price of one unit (a flight hour) it was charged at, so the document can show it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("person_designations", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=16), type_=sa.String(length=32), existing_nullable=False
        )
    with op.batch_alter_table("billing_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_rate", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billing_lines", schema=None) as batch_op:
        batch_op.drop_column("unit_rate")
    with op.batch_alter_table("person_designations", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=32), type_=sa.String(length=16), existing_nullable=False
        )
