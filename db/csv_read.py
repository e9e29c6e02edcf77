"""Reading an import file: bytes -> rows keyed by the schema's column names, or ImportRejected
with a message that says what is wrong with the file as a whole (nothing is touched).

- Encoding: UTF-8 with or without a byte-order mark, or UTF-16 (little or big endian) with its
  byte-order mark, as Excel's "Unicode text" writes it. UTF-16 without a byte-order mark, UTF-32
  and other encodings (Latin-1 / Windows-1252, as Excel's plain "CSV" writes) are refused with
  the encoding named.
- Separator: commas; a header separated by semicolons, tabs or pipes is refused naming them.
- Quotes: a quote (") that opens a cell and is never closed would swallow the rest of the file
  into one cell; it is refused naming the row where it opens, as is text after a closing quote.
- Rows are numbered by the file line they start on (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io

from db.validation import CUSTOMER_FIELDS, PREFERENCE_FIELDS, SEGMENT_FIELDS

MAX_BYTES = 50 * 1024 * 1024
_SAVE_AS = "save it as 'CSV UTF-8' and try again"
_UTF16 = ((codecs.BOM_UTF16_LE, "utf-16-le", "little"), (codecs.BOM_UTF16_BE, "utf-16-be", "big"))
_UTF32 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


class ImportRejected(Exception):
    """The import cannot go ahead (the message says why and what happened); nothing was written,
    unless the message says otherwise."""


def _canon_header(name: str) -> str:
    return "".join(ch for ch in name.strip().lower() if ch.isalnum())


_KNOWN = {
    _canon_header(n): n
    for n in (*CUSTOMER_FIELDS, "Customer_ID", "Age", "Last_Login", *PREFERENCE_FIELDS, *SEGMENT_FIELDS)
}


def decode(data: bytes, *, file: str) -> str:
    """The text of a file (byte-order mark removed); ImportRejected naming the encoding problem."""
    if data.startswith(_UTF32):
        raise ImportRejected(f"{file}: the file is UTF-32 text, which cannot be imported; {_SAVE_AS}")
    for bom, codec, endian in _UTF16:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                line = data[len(bom) : len(bom) + exc.start].decode(codec).count("\n") + 1
                raise ImportRejected(
                    f"{file}: the file starts as UTF-16 text ({endian} endian) but is not valid UTF-16 "
                    f"on line {line}; {_SAVE_AS}"
                ) from None
            return _no_binary(text, file=file)
    if b"\x00" in data[:65536]:
        raise ImportRejected(f"{file}: {_no_text_reason(data[:65536])}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        position = exc.start - data.rfind(b"\n", 0, exc.start)  # 1-based, in bytes
        raise ImportRejected(
            f"{file}: the file is not UTF-8 or UTF-16 text: the byte 0x{data[exc.start]:02X} at line {line}, "
            f"position {position} is not UTF-8; it may be Windows-1252 or Latin-1, as Excel's plain 'CSV' "
            f"writes; {_SAVE_AS}"
        ) from None


def _no_binary(text: str, *, file: str) -> str:
    if "\x00" in text[:65536]:
        raise ImportRejected(f"{file}: this is not a CSV text file (it contains binary data)")
    return text


def _no_text_reason(sample: bytes) -> str:
    """Why bytes with NULs and no byte-order mark are refused: UTF-16 without its mark, or binary."""
    even, odd = sample[0::2], sample[1::2]
    for zeros, other, endian in ((odd, even, "little"), (even, odd, "big")):
        if zeros.count(0) > len(zeros) // 2 and other.count(0) == 0:
            return (
                f"the file looks like UTF-16 text ({endian} endian) without the byte-order mark that "
                f"says so, which cannot be read reliably; {_SAVE_AS}"
            )
    return "this is not a CSV text file (it contains binary data)"


_NEVER_CLOSED = (
    'a quote (") opens a cell that is never closed, so the rest of the file would become that one '
    "cell; close the quote (or remove it) and try again"
)


def _quote_problem(error: csv.Error, start: int, line: int, text: str, *, file: str) -> ImportRejected | None:
    """The message for a csv.Error caused by quotes in the record starting on line `start` (the
    reader was at `line`), or None when the error is about something else."""
    reason = str(error)
    if "unexpected end of data" in reason:
        return ImportRejected(f"{file}: row {start}: {_NEVER_CLOSED}")
    if "field larger than field limit" in reason:
        if '"' in text.split("\n", start)[start - 1]:
            return ImportRejected(f"{file}: row {start}: {_NEVER_CLOSED}")
        return ImportRejected(
            f"{file}: row {start}: a cell is longer than {csv.field_size_limit():,} characters"
        )
    if "expected after" in reason:
        if line > start:  # the quote "closed" on a later line: it was the opening quote of another cell
            return _runs_over(start, line, file=file)
        return ImportRejected(
            f'{file}: row {start}: a quote (") closes a cell but more text follows it before the next '
            f'comma; put the whole cell in quotes and double the quotes inside it ("like ""this"" one")'
        )
    return None


def _runs_over(start: int, line: int, *, file: str) -> ImportRejected:
    return ImportRejected(
        f'{file}: row {start}: a quote (") opens a cell that is not closed on that row; the next '
        f"quote, on line {line}, would close it and the rows between would become part of that one "
        f"cell; close the quote (or remove it) and try again"
    )


def _holds_rows(values: list[str], columns: int) -> bool:
    """A cell spanning lines that holds a line with a whole row's commas: rows swallowed by a quote
    that the next quote in the file closed (a real multi-line cell, an address, has no such line)."""
    return columns > 1 and any(
        line.count(",") >= columns - 1 for value in values if "\n" in value for line in value.split("\n")[1:]
    )


def read_csv(data: bytes | None, *, file: str, required: tuple[str, ...], link: bool = False) -> list[dict]:
    """Rows of a CSV file as dicts keyed by schema column names (and "_row", the line the row
    starts on); ImportRejected when the file cannot be read as a whole."""
    if data is None or len(data) == 0 or not data.strip():
        raise ImportRejected(f"{file}: the file is empty")
    if len(data) > MAX_BYTES:
        raise ImportRejected(
            f"{file}: the file is {len(data) / 1024 / 1024:.0f} MB; at most {MAX_BYTES // 1024 // 1024} MB "
            "can be imported at once (split it into several files)"
        )
    text = decode(data, file=file)
    if not text.strip():
        raise ImportRejected(f"{file}: the file is empty")
    header_line = text.split("\n", 1)[0]
    if "," not in header_line:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header_line:
                raise ImportRejected(f"{file}: the columns are separated by {label}; use commas")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        problem = (
            _quote_problem(exc, 1, reader.line_num, text, file=file) if isinstance(exc, csv.Error) else None
        )
        raise problem or ImportRejected(f"{file}: cannot read the header row ({exc})") from None
    names = [_KNOWN.get(_canon_header(h)) for h in header]
    present = {n for n in names if n}
    missing = [r for r in required if r not in present]
    if link and not ({"Email", "Customer_ID"} & present):
        missing.insert(0, "Email or Customer_ID")
    if missing:
        raise ImportRejected(
            f"{file}: required column(s) missing: {', '.join(missing)} "
            f"(found: {', '.join(h.strip() for h in header[:20])[:300]})"
        )
    return _rows(reader, names, text, file=file)


def _rows(reader, names: list[str | None], text: str, *, file: str) -> list[dict]:
    rows = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if reader.line_num > start and _holds_rows(values, len(names)):
                raise _runs_over(start, reader.line_num, file=file)
            if any(v.strip() for v in values):
                row = {n: v for n, v in zip(names, values, strict=False) if n}
                row["_row"] = start
                rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _quote_problem(exc, start, reader.line_num, text, file=file) or ImportRejected(
            f"{file}: not a well-formed CSV near line {reader.line_num} ({exc})"
        ) from None
    if not rows:
        raise ImportRejected(f"{file}: the file has a header but no data rows")
    return rows
