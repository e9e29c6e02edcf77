"""AppTest of Import CSV: what the admin reads when a file cannot be read (an unclosed quote, a
UTF-16 file is read) and when the database refuses a row while saving (the row, the reason, and
that nothing was imported)."""

from __future__ import annotations

import codecs

from sqlalchemy import func, insert, select

from dashboard.formatting import literal
from db.engine import make_engine
from db.models import customer_info
from tests.pages._records_fixtures import PRIYA, app

HEADER = "Customer_Name,Email,Date_of_Birth,City,State\n"
ROW = "Import Person {n},import.page.{n}@example.com,1985-02-03,Pune,Maharashtra\n"


def _button(at, label):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; have {[b.label for b in at.button]}"
    return matches[0]


def _dry_run(data: bytes):
    at = app("import_csv.py").run()
    assert not at.exception, at.exception
    at.file_uploader(key="imp.customers").set_value(("customers.csv", data, "text/csv")).run()
    _button(at, "Check the files (dry run)").click().run()
    assert not at.exception, at.exception
    return at


def _imported(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).where(customer_info.c.Email.like("import.page.%"))
            ).scalar_one()
    finally:
        engine.dispose()


def test_an_unclosed_quote_is_named_by_its_row(db):
    url, _ = db
    data = (HEADER + ROW.format(n=1) + 'Bad,"bad@example.com,1985-02-03,Pune,MH\n' + ROW.format(n=3)).encode()
    at = _dry_run(data)
    assert [e.value for e in at.error] == [
        "The file was rejected, nothing was imported: "
        + literal(
            'customers: row 3: a quote (") opens a cell that is never closed, so the rest of the file would '
            "become that one cell; close the quote (or remove it) and try again"
        )
    ]
    assert _imported(url) == 0


def test_a_utf16_file_is_read(db):
    url, _ = db
    at = _dry_run(codecs.BOM_UTF16_LE + (HEADER + ROW.format(n=1) + ROW.format(n=2)).encode("utf-16-le"))
    assert not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Customers to create"] == "2"


def test_a_row_the_database_refuses_while_saving_is_named(db):
    url, _ = db
    at = _dry_run((HEADER + ROW.format(n=1) + ROW.format(n=2) + ROW.format(n=3)).encode())
    assert {m.label: m.value for m in at.metric}["Customers to create"] == "3"
    engine = make_engine(url)  # another program saves the second row's address meanwhile
    with engine.begin() as conn:
        conn.execute(
            insert(customer_info).values({**PRIYA, "Email": "import.page.2@example.com", "Phone": None})
        )
    engine.dispose()
    _button(at, "Import valid rows").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        literal(
            "The database refused row 3 of the customers file: Email: already used by another customer. "
            "Nothing was imported: the import is one transaction, and it was rolled back. Correct the row, "
            "run the dry run again and import."
        )
    ]
    assert _imported(url) == 1  # only the other program's row
