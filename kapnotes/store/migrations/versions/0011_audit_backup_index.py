"""The last backup is found without reading the whole audit trail.

The status bar's backup reminder and the automatic backup's schedule ask when the
last good backup was written (the newest ``vault.backup`` event, and any
``vault.restore`` naming the backup a vault came from): at each unlock, at each
ten-minute tick of the schedule (not while a dosing session is monitored) and at
quitting. Without an index each question read every audit event: on a vault of
years (44,000 events, 12 MB) the four reads of an unlock took about 260 ms on the
UI thread, and they filled SQLite's page cache with 8 MB of audit pages nothing
else needed. Two partial indexes hold only the backup and restore events (one row
per backup), so each question reads a page or two.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

# The names as this revision made them (the models name them too: a test compares).
AUDIT_BACKUPS = "ix_audit_event_backups"
AUDIT_RESTORES = "ix_audit_event_restores"


def upgrade() -> None:
    """Index the audit trail's backup and restore events (only those)."""
    op.execute(f"CREATE INDEX {AUDIT_BACKUPS} ON audit_event (at) WHERE action = 'vault.backup'")
    op.execute(f"CREATE INDEX {AUDIT_RESTORES} ON audit_event (seq) WHERE action = 'vault.restore'")


def downgrade() -> None:
    """Drop the two indexes."""
    op.drop_index(AUDIT_RESTORES, table_name="audit_event")
    op.drop_index(AUDIT_BACKUPS, table_name="audit_event")
