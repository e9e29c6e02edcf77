"""What an import says when the database refuses a row or fails while saving (issue 14): the file
and row, the reason in words, and that nothing was imported (one transaction, rolled back; checked
by counting every table). The rules it meets are ones the dry run cannot know: a row saved by
another program meanwhile, a rule of the customer's own database, a lost connection."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from db import csv_io
from db.access import Actor
from db.audit import audit_log
from db.migrate import upgrade
from db.models import customer_info, customer_preferences, customer_segments
from tests.db.factories import insert_customer
from tests.db.test_csv_io import _counts, _csv

ADMIN = Actor("anita", "admin")
ROLLED_BACK = "Nothing was imported: the import is one transaction, and it was rolled back."
ROW = "Asha Rao,asha.{}@example.com,,,1985-02-03,Chennai,Tamil Nadu,600001,"


# --- the database refuses a row or fails while saving ---------------------------------------------


def _five_rows(middle_email: str = "asha.3@example.com") -> bytes:
    rows = [ROW.format(i) for i in range(1, 6)]
    rows[2] = rows[2].replace("asha.3@example.com", middle_email)
    return _csv(*rows)


def test_an_address_taken_after_the_dry_run_names_the_row_and_nothing_is_imported(conn):
    plan = csv_io.dry_run(conn, customers_csv=_five_rows())
    assert plan.to_create == 5
    insert_customer(conn, Email="asha.3@example.com")  # another program, between dry run and import
    before = _counts(conn)
    with pytest.raises(csv_io.ImportRejected) as rejected:
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=False)
    assert str(rejected.value) == (
        "The database refused row 4 of the customers file: Email: already used by another customer. "
        f"{ROLLED_BACK} Correct the row, run the dry run again and import."
    )
    assert _counts(conn) == before


def test_an_updated_customer_changed_after_the_dry_run_names_the_row(conn):
    cid = insert_customer(conn, Email="asha.2@example.com", City="Pune")
    plan = csv_io.dry_run(conn, customers_csv=_five_rows())
    assert (plan.to_create, plan.to_update) == (4, 1)
    conn.execute(
        customer_info.update().where(customer_info.c.Customer_ID == cid).values(Email="moved@example.com")
    )
    before = _counts(conn)
    with pytest.raises(csv_io.ImportRejected) as rejected:
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=False)
    assert str(rejected.value).startswith(
        f"Row 3 of the customers file could not be written: customer {cid} (asha.2@example.com) was changed "
        f"or deleted after the dry run. {ROLLED_BACK} Run the dry run again and import."
    )
    assert _counts(conn) == before


@pytest.mark.parametrize("file", ["preferences", "segments"])
def test_a_side_row_whose_customer_was_deleted_after_the_dry_run_names_the_row(conn, file):
    cid = insert_customer(conn, Email="leaving@example.com")
    header = {"preferences": "Email,Communication_Channel", "segments": "Email,Segment_Name,Segment_Category"}
    cells = {"preferences": "SMS", "segments": "Starter,VIP"}[file]
    side = f"{header[file]}\nasha.1@example.com,{cells}\nleaving@example.com,{cells}\n".encode()
    plan = csv_io.dry_run(conn, customers_csv=_five_rows(), **{f"{file}_csv": side})
    assert plan.error_rows == 0
    conn.execute(customer_info.delete().where(customer_info.c.Customer_ID == cid))
    before = _counts(conn)
    with pytest.raises(csv_io.ImportRejected) as rejected:
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=False)
    assert str(rejected.value).startswith(
        f"Row 3 of the {file} file could not be written: its customer (leaving@example.com) was deleted "
        f"after the dry run. {ROLLED_BACK} Run the dry run again and import."
    )
    assert _counts(conn) == before


# A rule of the customer's own database that the app's validation does not know: at most 999,999
# loyalty points (a CHECK constraint; on SQLite, which cannot add one to a table, triggers).
CAP = 1_000_000
_SQLITE_CAP = """CREATE TRIGGER loyalty_cap_{when} BEFORE {when} ON "Customer_Info"
WHEN NEW."Loyalty_Points" >= {cap} BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: loyalty_cap'); END"""


@pytest.fixture
def capped_engine(fresh_engine):
    upgrade(fresh_engine)
    with fresh_engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for when in ("INSERT", "UPDATE"):
                conn.execute(text(_SQLITE_CAP.format(when=when, cap=CAP)))
        else:
            quote = conn.dialect.identifier_preparer.quote
            conn.execute(
                text(
                    f"ALTER TABLE {quote('Customer_Info')} ADD CONSTRAINT loyalty_cap "
                    f"CHECK ({quote('Loyalty_Points')} < {CAP})"
                )
            )
    return fresh_engine


def _everything(engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (customer_info, customer_preferences, customer_segments, audit_log)
        )


@pytest.mark.parametrize(("rows", "bad"), [(5, 3), (300, 217), (300, 0), (300, 299)])
def test_a_rule_of_the_database_refuses_a_new_row_in_the_middle(capped_engine, rows, bad):
    lines = [ROW.format(i) + "10" for i in range(rows)]
    lines[bad] = ROW.format(bad) + str(CAP)
    segs = "".join(f"asha.{i}@example.com,Starter,Economy\n" for i in range(rows))
    with capped_engine.connect() as conn:
        plan = csv_io.dry_run(
            conn,
            customers_csv=_csv(*lines),
            segments_csv=("Email,Segment_Name,Segment_Category\n" + segs).encode(),
        )
    assert (plan.to_create, plan.error_rows) == (rows, 0)
    before = _everything(capped_engine)
    with capped_engine.connect() as conn, pytest.raises(csv_io.ImportRejected) as rejected:
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    message = str(rejected.value)
    assert message.startswith(
        f"The database refused row {bad + 2} of the customers file: a value breaks a rule of the database ("
    ), message
    assert "loyalty_cap" in message and message.endswith(
        f"{ROLLED_BACK} Correct the row, run the dry run again and import."
    )
    assert _everything(capped_engine) == before  # nothing half-written: no customer, segment or audit row


def test_a_rule_of_the_database_refuses_an_update(capped_engine):
    with capped_engine.begin() as conn:
        insert_customer(conn, Email="asha.2@example.com", Loyalty_Points=5)
    lines = [ROW.format(i) + "10" for i in range(1, 5)]
    lines[1] = ROW.format(2) + str(CAP)
    with capped_engine.connect() as conn:
        plan = csv_io.dry_run(conn, customers_csv=_csv(*lines))
    assert (plan.to_create, plan.to_update) == (3, 1)
    before = _everything(capped_engine)
    with capped_engine.connect() as conn, pytest.raises(csv_io.ImportRejected) as rejected:
        csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    assert str(rejected.value).startswith(
        "The database refused row 3 of the customers file: a value breaks a rule"
    )
    assert _everything(capped_engine) == before
    with capped_engine.connect() as conn:
        points = conn.execute(
            select(customer_info.c.Loyalty_Points).where(customer_info.c.Email == "asha.2@example.com")
        ).scalar_one()
    assert points == 5


def _kill(engine, victim) -> None:
    """End `victim`'s session from another connection, as a server restart or a network cut would."""
    name = engine.dialect.name
    session = victim.execute(
        text("SELECT pg_backend_pid()" if name == "postgresql" else "SELECT CONNECTION_ID()")
    )
    session_id = session.scalar_one()
    victim.rollback()
    with engine.connect() as admin:
        if name == "postgresql":
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": session_id})
        else:
            admin.execute(text(f"KILL {int(session_id)}"))
        admin.commit()


def test_a_lost_connection_while_saving_says_so_and_nothing_is_imported(migrated_engine):
    if migrated_engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no server connection to lose")
    with migrated_engine.connect() as conn:
        plan = csv_io.dry_run(conn, customers_csv=_five_rows("lost.connection@example.com"))
    with migrated_engine.connect() as victim:
        _kill(migrated_engine, victim)
        with pytest.raises(csv_io.ImportRejected) as rejected:
            csv_io.commit_import(victim, actor=ADMIN, plan=plan, all_or_nothing=True)
    assert str(rejected.value) == (
        "The import failed while writing 5 rows of the customers file: the connection to the database was "
        "lost. "
        f"{ROLLED_BACK} Try again."
    )
    with migrated_engine.connect() as conn:
        found = conn.execute(
            select(func.count()).where(customer_info.c.Email == "lost.connection@example.com")
        ).scalar_one()
    assert found == 0
