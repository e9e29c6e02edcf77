"""Before anything is created: the customer's tables under names other than the spec's.

PostgreSQL folds unquoted names to lower case (`CREATE TABLE Customer_Info` makes customer_info),
and MySQL may store them in lower case (lower_case_table_names). This version reads and writes
the spec's exact names only; rather than create empty tables of those names beside the real ones
(and fill them with demo customers), `upgrade` stops and says what it found.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from db.models import CUSTOMER_TABLES


class TablesUnderOtherNames(ValueError):
    """The customer's tables exist here under other letter case: nothing was created."""


def tables_under_other_names(engine: Engine) -> dict[str, str]:
    """{spec name: name found} for each customer table missing by its exact name but present
    under another letter case in the connection's default schema."""
    present = inspect(engine).get_table_names()
    exact = set(present)
    by_folded: dict[str, str] = {}
    for name in present:
        by_folded.setdefault(name.casefold(), name)
    return {
        t.name: by_folded[t.name.casefold()]
        for t in CUSTOMER_TABLES
        if t.name not in exact and t.name.casefold() in by_folded
    }


def refuse_tables_under_other_names(engine: Engine) -> None:
    if found := tables_under_other_names(engine):
        listed = ", ".join(f"{have} (the spec's {spec})" for spec, have in found.items())
        raise TablesUnderOtherNames(
            f"the customer tables are here under other names: {listed}. This version uses the spec's "
            "exact names only, so nothing was created or changed; rename the tables to the spec's "
            'names (ALTER TABLE ... RENAME TO "Customer_Info"), or point DATABASE_URL elsewhere'
        )
