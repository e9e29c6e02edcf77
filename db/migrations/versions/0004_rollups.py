"""Rollups: current segments per category, engagement, risk and value bin; segment rows per
category, name and 50-rupee value bucket; current_segment.Value_Risk; an index for the
watermark's MAX(Last_Updated)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 21:00:00.000000

The rollups start empty: dropping the stored watermark makes the next db.current_segment
ensure_fresh() (at app start, or `python -m db upgrade`) rebuild current_segment and the rollup.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "current_segment_rollup",
        sa.Column("Segment_Category", sa.String(length=50), nullable=False),
        sa.Column("Engagement_Level", sa.String(length=20), nullable=False),
        sa.Column("risk_bin", sa.Integer(), nullable=False),
        sa.Column("value_bin", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Numeric(20, 2), nullable=False),
        sa.Column("risk_sum", sa.Numeric(16, 2), nullable=False),
        sa.Column("value_risk_sum", sa.Numeric(26, 4), nullable=False),
        sa.PrimaryKeyConstraint(
            "Segment_Category",
            "Engagement_Level",
            "risk_bin",
            "value_bin",
            name=op.f("pk_current_segment_rollup"),
        ),
    )
    op.create_table(
        "segment_value_rollup",
        sa.Column("Segment_Category", sa.String(length=50), nullable=False),
        sa.Column("Segment_Name", sa.String(length=100), nullable=False),
        sa.Column("value_bucket", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Numeric(20, 2), nullable=False),
        sa.PrimaryKeyConstraint(
            "Segment_Category", "Segment_Name", "value_bucket", name=op.f("pk_segment_value_rollup")
        ),
    )
    # a plain ADD COLUMN (a batch copy of the table would trip the trigger on Customer_Info)
    op.add_column(
        "current_segment", sa.Column("Value_Risk", sa.Double(), server_default=sa.text("0"), nullable=False)
    )
    op.drop_index("ix_current_segment_state_risk_value", table_name="current_segment")
    op.create_index(
        "ix_current_segment_state_category",
        "current_segment",
        ["State", "Segment_Category", "Risk_Score", "Lifetime_Value", "Value_Risk"],
    )
    op.create_index(op.f("ix_current_segment_Value_Risk"), "current_segment", ["Value_Risk"])
    op.create_index(
        "ix_Customer_Preferences_opted_in",
        "Customer_Preferences",
        ["Notification_Enabled", "Marketing_Consent", "Communication_Channel", "Customer_ID"],
    )
    op.create_index(op.f("ix_Customer_Segments_Last_Updated"), "Customer_Segments", ["Last_Updated"])
    sync_state = sa.table("sync_state", sa.column("name", sa.String))
    op.execute(sa.delete(sync_state).where(sync_state.c.name == "current_segment"))


def downgrade() -> None:
    op.drop_index("ix_Customer_Preferences_opted_in", table_name="Customer_Preferences")
    op.drop_index(op.f("ix_current_segment_Value_Risk"), table_name="current_segment")
    op.drop_index("ix_current_segment_state_category", table_name="current_segment")
    op.create_index(
        "ix_current_segment_state_risk_value", "current_segment", ["State", "Risk_Score", "Lifetime_Value"]
    )
    op.drop_column("current_segment", "Value_Risk")
    op.drop_index(op.f("ix_Customer_Segments_Last_Updated"), table_name="Customer_Segments")
    op.drop_table("segment_value_rollup")
    op.drop_table("current_segment_rollup")
