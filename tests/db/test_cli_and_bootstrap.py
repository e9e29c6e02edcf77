"""The CLI's commands and errors, settings, and the first-run bootstrap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.__main__ import main
from db.bootstrap import prepare_database
from db.current_segment import current_segment
from db.models import customer_info
from db.settings import DEFAULT_URL, Settings
from db.stats import row_counts

ROOT = Path(__file__).resolve().parents[2]


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_seed_stats_and_reset(fresh_engine, capsys):
    url = _url(fresh_engine)
    assert main(["seed", "--customers", "300", "--seed", "3", "--url", url]) == 0
    assert main(["seed", "--customers", "200", "--url", url]) == 0
    with fresh_engine.connect() as conn:
        counts = row_counts(conn)
        assert counts["Customer_Info"] == 500
        assert {"current_segment", "sync_state"}.isdisjoint(counts)
    assert main(["seed", "--customers", "100", "--reset", "--url", url]) == 0
    assert main(["stats", "--url", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    last_stats = [line.split() for line in lines if line.startswith("Customer_Info ")][-1]
    assert last_stats == ["Customer_Info", "100"]


def test_first_run_migrates_and_seeds_only_an_empty_database(fresh_engine):
    report = prepare_database(fresh_engine, demo_customers=250)
    assert report.seeded == 250
    again = prepare_database(fresh_engine, demo_customers=250)
    assert again.seeded == 0
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(customer_info)).scalar() == 250
        assert conn.execute(select(func.count()).select_from(current_segment())).scalar() == 250


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["seed", "--customers", "abc"], "expected a whole number"),
        (["seed", "--customers", "0"], "must be at least 1"),
        (["seed"], "--customers"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv, message):
    proc = subprocess.run([sys.executable, "-m", "db", *argv], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "error: database:"),
        ("nosuchdb://x", "error: bad database URL"),
    ],
)
def test_unreachable_or_bad_database_is_one_line(url, message):
    proc = subprocess.run(
        [sys.executable, "-m", "db", "stats", "--url", url], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(message)
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("env", "secrets", "expected"),
    [
        ({}, "", DEFAULT_URL),
        ({"DATABASE_URL": "sqlite:///x.db"}, 'DATABASE_URL = "sqlite:///y.db"', "sqlite:///x.db"),
        ({}, 'DATABASE_URL = "sqlite:///y.db"', "sqlite:///y.db"),
    ],
)
def test_settings_read_environment_then_secrets(tmp_path, env, secrets, expected):
    path = tmp_path / "secrets.toml"
    path.write_text(secrets)
    assert Settings.load(env=env, secrets_path=path).database_url == expected


def test_safe_url_hides_the_password():
    settings = Settings(database_url="postgresql+psycopg://app:s3cret@db:5432/crm")
    assert "s3cret" not in settings.safe_url
    assert settings.safe_url.startswith("postgresql+psycopg://app:***@db")


def test_default_database_is_a_file_under_data():
    assert DEFAULT_URL.endswith("/data/customers.db")
