"""Invented customers are never shown as if real: who may seed them, where, and the mark they leave."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from sqlalchemy import func, inspect, select, text

from db.__main__ import main
from db.adoption import TablesUnderOtherNames
from db.bootstrap import prepare_database
from db.demo_marker import demo_customers
from db.models import customer_info
from db.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_URL, Settings
from tests.db.test_cli_and_bootstrap import ROOT, _url

OTHER_URL = "postgresql+psycopg://crm@db.example/crm"


@pytest.mark.parametrize(
    ("url", "env", "secrets", "expected"),
    [
        (DEFAULT_URL, {}, "", DEFAULT_DEMO_CUSTOMERS),
        (DEFAULT_URL, {"DEMO_CUSTOMERS": "0"}, "", 0),
        (DEFAULT_URL, {}, "DEMO_CUSTOMERS = 0", 0),
        (DEFAULT_URL, {"DEMO_CUSTOMERS": "300"}, "", 300),
        (OTHER_URL, {}, "", 0),
        ("sqlite:////srv/crm/customers.db", {}, "", 0),
        (OTHER_URL, {"DEMO_CUSTOMERS": "300"}, "", 300),
    ],
)
def test_only_the_embedded_default_gets_demo_customers_unasked(tmp_path, url, env, secrets, expected):
    path = tmp_path / "secrets.toml"
    path.write_text(secrets)
    assert Settings.load(env={"DATABASE_URL": url, **env}, secrets_path=path).demo_customers == expected


def test_a_bad_demo_count_names_the_setting(tmp_path):
    with pytest.raises(ValueError, match="DEMO_CUSTOMERS"):
        Settings.load(env={"DEMO_CUSTOMERS": "many"}, secrets_path=tmp_path / "none.toml")


def test_first_run_seeds_an_empty_database_and_marks_it(fresh_engine):
    assert prepare_database(fresh_engine, demo_customers=120).seeded == 120
    assert prepare_database(fresh_engine, demo_customers=120).seeded == 0
    with fresh_engine.connect() as conn:
        assert demo_customers(conn) == 120
        assert conn.execute(select(func.count()).select_from(customer_info)).scalar() == 120


def test_a_database_with_a_customer_is_never_seeded_nor_marked(fresh_engine):
    prepare_database(fresh_engine, demo_customers=0)
    with fresh_engine.begin() as conn:
        conn.execute(
            customer_info.insert().values(
                Customer_Name="Asha Rao",
                Email="asha@example.in",
                Date_of_Birth=dt.date(1990, 1, 2),
                City="Pune",
                State="Maharashtra",
            )
        )
    assert prepare_database(fresh_engine, demo_customers=500).seeded == 0
    with fresh_engine.connect() as conn:
        assert demo_customers(conn) is None
        assert conn.execute(select(func.count()).select_from(customer_info)).scalar() == 1


def test_tables_under_other_letter_case_stop_the_upgrade_untouched(fresh_engine):
    """PostgreSQL's folded names (CREATE TABLE Customer_Info unquoted): nothing is created beside them."""
    with fresh_engine.begin() as conn:
        conn.execute(text("CREATE TABLE customer_info (customer_id INTEGER PRIMARY KEY, email VARCHAR(255))"))
        conn.execute(text("INSERT INTO customer_info (customer_id, email) VALUES (1, 'a@b.in')"))
    before = sorted(inspect(fresh_engine).get_table_names())
    with pytest.raises(TablesUnderOtherNames, match=r"customer_info \(the spec's Customer_Info\)"):
        prepare_database(fresh_engine, demo_customers=500)
    fresh_engine.dispose()
    assert sorted(inspect(fresh_engine).get_table_names()) == before


def test_cli_seed_marks_and_reset_counts_again(fresh_engine):
    url = _url(fresh_engine)
    assert main(["seed", "--customers", "30", "--url", url]) == 0
    assert main(["seed", "--customers", "20", "--url", url]) == 0
    with fresh_engine.connect() as conn:
        assert demo_customers(conn) == 50
    assert main(["seed", "--customers", "10", "--reset", "--url", url]) == 0
    with fresh_engine.connect() as conn:
        assert demo_customers(conn) == 10


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:////etc/passwd/x.db", "error: cannot create the SQLite database's folder /etc/passwd"),
        ("postgresql+psycopg://nobody@127.0.0.1:5432/customers_test", "error: database:"),
    ],
)
def test_a_path_or_user_that_cannot_work_is_one_line(url, message):
    proc = subprocess.run(
        [sys.executable, "-m", "db", "seed", "--customers", "1", "--url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(message), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
