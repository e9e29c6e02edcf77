"""No derived state in the customer's database: drop the trigger, current_segment, the rollups,
sync_state and the dashboard-only indexes on the customer's three tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 10:00:00.000000

The dashboards read an analytics copy of their own (db.analytics); the app's writes and the
record pages need nothing of this. What stays on the customer's tables: the unique Email and
Phone indexes, the Customer_Name index and the pg_trgm index (search), and the indexes led by
Customer_ID on Customer_Preferences and Customer_Segments (a customer's rows).

Every drop is conditional (IF EXISTS, or present by name in the live schema): a database adopted
by 0001 may lack some of our indexes (0001 skips those an existing index already covers), and
indexes or constraints the customer made themselves are never touched (only our names are).

Downgrade recreates the four tables EMPTY (as at 0004) and the indexes, but not the trigger
(nothing of ours goes on the customer's tables any more: after a downgrade, current_segment's
copies of State and Last_Login are as fresh as its last rebuild). The 0004 code then rebuilds current_segment and the rollups at its next start
(no watermark in sync_state), as after 0004's own upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SYNC_TRIGGER = "trg_customer_info_current_segment"
DERIVED_TABLES = ("current_segment_rollup", "segment_value_rollup", "current_segment", "sync_state")
CUSTOMER_TABLES = ("Customer_Info", "Customer_Preferences", "Customer_Segments")
# The tables of ours that stay (tables of the customer's own beside theirs are never touched).
OUR_TABLES = ("app_user", "audit_log", "saved_audience", "app_session")

# (table, index name, columns) of every dashboard-only index 0001 and 0004 added.
DASHBOARD_INDEXES = (
    ("Customer_Info", "ix_Customer_Info_Account_Status", ["Account_Status"]),
    ("Customer_Info", "ix_Customer_Info_City", ["City"]),
    ("Customer_Info", "ix_Customer_Info_Gender_Age", ["Gender", "Age"]),
    ("Customer_Info", "ix_Customer_Info_Loyalty_Points", ["Loyalty_Points"]),
    ("Customer_Info", "ix_Customer_Info_Join_Date", ["Join_Date"]),
    ("Customer_Info", "ix_Customer_Info_Last_Login", ["Last_Login"]),
    ("Customer_Info", "ix_Customer_Info_State_City_Country", ["State", "City", "Country"]),
    (
        "Customer_Preferences",
        "ix_Customer_Preferences_channel_flags",
        ["Communication_Channel", "Notification_Enabled", "Marketing_Consent", "Newsletter_Subscription"],
    ),
    (
        "Customer_Preferences",
        "ix_Customer_Preferences_Preferred_Language_Time_Zone",
        ["Preferred_Language", "Time_Zone"],
    ),
    (
        "Customer_Preferences",
        "ix_Customer_Preferences_opted_in",
        ["Notification_Enabled", "Marketing_Consent", "Communication_Channel", "Customer_ID"],
    ),
    (
        "Customer_Segments",
        "ix_Customer_Segments_Segment_Category_Lifetime_Value",
        ["Segment_Category", "Lifetime_Value"],
    ),
    (
        "Customer_Segments",
        "ix_Customer_Segments_category_name_value",
        ["Segment_Category", "Segment_Name", "Lifetime_Value"],
    ),
    ("Customer_Segments", "ix_Customer_Segments_Last_Updated", ["Last_Updated"]),
)


def _drop_sync_trigger() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f'DROP TRIGGER IF EXISTS {SYNC_TRIGGER} ON "Customer_Info"')
        op.execute(f"DROP FUNCTION IF EXISTS {SYNC_TRIGGER}()")
    else:  # SQLite, MySQL / MariaDB
        op.execute(f"DROP TRIGGER IF EXISTS {SYNC_TRIGGER}")


def _our_foreign_keys_to_customer_tables(insp) -> list[tuple[str, str]]:
    """(table, constraint name) of foreign keys from a table of ours to a customer table."""
    ours = set(insp.get_table_names()) & set(OUR_TABLES)
    return [
        (table, fk["name"])
        for table in sorted(ours)
        for fk in insp.get_foreign_keys(table)
        if fk["referred_table"] in CUSTOMER_TABLES and fk.get("name")
    ]


def upgrade() -> None:
    bind = op.get_bind()
    _drop_sync_trigger()
    insp = sa.inspect(bind)
    present = set(insp.get_table_names())
    for table in DERIVED_TABLES:
        if table in present:
            op.drop_table(table)
    insp = sa.inspect(bind)  # forget the dropped tables
    # None is left after the drops above (audit_log keeps a plain customer_id): this guards a
    # database where someone pointed one of our tables at theirs, which would block a TRUNCATE of
    # their tables on PostgreSQL. Foreign keys of the customer's own other tables stay.
    for table, name in _our_foreign_keys_to_customer_tables(insp):
        with op.batch_alter_table(table) as batch:  # a table copy on SQLite, ALTER TABLE elsewhere
            batch.drop_constraint(name, type_="foreignkey")
    for table in CUSTOMER_TABLES:
        if table not in present:
            continue
        names = {ix["name"] for ix in insp.get_indexes(table)}
        for owner, name, _ in DASHBOARD_INDEXES:
            if owner == table and name in names:
                op.drop_index(name, table_name=table)


# --- downgrade: the objects as 0004 left them, empty ---------------------------------------------


def _create_current_segment() -> None:
    op.create_table(
        "current_segment",
        sa.Column("Customer_ID", sa.Integer(), nullable=False),
        sa.Column("Segment_ID", sa.Integer(), nullable=False),
        sa.Column("Segment_Name", sa.String(length=100), nullable=False),
        sa.Column("Segment_Category", sa.String(length=50), nullable=False),
        sa.Column("Lifetime_Value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("Risk_Score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("Engagement_Level", sa.String(length=20), nullable=True),
        sa.Column("State", sa.String(length=100), nullable=True),
        sa.Column("Last_Login", sa.DateTime(), nullable=True),
        sa.Column("Value_Risk", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["Customer_ID"],
            ["Customer_Info.Customer_ID"],
            name=op.f("fk_current_segment_Customer_ID_Customer_Info"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("Customer_ID", name=op.f("pk_current_segment")),
    )
    for name, columns in (
        (
            "ix_current_segment_category_engagement_risk_value",
            ["Segment_Category", "Engagement_Level", "Risk_Score", "Lifetime_Value"],
        ),
        ("ix_current_segment_Risk_Score", ["Risk_Score"]),
        ("ix_current_segment_Lifetime_Value", ["Lifetime_Value"]),
        ("ix_current_segment_Last_Login_Risk_Score", ["Last_Login", "Risk_Score"]),
        (
            "ix_current_segment_state_category",
            ["State", "Segment_Category", "Risk_Score", "Lifetime_Value", "Value_Risk"],
        ),
        ("ix_current_segment_Value_Risk", ["Value_Risk"]),
    ):
        op.create_index(name, "current_segment", columns)


def downgrade() -> None:
    _create_current_segment()
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("watermark", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_state")),
    )
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
    insp = sa.inspect(op.get_bind())
    for table in CUSTOMER_TABLES:
        names = {ix["name"] for ix in insp.get_indexes(table)}
        for owner, name, columns in DASHBOARD_INDEXES:
            if owner == table and name not in names:
                op.create_index(name, table, columns)
