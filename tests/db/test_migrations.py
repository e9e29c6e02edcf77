"""`upgrade` builds the schema; `check` finds what differs in a database made by someone else."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.__main__ import main
from db.migrate import current_revision, head_revision, upgrade
from db.schema_check import differences


def test_upgrade_then_check_is_clean(fresh_engine):
    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    with fresh_engine.connect() as conn:
        assert differences(conn) == []


def test_upgrade_twice_is_a_no_op(fresh_engine):
    upgrade(fresh_engine)
    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()


def _quoted(engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def test_check_reports_missing_column_wrong_type_and_missing_constraint(fresh_engine):
    q = lambda n: _quoted(fresh_engine, n)  # noqa: E731
    ddl = f"""
        CREATE TABLE {q("Customer_Info")} (
            {q("Customer_ID")} INTEGER PRIMARY KEY,
            {q("Customer_Name")} VARCHAR(255) NOT NULL,
            {q("Email")} VARCHAR(255) NOT NULL,
            {q("Phone")} VARCHAR(20),
            {q("Gender")} VARCHAR(10),
            {q("Age")} VARCHAR(10),
            {q("Date_of_Birth")} DATE NOT NULL,
            {q("City")} VARCHAR(100) NOT NULL,
            {q("State")} VARCHAR(100) NOT NULL,
            {q("Country")} VARCHAR(100) DEFAULT 'India',
            {q("Postal_Code")} VARCHAR(20),
            {q("Join_Date")} DATE NOT NULL,
            {q("Account_Status")} VARCHAR(20) DEFAULT 'Active',
            {q("Last_Login")} TIMESTAMP NULL
        )
    """
    with fresh_engine.begin() as conn:
        conn.execute(text(ddl))
    with fresh_engine.connect() as conn:
        from db.models import customer_info

        problems = differences(conn, tables=[customer_info])
    joined = "\n".join(problems)
    assert "column Loyalty_Points is missing" in joined
    assert "column Age is VARCHAR" in joined
    assert "UNIQUE on (Email) is missing" in joined
    assert "CHECK" in joined and "Gender" in joined


def test_cli_check_exit_codes(fresh_engine, capsys):
    url = fresh_engine.url.render_as_string(hide_password=False)
    assert main(["check", "--url", url]) == 1
    assert "table Customer_Info is missing" in capsys.readouterr().out
    assert main(["upgrade", "--url", url]) == 0
    assert main(["check", "--url", url]) == 0
    assert "matches the models" in capsys.readouterr().out


def test_upgrade_adopts_a_database_that_already_has_the_customer_tables(fresh_engine):
    import datetime as dt

    from sqlalchemy import Index, MetaData, func, insert, inspect, select
    from sqlalchemy.schema import CreateTable

    from db.current_segment import current_segment
    from db.models import CUSTOMER_TABLES, customer_info, customer_segments

    # As someone else made them: the tables and their constraints, none of our indexes, one of
    # their own that covers one of 0001's (so 0001 skips that one and 0005 finds it missing).
    theirs = MetaData()
    copies = [table.to_metadata(theirs) for table in CUSTOMER_TABLES]  # never touch the models
    with fresh_engine.begin() as conn:
        for table in copies:
            conn.execute(CreateTable(table))
        for column in ("Email", "Phone"):
            Index(f"their_unique_{column.lower()}", copies[0].c[column], unique=True).create(conn)
        Index("their_city", copies[0].c.City).create(conn)
        cid = conn.execute(
            insert(customer_info).values(
                Customer_Name="Existing Customer",
                Email="existing@example.in",
                Date_of_Birth=dt.date(1980, 1, 2),
                City="Kochi",
                State="Kerala",
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(customer_segments).values(Customer_ID=cid, Segment_Name="Loyal", Segment_Category="VIP")
        )
    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    upgrade(fresh_engine)  # again: nothing left to do
    with fresh_engine.connect() as conn:
        assert conn.execute(select(customer_info.c.Customer_Name)).scalar_one() == "Existing Customer"
        assert conn.execute(select(func.count()).select_from(current_segment())).scalar_one() == 1
        assert differences(conn) == []
        names = {ix["name"] for ix in inspect(conn).get_indexes("Customer_Info")}
    assert {"their_city", "their_unique_email", "their_unique_phone"} <= names


def test_0007_allows_the_marketer_role_and_its_downgrade_makes_marketers_viewers(fresh_engine):
    from alembic import command
    from sqlalchemy import exc, insert, select, update

    from db.migrate import alembic_config
    from db.models import AppUser

    app_user = AppUser.__table__
    row = {"display_name": "M", "is_active": True, "failed_logins": 0}
    upgrade(fresh_engine, revision="0006")
    with fresh_engine.begin() as conn:
        conn.execute(insert(app_user).values(username="mara", role="viewer", **row))
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        conn.execute(update(app_user).values(role="marketer"))
    with pytest.raises(exc.DBAPIError), fresh_engine.begin() as conn:
        conn.execute(insert(app_user).values(username="bob", role="boss", **row))

    command.downgrade(alembic_config(fresh_engine), "0006")
    with fresh_engine.connect() as conn:
        assert conn.execute(select(app_user.c.role)).scalars().all() == ["viewer"]
    with pytest.raises(exc.DBAPIError), fresh_engine.begin() as conn:
        conn.execute(insert(app_user).values(username="bob", role="marketer", **row))
    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
