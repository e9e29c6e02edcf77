"""What an import says about a file it cannot read (issue 14): its encoding (UTF-8 with or without
BOM and UTF-16 with BOM are read; the others are named) and an unbalanced quote (named by the row
where it opens). Nothing is touched."""

from __future__ import annotations

import codecs

import pytest
from sqlalchemy import select

from db import csv_io
from db.access import Actor
from db.models import customer_info
from tests.db.test_csv_io import HEADER, _counts, _csv

ADMIN = Actor("anita", "admin")
ZOE = "Zoë Müller,zoe.mueller@example.com,,,1985-02-03,Köln,NRW,,\n"


def _rejected(conn, data: bytes, **files) -> str:
    before = _counts(conn)
    with pytest.raises(csv_io.ImportRejected) as rejected:
        csv_io.dry_run(conn, customers_csv=data, **files)
    assert _counts(conn) == before
    return str(rejected.value)


# --- encodings ---------------------------------------------------------------------------------

READABLE = [
    ("UTF-8", (HEADER + ZOE).encode("utf-8")),
    ("UTF-8 with BOM", codecs.BOM_UTF8 + (HEADER + ZOE).encode("utf-8")),
    ("UTF-16 LE with BOM", codecs.BOM_UTF16_LE + (HEADER + ZOE).encode("utf-16-le")),
    ("UTF-16 BE with BOM", codecs.BOM_UTF16_BE + (HEADER + ZOE).encode("utf-16-be")),
    ("UTF-16 LE, CRLF", codecs.BOM_UTF16_LE + (HEADER + ZOE).replace("\n", "\r\n").encode("utf-16-le")),
]


@pytest.mark.parametrize(("kind", "data"), READABLE, ids=[r[0] for r in READABLE])
def test_utf8_and_utf16_files_are_read(conn, kind, data):
    plan = csv_io.dry_run(conn, customers_csv=data)
    assert (plan.to_create, plan.error_rows) == (1, 0), plan.errors
    csv_io.commit_import(conn, actor=ADMIN, plan=plan, all_or_nothing=True)
    row = conn.execute(
        select(customer_info.c.Customer_Name, customer_info.c.City).where(
            customer_info.c.Email == "zoe.mueller@example.com"
        )
    ).one()
    assert tuple(row) == ("Zoë Müller", "Köln")


UNREADABLE = [
    (
        "UTF-16 without BOM",
        (HEADER + ZOE).encode("utf-16-le"),
        "customers: the file looks like UTF-16 text (little endian) without the byte-order mark",
    ),
    (
        "UTF-16 BE without BOM",
        (HEADER + ZOE).encode("utf-16-be"),
        "customers: the file looks like UTF-16 text (big endian) without the byte-order mark",
    ),
    (
        "Windows-1252",
        (HEADER + ZOE).encode("cp1252"),
        "customers: the file is not UTF-8 or UTF-16 text: the byte 0xEB at line 2, position 3 is not "
        "UTF-8; it may be Windows-1252 or Latin-1, as Excel's plain 'CSV' writes; save it as 'CSV UTF-8' "
        "and try again",
    ),
    (
        "UTF-32",
        (HEADER + ZOE).encode("utf-32"),
        "customers: the file is UTF-32 text, which cannot be imported",
    ),
    (
        "broken UTF-16",
        codecs.BOM_UTF16_LE + (HEADER + ZOE).encode("utf-16-le") + b"\x00\xd8\x41\x00",  # a lone surrogate
        "customers: the file starts as UTF-16 text (little endian) but is not valid UTF-16 on line 3",
    ),
    (
        "binary",
        b"PK\x03\x04" + bytes(range(256)) * 4,
        "customers: this is not a CSV text file (it contains binary",
    ),
]


@pytest.mark.parametrize(("kind", "data", "message"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_an_unreadable_encoding_is_named(conn, kind, data, message):
    assert _rejected(conn, data).startswith(message)


def test_excel_unicode_text_is_read_and_its_tabs_are_named(conn):
    """Excel's "Unicode text" is UTF-16 with tabs between the cells: read, then the tabs named."""
    data = codecs.BOM_UTF16_LE + (HEADER + ZOE).replace(",", "\t").encode("utf-16-le")
    assert _rejected(conn, data) == "customers: the columns are separated by tabs; use commas"


# --- quotes -------------------------------------------------------------------------------------

ROW = "Asha Rao,asha.{}@example.com,,,1985-02-03,Chennai,Tamil Nadu,600001,"
NEVER_CLOSED = (
    'row {}: a quote (") opens a cell that is never closed, so the rest of the file would become that one '
    "cell; close the quote (or remove it) and try again"
)


def test_a_quote_that_is_never_closed_is_named_by_its_row(conn):
    data = _csv(
        ROW.format(1), 'Bad Quote,"bad@example.com,,,1985-02-03,Pune,MH,,', ROW.format(3), ROW.format(4)
    )
    assert _rejected(conn, data) == "customers: " + NEVER_CLOSED.format(3)


def test_a_quote_that_the_next_quote_closes_is_named_by_its_row(conn):
    data = _csv(
        ROW.format(1),
        'Bad Quote,"bad@example.com,,,1985-02-03,Pune,MH,,',
        ROW.format(3),
        '"Rao, Asha",asha.4@example.com,,,1985-02-03,Pune,MH,,',
        ROW.format(5),
    )
    assert _rejected(conn, data).startswith(
        'customers: row 3: a quote (") opens a cell that is not closed on that row; the next quote, '
        "on line 5, would close it"
    )


def test_swallowed_rows_are_named_even_when_the_quotes_balance(conn):
    """The unclosed quote of row 3 is closed by one that ends a cell further down: rows 4 and 5 would
    have become part of row 3's cell; a cell holding whole rows is refused."""
    data = _csv(
        ROW.format(1), 'Bad,"b@example.com,,,1985-02-03,Pune,MH,,', ROW.format(3), ROW.format(4) + '"'
    )
    assert _rejected(conn, data).startswith('customers: row 3: a quote (") opens a cell that is not closed')


def test_text_after_a_closing_quote_is_named(conn):
    data = _csv(ROW.format(1), '"Asha" Rao,asha.2@example.com,,,1985-02-03,Pune,MH,,')
    assert _rejected(conn, data).startswith(
        'customers: row 3: a quote (") closes a cell but more text follows it before the next comma'
    )


def test_an_unclosed_quote_in_a_big_file_is_named(conn):
    """Past 131,072 characters the csv module gives up with 'field larger than field limit'."""
    rows = [ROW.format(i) for i in range(3000)]
    rows[5] = 'Bad Quote,"bad@example.com,,,1985-02-03,Pune,MH,,'
    assert _rejected(conn, _csv(*rows)) == "customers: " + NEVER_CLOSED.format(7)


def test_an_unclosed_quote_in_a_side_file_names_that_file(conn):
    prefs = b'Email,Communication_Channel\nasha.1@example.com,"SMS\nasha.2@example.com,Email\n'
    message = _rejected(conn, _csv(ROW.format(1), ROW.format(2)), preferences_csv=prefs)
    assert message == "preferences: " + NEVER_CLOSED.format(2)


def test_cells_on_several_lines_are_fine_and_rows_count_from_their_first_line(conn):
    data = _csv(
        '"Asha\nRao",asha.1@example.com,,,1985-02-03,"Chennai,\nSouth",Tamil Nadu,600001,',
        "No City,asha.2@example.com,,,1985-02-03,,Tamil Nadu,600001,",
    )
    plan = csv_io.dry_run(conn, customers_csv=data)
    assert plan.to_create == 1
    assert list(plan.errors["row"]) == [5]  # lines 2-4 are the first row; the second starts on line 5
