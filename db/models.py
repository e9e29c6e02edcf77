"""The customer's three tables (names exactly as in schema.md) and our own tables.

On the customer's tables the app adds only the indexes the record pages need (lookups by
Customer_ID, search by name); the dashboards read a copy of their own (db.analytics).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
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

from db.access import ROLE_RANK

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
        # Search on the record pages: name prefixes (ranges on this index) ...
        Index(None, "Customer_Name"),
        # ... and, on PostgreSQL where pg_trgm exists (migration 0003), "name contains".
        Index(
            "ix_Customer_Info_name_trgm",
            "Customer_Name",
            postgresql_using="gin",
            postgresql_ops={"Customer_Name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
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
        Index(None, "Customer_ID", "Communication_Channel"),  # a customer's preferences
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
        # a customer's segments, latest first (db.current_segment)
        Index(None, "Customer_ID", "Last_Updated", "Segment_ID"),
    )


# --- Our own tables -------------------------------------------------------------------

ROLES = tuple(ROLE_RANK)  # lowest first (db.access); migration 0007 added 'marketer' to the CHECK


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


class AppMeta(Base):
    """Facts about this database that the app keeps for itself (db.demo_marker), one per key."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


customer_info = CustomerInfo.__table__
customer_preferences = CustomerPreferences.__table__
customer_segments = CustomerSegments.__table__
CUSTOMER_TABLES = (customer_info, customer_preferences, customer_segments)
