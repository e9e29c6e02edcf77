"""After `upgrade` the customer's database holds nothing derived: no trigger on their tables, no
current_segment, rollups or sync_state, only the indexes the record pages need, no foreign key
of ours to their tables; and a role with plain DML rights can update and reload their tables."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic import command
from sqlalchemy import bindparam, insert, inspect, text
from sqlalchemy.exc import DBAPIError

from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.models import customer_info, customer_preferences, customer_segments

CUSTOMER_TABLES = ("Customer_Info", "Customer_Preferences", "Customer_Segments")
DERIVED = {"current_segment", "current_segment_rollup", "segment_value_rollup", "sync_state"}
TRIGGER = "trg_customer_info_current_segment"
KEPT_INDEXES = {
    "Customer_Info": {"ix_Customer_Info_Customer_Name", "ix_Customer_Info_Email", "ix_Customer_Info_Phone"},
    "Customer_Preferences": {"ix_Customer_Preferences_Customer_ID_Communication_Channel"},
    "Customer_Segments": {"ix_Customer_Segments_Customer_ID_Last_Updated_Segment_ID"},
}


_OLD_SYNC = (
    'UPDATE current_segment SET "State" = NEW."State", "Last_Login" = NEW."Last_Login" '
    'WHERE "Customer_ID" = NEW."Customer_ID"'
)


def _as_deployed_at_0004(engine) -> None:
    """A database as earlier releases left it: revision 0004 and their trigger on Customer_Info
    (revision 0001 no longer creates it, so a test of the upgrade from there makes it itself)."""
    upgrade(engine, revision="0004")
    with engine.begin() as conn:
        name = conn.dialect.name
        if name == "sqlite":
            conn.exec_driver_sql(
                f'CREATE TRIGGER {TRIGGER} AFTER UPDATE OF "State", "Last_Login" ON "Customer_Info" '
                f"BEGIN {_OLD_SYNC}; END"
            )
        elif name == "postgresql":
            conn.exec_driver_sql(
                f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {_OLD_SYNC}; RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                f'CREATE TRIGGER {TRIGGER} AFTER UPDATE OF "State", "Last_Login" ON "Customer_Info" '
                f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
            )
        else:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {TRIGGER} AFTER UPDATE ON `Customer_Info` FOR EACH ROW "
                + _OLD_SYNC.replace('"', "`")
            )


def _triggers(conn) -> set[str]:
    """User triggers on the customer's tables (PostgreSQL: not the internal ones of foreign keys)."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    elif dialect == "postgresql":
        rows = conn.execute(
            text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname IN :tables"
            ).bindparams(bindparam("tables", CUSTOMER_TABLES, expanding=True)),
        )
    else:
        rows = conn.execute(
            text(
                "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
                "WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN :tables"
            ).bindparams(bindparam("tables", CUSTOMER_TABLES, expanding=True))
        )
    return set(rows.scalars())


def _index_names(conn, table: str) -> set[str]:
    return {ix["name"] for ix in inspect(conn).get_indexes(table)}


def _add_customer(conn, **values) -> int:
    row = {
        "Customer_Name": "Meera Pillai",
        "Email": f"meera.{uuid.uuid4().hex[:8]}@example.in",
        "Date_of_Birth": dt.date(1984, 7, 1),
        "City": "Kochi",
        "State": "Kerala",
    }
    cid = conn.execute(insert(customer_info).values(row | values)).inserted_primary_key[0]
    conn.execute(insert(customer_preferences).values(Customer_ID=cid, Communication_Channel="Email"))
    conn.execute(
        insert(customer_segments).values(Customer_ID=cid, Segment_Name="Loyal", Segment_Category="VIP")
    )
    return cid


def _assert_source_side_only(conn) -> None:
    assert _triggers(conn) == set()
    assert DERIVED.isdisjoint(inspect(conn).get_table_names())
    for table, kept in KEPT_INDEXES.items():
        names = _index_names(conn, table)
        if conn.dialect.name == "postgresql" and table == "Customer_Info":
            names.discard("ix_Customer_Info_name_trgm")  # where pg_trgm exists (0003)
        if conn.dialect.name == "mysql":  # MySQL names the indexes of foreign keys after them
            names = {n for n in names if not n.startswith("fk_")}
        assert names == kept, table


def test_upgrade_leaves_no_trigger_no_derived_table_and_only_record_page_indexes(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        _assert_source_side_only(conn)


def test_upgrade_from_0004_drops_what_it_added_and_keeps_the_rows(fresh_engine):
    _as_deployed_at_0004(fresh_engine)
    with fresh_engine.begin() as conn:
        assert _triggers(conn) == {TRIGGER}
        assert set(inspect(conn).get_table_names()) >= DERIVED
        cid = _add_customer(conn)
    upgrade(fresh_engine)
    assert current_revision(fresh_engine) == head_revision()
    with fresh_engine.begin() as conn:
        _assert_source_side_only(conn)
        # the update the trigger used to copy into current_segment now touches Customer_Info only
        c = customer_info.c
        changed = conn.execute(
            customer_info.update()
            .where(c.Customer_ID == cid)
            .values(State="Goa", Last_Login=dt.datetime(2026, 1, 2, 3, 4, 5))
        )
        assert changed.rowcount == 1
        if conn.dialect.name == "postgresql":
            functions = conn.execute(text("SELECT proname FROM pg_proc WHERE proname = :n"), {"n": TRIGGER})
            assert functions.first() is None


OURS = ("app_user", "audit_log", "saved_audience", "app_session")


def test_no_table_of_ours_references_the_customer_tables(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        insp = inspect(conn)
        assert set(OURS) <= set(insp.get_table_names())
        referencing = {(t, fk["referred_table"]) for t in OURS for fk in insp.get_foreign_keys(t)}
    assert not {ref for ref in referencing if ref[1] in CUSTOMER_TABLES}


def test_upgrade_drops_a_foreign_key_of_ours_to_their_tables_but_not_theirs(fresh_engine):
    """Someone pointed audit_log at Customer_Info (it would block a TRUNCATE); the customer's own
    table `orders` references it too: 0005 drops the first, keeps the second."""
    upgrade(fresh_engine, revision="0004")
    q = fresh_engine.dialect.identifier_preparer.quote
    with fresh_engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE orders (id INTEGER PRIMARY KEY, {q('Customer_ID')} INTEGER, "
            f"CONSTRAINT fk_orders_customer FOREIGN KEY ({q('Customer_ID')}) "
            f"REFERENCES {q('Customer_Info')} ({q('Customer_ID')}))"
        )
        if fresh_engine.dialect.name != "sqlite":  # SQLite cannot add a constraint to a table
            conn.exec_driver_sql(
                "ALTER TABLE audit_log ADD CONSTRAINT fk_audit_log_customer FOREIGN KEY (customer_id) "
                f"REFERENCES {q('Customer_Info')} ({q('Customer_ID')})"
            )
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        insp = inspect(conn)
        assert insp.get_foreign_keys("audit_log") == []
        assert [fk["referred_table"] for fk in insp.get_foreign_keys("orders")] == ["Customer_Info"]


def test_downgrade_recreates_the_tables_empty_and_upgrade_drops_them_again(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        _add_customer(conn)
    command.downgrade(alembic_config(fresh_engine), "0004")
    with fresh_engine.connect() as conn:
        assert _triggers(conn) == set()  # the downgrade puts nothing on the customer's tables
        for table in DERIVED:
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0  # noqa: S608
        assert "ix_Customer_Segments_Last_Updated" in _index_names(conn, "Customer_Segments")
    upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        _assert_source_side_only(conn)


# --- PostgreSQL: a role with only DML rights on the three tables ----------------------------------


def _limited_role(conn, name: str) -> None:
    tables = ", ".join(f'"{t}"' for t in CUSTOMER_TABLES)
    conn.exec_driver_sql(f'CREATE ROLE "{name}" NOLOGIN')
    conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {tables} TO "{name}"')
    for table, key in (
        ("Customer_Info", "Customer_ID"),
        ("Customer_Preferences", "Preference_ID"),
        ("Customer_Segments", "Segment_ID"),
    ):
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": f'"{table}"', "c": key}
        ).scalar_one()
        conn.exec_driver_sql(f'GRANT USAGE ON SEQUENCE {sequence} TO "{name}"')


def _as_role(engine, role: str, statements: list) -> None:
    """Run `statements` ((SQL, parameters) pairs) in one transaction as `role` (SET ROLE on the
    test's superuser login)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
        for sql, params in statements:
            conn.execute(text(sql), params)


def _update_login(cid: int) -> tuple[str, dict]:
    return (
        'UPDATE "Customer_Info" SET "Last_Login" = :at, "State" = :state WHERE "Customer_ID" = :cid',
        {"at": dt.datetime(2026, 2, 3, 4, 5, 6), "state": "Goa", "cid": cid},
    )


TRUNCATE = ('TRUNCATE "Customer_Info", "Customer_Preferences", "Customer_Segments"', {})
RELOAD_INFO = (
    'INSERT INTO "Customer_Info" ("Customer_Name", "Email", "Date_of_Birth", "City", "State") '
    "VALUES (:name, :email, '1980-01-01', 'Pune', 'Maharashtra')"
)
RELOAD_INFO_WITH_ID = (
    'INSERT INTO "Customer_Info" ("Customer_ID", "Customer_Name", "Email", "Date_of_Birth", "City", "State") '
    "VALUES (:cid, :name, :email, '1980-01-01', 'Pune', 'Maharashtra')"
)
RELOAD_PREFERENCE = (
    'INSERT INTO "Customer_Preferences" ("Customer_ID", "Communication_Channel") VALUES (:cid, \'SMS\')'
)
RELOAD_SEGMENT = (
    'INSERT INTO "Customer_Segments" ("Customer_ID", "Segment_Name", "Segment_Category") '
    "VALUES (:cid, 'Loyal', 'VIP')"
)


def _reload(cid: int) -> list[tuple[str, dict]]:
    """Rows put back after a TRUNCATE: one numbered by the sequence, one with its old id."""
    return [
        (RELOAD_INFO, {"name": "R1", "email": "r1@example.in"}),
        (RELOAD_INFO_WITH_ID, {"cid": cid, "name": "R2", "email": "r2@example.in"}),
        (RELOAD_PREFERENCE, {"cid": cid}),
        (RELOAD_SEGMENT, {"cid": cid}),
    ]


def test_a_dml_only_role_can_update_logins_truncate_and_reload_after_upgrade(backend, fresh_engine):
    if backend != "postgresql":
        pytest.skip("roles and TRUNCATE rights: PostgreSQL")
    role = f"dml_only_{uuid.uuid4().hex[:8]}"
    _as_deployed_at_0004(fresh_engine)
    with fresh_engine.begin() as conn:
        cid = _add_customer(conn)
        _limited_role(conn, role)
    try:
        # before 0005: the trigger writes current_segment (no rights there) and current_segment's
        # foreign key blocks a TRUNCATE of Customer_Info
        for statements in ([_update_login(cid)], [TRUNCATE]):
            with pytest.raises(DBAPIError):
                _as_role(fresh_engine, role, statements)
        upgrade(fresh_engine)
        _as_role(fresh_engine, role, [_update_login(cid)])
        with fresh_engine.connect() as conn:
            state, login = conn.execute(
                text('SELECT "State", "Last_Login" FROM "Customer_Info" WHERE "Customer_ID" = :c'), {"c": cid}
            ).one()
        assert (state, login) == ("Goa", dt.datetime(2026, 2, 3, 4, 5, 6))
        _as_role(fresh_engine, role, [TRUNCATE, *_reload(cid)])
        with fresh_engine.connect() as conn:
            counts = [
                conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()  # noqa: S608
                for t in CUSTOMER_TABLES
            ]
            reloaded = conn.execute(
                text('SELECT "Customer_Name" FROM "Customer_Info" WHERE "Customer_ID" = :c'), {"c": cid}
            ).scalar_one()
        assert counts == [2, 1, 1]
        assert reloaded == "R2"
    finally:
        with fresh_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
