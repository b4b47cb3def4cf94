"""idempotency keys bound to the account's id, not its name

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:40:00

The stored key was '<user name>:<key>' in 200 characters; a user name may hold ':', so two
accounts could meet on one key, and a long name cut the documented 200 characters short. It
is now '<user id>:<key>' in 220 characters; stored keys are rewritten the same way (the
order's owner is the user name that prefixed its key).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=200),
                              type_=sa.String(length=220), existing_nullable=True)
    op.execute(
        "UPDATE orders SET idempotency_key = "
        "(SELECT CAST(users.id AS VARCHAR(12)) FROM users WHERE users.username = orders.owner)"
        " || substr(idempotency_key, length(owner) + 1) "
        "WHERE idempotency_key IS NOT NULL AND substr(idempotency_key, 1, length(owner) + 1) "
        "= owner || ':' AND EXISTS (SELECT 1 FROM users WHERE users.username = orders.owner)")


def downgrade() -> None:
    op.execute(
        "UPDATE orders SET idempotency_key = substr(owner || substr(idempotency_key, "
        "length((SELECT CAST(users.id AS VARCHAR(12)) FROM users "
        "WHERE users.username = orders.owner)) + 1), 1, 200) "
        "WHERE idempotency_key IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM users WHERE users.username = orders.owner)")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=220),
                              type_=sa.String(length=200), existing_nullable=True)
