"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 17:19:57.236611
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# Adopting a database that already has the customer's tables (created by someone else): they
# are left as they are; our own tables are created, and of our indexes on the customer's tables
# only the non-unique ones whose columns no existing index covers (uniqueness is theirs, and
# `python -m db check` reports what differs).
CUSTOMER_TABLES = ("Customer_Info", "Customer_Preferences", "Customer_Segments")
_ADOPTED: set[str] = set()


def _customer_tables_present() -> set[str]:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    return {name for name in CUSTOMER_TABLES if name in present}


def _create_table(name, *columns, **kw):
    if name not in _ADOPTED:
        op.create_table(name, *columns, **kw)


def _create_index(name, table, columns, *, unique=False, **kw):
    if table in _ADOPTED:
        if unique:
            return
        existing = [i["column_names"] for i in sa.inspect(op.get_bind()).get_indexes(table)]
        if any(cols[: len(columns)] == list(columns) for cols in existing):
            return
    op.create_index(name, table, columns, unique=unique, **kw)


def upgrade() -> None:
    global _ADOPTED
    _ADOPTED = _customer_tables_present()
    _create_table('Customer_Info',
    sa.Column('Customer_ID', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('Customer_Name', sa.String(length=255), nullable=False),
    sa.Column('Email', sa.String(length=255), nullable=False),
    sa.Column('Phone', sa.String(length=20), nullable=True),
    sa.Column('Gender', sa.String(length=10), nullable=True),
    sa.Column('Age', sa.Integer(), nullable=True),
    sa.Column('Date_of_Birth', sa.Date(), nullable=False),
    sa.Column('City', sa.String(length=100), nullable=False),
    sa.Column('State', sa.String(length=100), nullable=False),
    sa.Column('Country', sa.String(length=100), server_default=sa.text("'India'"), nullable=True),
    sa.Column('Postal_Code', sa.String(length=20), nullable=True),
    sa.Column('Join_Date', sa.Date(), server_default=sa.func.current_date(), nullable=False),
    sa.Column('Account_Status', sa.String(length=20), server_default=sa.text("'Active'"), nullable=True),
    sa.Column('Loyalty_Points', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('Last_Login', sa.DateTime(), nullable=True),
    sa.CheckConstraint(sa.column('Account_Status').in_(('Active', 'Inactive', 'Suspended',)), name=op.f('ck_Customer_Info_account_status')),
    sa.CheckConstraint(sa.column('Age').between(18, 120), name=op.f('ck_Customer_Info_age')),
    sa.CheckConstraint(sa.column('Gender').in_(('Male', 'Female', 'Other',)), name=op.f('ck_Customer_Info_gender')),
    sa.CheckConstraint(sa.column('Loyalty_Points') >= 0, name=op.f('ck_Customer_Info_loyalty_points')),
    sa.PrimaryKeyConstraint('Customer_ID', name=op.f('pk_Customer_Info'))
    )
    _create_index(op.f('ix_Customer_Info_Account_Status'), 'Customer_Info', ['Account_Status'], unique=False)
    _create_index(op.f('ix_Customer_Info_City'), 'Customer_Info', ['City'], unique=False)
    _create_index(op.f('ix_Customer_Info_Customer_Name'), 'Customer_Info', ['Customer_Name'], unique=False)
    _create_index(op.f('ix_Customer_Info_Email'), 'Customer_Info', ['Email'], unique=True)
    _create_index(op.f('ix_Customer_Info_Gender_Age'), 'Customer_Info', ['Gender', 'Age'], unique=False)
    _create_index(op.f('ix_Customer_Info_Loyalty_Points'), 'Customer_Info', ['Loyalty_Points'], unique=False)
    _create_index(op.f('ix_Customer_Info_Join_Date'), 'Customer_Info', ['Join_Date'], unique=False)
    _create_index(op.f('ix_Customer_Info_Last_Login'), 'Customer_Info', ['Last_Login'], unique=False)
    _create_index(op.f('ix_Customer_Info_Phone'), 'Customer_Info', ['Phone'], unique=True)
    _create_index(op.f('ix_Customer_Info_State_City_Country'), 'Customer_Info', ['State', 'City', 'Country'], unique=False)

    _create_table('app_user',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('failed_logins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(sa.column('role').in_(('viewer', 'editor', 'admin',)), name=op.f('ck_app_user_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    _create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    _create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    _create_index(op.f('ix_audit_log_customer_id_at'), 'audit_log', ['customer_id', 'at'], unique=False)
    _create_index(op.f('ix_audit_log_username_at'), 'audit_log', ['username', 'at'], unique=False)

    _create_table('saved_audience',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('saved_by', sa.String(length=64), nullable=False),
    sa.Column('saved_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('export_counts', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_audience')),
    sa.UniqueConstraint('name', name=op.f('uq_saved_audience_name'))
    )
    _create_table('Customer_Preferences',
    sa.Column('Preference_ID', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('Customer_ID', sa.Integer(), nullable=False),
    sa.Column('Communication_Channel', sa.String(length=50), nullable=False),
    sa.Column('Notification_Enabled', sa.Boolean(), server_default=sa.true(), nullable=True),
    sa.Column('Marketing_Consent', sa.Boolean(), server_default=sa.false(), nullable=True),
    sa.Column('Newsletter_Subscription', sa.Boolean(), server_default=sa.false(), nullable=True),
    sa.Column('Preferred_Language', sa.String(length=50), server_default=sa.text("'English'"), nullable=True),
    sa.Column('Time_Zone', sa.String(length=50), server_default=sa.text("'IST'"), nullable=True),
    sa.CheckConstraint(sa.column('Communication_Channel').in_(('Email', 'SMS', 'Phone', 'Push',)), name=op.f('ck_Customer_Preferences_communication_channel')),
    sa.ForeignKeyConstraint(['Customer_ID'], ['Customer_Info.Customer_ID'], name=op.f('fk_Customer_Preferences_Customer_ID_Customer_Info'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('Preference_ID', name=op.f('pk_Customer_Preferences'))
    )
    _create_index('ix_Customer_Preferences_channel_flags', 'Customer_Preferences', ['Communication_Channel', 'Notification_Enabled', 'Marketing_Consent', 'Newsletter_Subscription'], unique=False)
    _create_index(op.f('ix_Customer_Preferences_Preferred_Language_Time_Zone'), 'Customer_Preferences', ['Preferred_Language', 'Time_Zone'], unique=False)
    _create_index(op.f('ix_Customer_Preferences_Customer_ID_Communication_Channel'), 'Customer_Preferences', ['Customer_ID', 'Communication_Channel'], unique=False)

    _create_table('Customer_Segments',
    sa.Column('Segment_ID', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('Customer_ID', sa.Integer(), nullable=False),
    sa.Column('Segment_Name', sa.String(length=100), nullable=False),
    sa.Column('Segment_Category', sa.String(length=50), nullable=False),
    sa.Column('Lifetime_Value', sa.Numeric(precision=12, scale=2), server_default=sa.text('(0.00)'), nullable=True),
    sa.Column('Risk_Score', sa.Numeric(precision=5, scale=2), server_default=sa.text('(0.00)'), nullable=True),
    sa.Column('Engagement_Level', sa.String(length=20), server_default=sa.text("'Medium'"), nullable=True),
    sa.Column('Last_Updated', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=True),
    sa.CheckConstraint(sa.column('Engagement_Level').in_(('High', 'Medium', 'Low',)), name=op.f('ck_Customer_Segments_engagement_level')),
    sa.CheckConstraint(sa.column('Lifetime_Value') >= 0, name=op.f('ck_Customer_Segments_lifetime_value')),
    sa.CheckConstraint(sa.column('Risk_Score').between(0, 100), name=op.f('ck_Customer_Segments_risk_score')),
    sa.CheckConstraint(sa.column('Segment_Category').in_(('Premium', 'Standard', 'Economy', 'VIP',)), name=op.f('ck_Customer_Segments_segment_category')),
    sa.ForeignKeyConstraint(['Customer_ID'], ['Customer_Info.Customer_ID'], name=op.f('fk_Customer_Segments_Customer_ID_Customer_Info'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('Segment_ID', name=op.f('pk_Customer_Segments'))
    )
    _create_index(op.f('ix_Customer_Segments_Customer_ID_Last_Updated_Segment_ID'), 'Customer_Segments', ['Customer_ID', 'Last_Updated', 'Segment_ID'], unique=False)
    _create_index(op.f('ix_Customer_Segments_Segment_Category_Lifetime_Value'), 'Customer_Segments', ['Segment_Category', 'Lifetime_Value'], unique=False)
    _create_index('ix_Customer_Segments_category_name_value', 'Customer_Segments', ['Segment_Category', 'Segment_Name', 'Lifetime_Value'], unique=False)



    _create_table('current_segment',
    sa.Column('Customer_ID', sa.Integer(), nullable=False),
    sa.Column('Segment_ID', sa.Integer(), nullable=False),
    sa.Column('Segment_Name', sa.String(length=100), nullable=False),
    sa.Column('Segment_Category', sa.String(length=50), nullable=False),
    sa.Column('Lifetime_Value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('Risk_Score', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('Engagement_Level', sa.String(length=20), nullable=True),
    sa.Column('State', sa.String(length=100), nullable=True),
    sa.Column('Last_Login', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['Customer_ID'], ['Customer_Info.Customer_ID'], name=op.f('fk_current_segment_Customer_ID_Customer_Info'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('Customer_ID', name=op.f('pk_current_segment'))
    )
    _create_index('ix_current_segment_category_engagement_risk_value', 'current_segment', ['Segment_Category', 'Engagement_Level', 'Risk_Score', 'Lifetime_Value'], unique=False)
    _create_index(op.f('ix_current_segment_Risk_Score'), 'current_segment', ['Risk_Score'], unique=False)
    _create_index(op.f('ix_current_segment_Lifetime_Value'), 'current_segment', ['Lifetime_Value'], unique=False)
    _create_index('ix_current_segment_state_risk_value', 'current_segment', ['State', 'Risk_Score', 'Lifetime_Value'], unique=False)
    _create_index(op.f('ix_current_segment_Last_Login_Risk_Score'), 'current_segment', ['Last_Login', 'Risk_Score'], unique=False)
    # (a trigger on Customer_Info that copied State and Last_Login into current_segment was
    # created here until revision 0005 removed it: nothing of ours goes on the customer's tables)
    _create_table('sync_state',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('watermark', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_state'))
    )


SYNC_TRIGGER = 'trg_customer_info_current_segment'  # dropped where an older revision made it


def _drop_sync_trigger() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {SYNC_TRIGGER} ON "Customer_Info"')
        op.execute(f'DROP FUNCTION IF EXISTS {SYNC_TRIGGER}()')
    else:
        op.execute(f'DROP TRIGGER IF EXISTS {SYNC_TRIGGER}')


def downgrade() -> None:
    _drop_sync_trigger()
    op.drop_table('sync_state')
    op.drop_table('current_segment')
    op.drop_index('ix_Customer_Segments_category_name_value', table_name='Customer_Segments')
    op.drop_index(op.f('ix_Customer_Segments_Segment_Category_Lifetime_Value'), table_name='Customer_Segments')
    op.drop_index(op.f('ix_Customer_Segments_Customer_ID_Last_Updated_Segment_ID'), table_name='Customer_Segments')

    op.drop_table('Customer_Segments')
    op.drop_index(op.f('ix_Customer_Preferences_Customer_ID_Communication_Channel'), table_name='Customer_Preferences')
    op.drop_index(op.f('ix_Customer_Preferences_Preferred_Language_Time_Zone'), table_name='Customer_Preferences')
    op.drop_index('ix_Customer_Preferences_channel_flags', table_name='Customer_Preferences')

    op.drop_table('Customer_Preferences')
    op.drop_table('saved_audience')
    op.drop_index(op.f('ix_audit_log_username_at'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_customer_id_at'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')

    op.drop_table('audit_log')
    op.drop_table('app_user')
    op.drop_index(op.f('ix_Customer_Info_State_City_Country'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Phone'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Last_Login'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Join_Date'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Loyalty_Points'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Gender_Age'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Email'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Customer_Name'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_City'), table_name='Customer_Info')
    op.drop_index(op.f('ix_Customer_Info_Account_Status'), table_name='Customer_Info')

    op.drop_table('Customer_Info')
