"""Compare a live database with the models and describe each difference in plain words.

Used to adopt a database created by someone else: `python -m db check`.
Uniqueness counts whether it is a UNIQUE constraint or a unique index; names may differ.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Table, inspect
from sqlalchemy.engine.reflection import Inspector

from db.models import Base

_TYPE_FAMILIES = {
    "INTEGER": "integer",
    "INT": "integer",
    "BIGINT": "integer",
    "SMALLINT": "integer",
    "SERIAL": "integer",
    "VARCHAR": "string",
    "CHAR": "string",
    "TEXT": "text",
    "NVARCHAR": "string",
    "DATE": "date",
    "DATETIME": "datetime",
    "TIMESTAMP": "datetime",
    "NUMERIC": "decimal",
    "DECIMAL": "decimal",
    "BOOLEAN": "boolean",
    "BOOL": "boolean",
    "TINYINT": "boolean",
    "LONGTEXT": "text",
    "MEDIUMTEXT": "text",
}


def _family(type_) -> str:
    name = type(type_).__name__.upper()
    name = getattr(type_, "__visit_name__", name).upper() if name not in _TYPE_FAMILIES else name
    compiled = re.sub(r"\(.*", "", str(type_).upper()).split()[0] if str(type_) else name
    return _TYPE_FAMILIES.get(compiled, _TYPE_FAMILIES.get(name, compiled.lower()))


def _length(type_) -> int | None:
    return getattr(type_, "length", None)


_CHECK_KEYWORDS = {"in", "between", "and", "or", "not", "null", "is"}


def _check_tokens(sqltext) -> frozenset[str]:
    """Identifiers and values of a CHECK body, without quoting, spacing, case or keywords."""
    words = re.findall(r"[a-z_][a-z0-9_]*|\d+(?:\.\d+)?", str(sqltext).lower())
    return frozenset(words) - _CHECK_KEYWORDS


def _columns(insp: Inspector, table: Table) -> list[str]:
    live = {c["name"]: c for c in insp.get_columns(table.name)}
    problems = []
    for col in table.columns:
        got = live.get(col.name)
        if got is None:
            problems.append(f"column {col.name} is missing")
            continue
        want_family, got_family = _family(col.type), _family(got["type"])
        if want_family != got_family and {want_family, got_family} != {"string", "text"}:
            problems.append(f"column {col.name} is {got['type']}, expected {col.type}")
        elif _length(col.type) and _length(got["type"]) and _length(got["type"]) < _length(col.type):
            problems.append(f"column {col.name} holds {_length(got['type'])} characters, expected {col.type}")
        if not col.primary_key and col.nullable != got["nullable"]:
            want = "may be empty" if col.nullable else "must not be empty (NOT NULL)"
            problems.append(f"column {col.name} {want}, but the database says otherwise")
    for name in live.keys() - {c.name for c in table.columns}:
        problems.append(f"column {name} is not in the model (left alone)")
    return problems


def _keys(insp: Inspector, table: Table) -> list[str]:
    problems = []
    pk = insp.get_pk_constraint(table.name).get("constrained_columns") or []
    want_pk = [c.name for c in table.primary_key.columns]
    if pk != want_pk:
        problems.append(f"primary key is ({', '.join(pk) or 'none'}), expected ({', '.join(want_pk)})")
    live_fks = {
        (tuple(fk["constrained_columns"]), fk["referred_table"], (fk.get("options") or {}).get("ondelete"))
        for fk in insp.get_foreign_keys(table.name)
    }
    for fk in table.foreign_key_constraints:
        cols = tuple(c.name for c in fk.columns)
        target = fk.referred_table.name
        matches = [f for f in live_fks if f[0] == cols and f[1] == target]
        if not matches:
            problems.append(f"foreign key ({', '.join(cols)}) -> {target} is missing")
        elif fk.ondelete and not any((m[2] or "").upper() == fk.ondelete.upper() for m in matches):
            rule = "ON DELETE " + fk.ondelete  # a message, not SQL
            problems.append(f"foreign key ({', '.join(cols)}) -> {target} lacks {rule}")
    return problems


def _unique_sets(insp: Inspector, table_name: str) -> set[tuple[str, ...]]:
    sets = {tuple(u["column_names"]) for u in insp.get_unique_constraints(table_name)}
    sets |= {tuple(i["column_names"]) for i in insp.get_indexes(table_name) if i.get("unique")}
    return sets


def _constraints(insp: Inspector, table: Table) -> list[str]:
    problems = []
    uniques = _unique_sets(insp, table.name)
    for idx in table.indexes:
        cols = tuple(c.name for c in idx.columns)
        if idx.unique and cols not in uniques:
            problems.append(f"UNIQUE on ({', '.join(cols)}) is missing")
    for uc in (c for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"):
        cols = tuple(c.name for c in uc.columns)
        if cols not in uniques:
            problems.append(f"UNIQUE on ({', '.join(cols)}) is missing")
    live_checks = [_check_tokens(ck["sqltext"]) for ck in insp.get_check_constraints(table.name)]
    dialect = insp.bind.dialect
    for ck in (c for c in table.constraints if c.__class__.__name__ == "CheckConstraint"):
        body = str(ck.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        # Databases rewrite CHECK bodies (BETWEEN -> >= AND <=, IN -> = ANY(ARRAY[...])):
        # a live check matches when it names the same column and every value.
        if not any(_check_tokens(body) <= live for live in live_checks):
            problems.append(f"CHECK {body} is missing")
    return problems


def differences(conn: Connection, *, tables: list[Table] | None = None) -> list[str]:
    """Every difference between the database and the models, one sentence each."""
    insp = inspect(conn)
    present = set(insp.get_table_names())
    problems = []
    for table in tables or list(Base.metadata.sorted_tables):
        if table.name not in present:
            problems.append(f"table {table.name} is missing")
            continue
        for p in _columns(insp, table) + _keys(insp, table) + _constraints(insp, table):
            problems.append(f"{table.name}: {p}")
    return [p for p in problems if not p.endswith("(left alone)")]
