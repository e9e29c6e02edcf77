"""The customer's three tables (names exactly as in schema.md) and our own tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    column,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GENDERS = ("Male", "Female", "Other")
ACCOUNT_STATUSES = ("Active", "Inactive", "Suspended")
CHANNELS = ("Email", "SMS", "Phone", "Push")
CATEGORIES = ("Premium", "Standard", "Economy", "VIP")
ENGAGEMENT_LEVELS = ("High", "Medium", "Low")


def _in(name: str, values: tuple[str, ...]):
    return column(name).in_(values)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CustomerInfo(Base):
    __tablename__ = "Customer_Info"

    customer_id: Mapped[int] = mapped_column("Customer_ID", Integer, primary_key=True, autoincrement=True)
    customer_name: Mapped[str] = mapped_column("Customer_Name", String(255))
    email: Mapped[str] = mapped_column("Email", String(255))
    phone: Mapped[str | None] = mapped_column("Phone", String(20))
    gender: Mapped[str | None] = mapped_column("Gender", String(10))
    age: Mapped[int | None] = mapped_column("Age", Integer)
    date_of_birth: Mapped[dt.date] = mapped_column("Date_of_Birth", Date)
    city: Mapped[str] = mapped_column("City", String(100))
    state: Mapped[str] = mapped_column("State", String(100))
    country: Mapped[str | None] = mapped_column("Country", String(100), server_default=text("'India'"))
    postal_code: Mapped[str | None] = mapped_column("Postal_Code", String(20))
    join_date: Mapped[dt.date] = mapped_column("Join_Date", Date, server_default=func.current_date())
    account_status: Mapped[str | None] = mapped_column(
        "Account_Status", String(20), server_default=text("'Active'")
    )
    loyalty_points: Mapped[int | None] = mapped_column("Loyalty_Points", Integer, server_default=text("0"))
    last_login: Mapped[dt.datetime | None] = mapped_column("Last_Login", DateTime)

    __table_args__ = (
        CheckConstraint(_in("Gender", GENDERS), name="gender"),
        CheckConstraint(column("Age").between(18, 120), name="age"),
        CheckConstraint(_in("Account_Status", ACCOUNT_STATUSES), name="account_status"),
        CheckConstraint(column("Loyalty_Points") >= 0, name="loyalty_points"),
        # Unique indexes rather than inline UNIQUE constraints: same guarantee, and a bulk
        # load can drop and rebuild them (SQLite cannot drop an inline constraint).
        Index(None, "Email", unique=True),
        Index(None, "Phone", unique=True),
        # Country last: the sidebar's places (states, cities, countries) from this index alone.
        Index(None, "State", "City", "Country"),
        Index(None, "City"),
        # (Gender, Age): age x gender and the gender mix grouped in index order (no sort).
        Index(None, "Gender", "Age"),
        Index(None, "Loyalty_Points"),
        Index(None, "Join_Date"),
        Index(None, "Account_Status"),
        Index(None, "Customer_Name"),
        # PostgreSQL only, where pg_trgm exists (migration 0003): "name contains" search.
        Index(
            "ix_Customer_Info_name_trgm",
            "Customer_Name",
            postgresql_using="gin",
            postgresql_ops={"Customer_Name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index(None, "Last_Login"),
    )


class CustomerPreferences(Base):
    __tablename__ = "Customer_Preferences"

    preference_id: Mapped[int] = mapped_column("Preference_ID", Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(
        "Customer_ID", ForeignKey("Customer_Info.Customer_ID", ondelete="CASCADE")
    )
    communication_channel: Mapped[str] = mapped_column("Communication_Channel", String(50))
    notification_enabled: Mapped[bool | None] = mapped_column(
        "Notification_Enabled", Boolean, server_default=true()
    )
    marketing_consent: Mapped[bool | None] = mapped_column(
        "Marketing_Consent", Boolean, server_default=false()
    )
    newsletter_subscription: Mapped[bool | None] = mapped_column(
        "Newsletter_Subscription", Boolean, server_default=false()
    )
    preferred_language: Mapped[str | None] = mapped_column(
        "Preferred_Language", String(50), server_default=text("'English'")
    )
    time_zone: Mapped[str | None] = mapped_column("Time_Zone", String(50), server_default=text("'IST'"))

    __table_args__ = (
        CheckConstraint(_in("Communication_Channel", CHANNELS), name="communication_channel"),
        Index(None, "Customer_ID", "Communication_Channel"),
        # Covering indexes of the consent page: channel mix and opt-in rates, languages and
        # time zones (both mixes from one GROUP BY in index order).
        Index(
            "ix_Customer_Preferences_channel_flags",
            "Communication_Channel",
            "Notification_Enabled",
            "Marketing_Consent",
            "Newsletter_Subscription",
        ),
        Index(None, "Preferred_Language", "Time_Zone"),
        # reachable customers: the opted-in preferences per channel, with their customers
        Index(
            "ix_Customer_Preferences_opted_in",
            "Notification_Enabled",
            "Marketing_Consent",
            "Communication_Channel",
            "Customer_ID",
        ),
    )


class CustomerSegments(Base):
    __tablename__ = "Customer_Segments"

    segment_id: Mapped[int] = mapped_column("Segment_ID", Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(
        "Customer_ID", ForeignKey("Customer_Info.Customer_ID", ondelete="CASCADE")
    )
    segment_name: Mapped[str] = mapped_column("Segment_Name", String(100))
    segment_category: Mapped[str] = mapped_column("Segment_Category", String(50))
    lifetime_value: Mapped[Decimal | None] = mapped_column(
        "Lifetime_Value", Numeric(12, 2), server_default=text("0.00")
    )
    risk_score: Mapped[Decimal | None] = mapped_column(
        "Risk_Score", Numeric(5, 2), server_default=text("0.00")
    )
    engagement_level: Mapped[str | None] = mapped_column(
        "Engagement_Level", String(20), server_default=text("'Medium'")
    )
    last_updated: Mapped[dt.datetime | None] = mapped_column(
        "Last_Updated", DateTime, server_default=func.current_timestamp(), onupdate=func.current_timestamp()
    )

    __table_args__ = (
        CheckConstraint(_in("Segment_Category", CATEGORIES), name="segment_category"),
        CheckConstraint(_in("Engagement_Level", ENGAGEMENT_LEVELS), name="engagement_level"),
        CheckConstraint(column("Lifetime_Value") >= 0, name="lifetime_value"),
        CheckConstraint(column("Risk_Score").between(0, 100), name="risk_score"),
        Index(None, "Customer_ID", "Last_Updated", "Segment_ID"),
        Index(None, "Last_Updated"),  # the watermark's MAX(Last_Updated) (db.current_segment)
        # Covering indexes of the segment-level figures: totals, medians (ORDER BY/OFFSET) and
        # histogram ranges per category; totals per category and segment name.
        Index(None, "Segment_Category", "Lifetime_Value"),
        Index(
            "ix_Customer_Segments_category_name_value", "Segment_Category", "Segment_Name", "Lifetime_Value"
        ),
    )


# --- Our own tables -------------------------------------------------------------------

ROLES = ("viewer", "editor", "admin")


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # create / update / delete / export / import
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(None, "customer_id", "at"),
        Index(None, "username", "at"),
        Index(None, "at"),
    )


class SavedAudience(Base):
    __tablename__ = "saved_audience"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    definition: Mapped[str] = mapped_column(Text)  # JSON of the audience definition
    saved_by: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp())
    export_counts: Mapped[str | None] = mapped_column(Text)  # JSON list of {at, by, counts}


class CurrentSegment(Base):
    """Each customer's current segment (latest Last_Updated, ties: highest Segment_ID).

    A derived table of our own, rebuilt from Customer_Segments by db.current_segment, so that
    dashboards over a million customers join one row per customer instead of ranking segments.
    """

    __tablename__ = "current_segment"

    customer_id: Mapped[int] = mapped_column(
        "Customer_ID", ForeignKey("Customer_Info.Customer_ID", ondelete="CASCADE"), primary_key=True
    )
    segment_id: Mapped[int] = mapped_column("Segment_ID", Integer)
    segment_name: Mapped[str] = mapped_column("Segment_Name", String(100))
    segment_category: Mapped[str] = mapped_column("Segment_Category", String(50))
    lifetime_value: Mapped[Decimal] = mapped_column("Lifetime_Value", Numeric(12, 2))
    risk_score: Mapped[Decimal] = mapped_column("Risk_Score", Numeric(5, 2))
    engagement_level: Mapped[str | None] = mapped_column("Engagement_Level", String(20))
    # Copies of the customer's Customer_Info.State and Last_Login (kept in step by refresh() and
    # by a trigger on Customer_Info updates, see the migration), so that the churn figures by
    # state and by inactivity read this table alone instead of joining a million customers.
    state: Mapped[str | None] = mapped_column("State", String(100))
    last_login: Mapped[dt.datetime | None] = mapped_column("Last_Login", DateTime)
    # Lifetime_Value * Risk_Score (value at risk x 100) as a double, written with the row: sums and
    # rankings of value at risk read it (and its indexes) instead of multiplying NUMERICs per row.
    value_risk: Mapped[float] = mapped_column("Value_Risk", Double, server_default=text("0"))

    __table_args__ = (
        # Covering: category x engagement breakdowns (counts, risk, value at risk) in index order.
        Index(
            "ix_current_segment_category_engagement_risk_value",
            "Segment_Category",
            "Engagement_Level",
            "Risk_Score",
            "Lifetime_Value",
        ),
        Index(None, "Risk_Score"),  # risk histogram; the customer list's sort by risk
        Index(None, "Lifetime_Value"),  # value concentration (range sums)
        # Covering for a state filter (with a category: a seek to those few rows) and for value
        # at risk by state, in index order.
        Index(
            "ix_current_segment_state_category",
            "State",
            "Segment_Category",
            "Risk_Score",
            "Lifetime_Value",
            "Value_Risk",
        ),
        Index(None, "Value_Risk"),  # the top customers by value at risk
        Index(None, "Last_Login", "Risk_Score"),  # risk by inactivity (range sums)
    )


class CurrentSegmentRollup(Base):
    """Current segments counted per category, engagement, risk bin and value bin (db.rollup).

    A derived table of our own, kept in step with current_segment in the same transaction, so
    that customer-level figures under no filter or a segment-only filter sum a few thousand
    rows instead of reading a million current segments.
    """

    __tablename__ = "current_segment_rollup"

    segment_category: Mapped[str] = mapped_column("Segment_Category", String(50), primary_key=True)
    # '' stands for a NULL Engagement_Level (a primary key column cannot be NULL)
    engagement_level: Mapped[str] = mapped_column("Engagement_Level", String(20), primary_key=True)
    risk_bin: Mapped[int] = mapped_column(Integer, primary_key=True)  # floor(Risk_Score / 5)
    value_bin: Mapped[int] = mapped_column(Integer, primary_key=True)  # db.rollup.VALUE_EDGES
    customers: Mapped[int] = mapped_column(Integer)
    value_sum: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    risk_sum: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    value_risk_sum: Mapped[Decimal] = mapped_column(Numeric(26, 4))


class SegmentValueRollup(Base):
    """Customer_Segments rows counted per category, segment name and 50-rupee value bucket
    (db.rollup): the segment-level figures of the unfiltered dashboards read these instead of
    every segment row. Kept in step by the app's segment writers; rebuilt with current_segment."""

    __tablename__ = "segment_value_rollup"

    segment_category: Mapped[str] = mapped_column("Segment_Category", String(50), primary_key=True)
    segment_name: Mapped[str] = mapped_column("Segment_Name", String(100), primary_key=True)
    # floor(Lifetime_Value / 50); -1 for a NULL Lifetime_Value
    value_bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    segments: Mapped[int] = mapped_column(Integer)
    value_sum: Mapped[Decimal] = mapped_column(Numeric(20, 2))


class SyncState(Base):
    """Watermarks of derived tables (what Customer_Segments looked like at the last rebuild)."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[str] = mapped_column(String(255))


class AppSession(Base):
    """A browser's signed-in session that survives a reload (db.sessions): the cookie holds a
    random token, this table only its SHA-256 hex digest."""

    __tablename__ = "app_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index(None, "username"),)


customer_info = CustomerInfo.__table__
customer_preferences = CustomerPreferences.__table__
customer_segments = CustomerSegments.__table__
current_segment = CurrentSegment.__table__
current_segment_rollup = CurrentSegmentRollup.__table__
segment_value_rollup = SegmentValueRollup.__table__
sync_state = SyncState.__table__
CUSTOMER_TABLES = (customer_info, customer_preferences, customer_segments)
