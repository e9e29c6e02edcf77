"""Journey 5: an admin imports a customers CSV with bad rows, reads the report, imports the rest.

tests/e2e/data/customers_with_bad_rows.csv holds 3 good new customers (lines 2, 4, 8) and 4 bad
rows: an invalid email (line 3), an invalid phone (line 5), a date of birth in 2016 (under 18,
age out of range; line 6) and an empty City (line 7).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from db.engine import make_engine
from db.models import customer_info
from db.validation import normalize_phone
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

CSV = Path(__file__).parent / "data" / "customers_with_bad_rows.csv"
GOOD = {"meera.import.e2e@gmail.com", "arjun.import.e2e@gmail.com", "kavya.import.e2e@gmail.com"}
# (file line, field the report must name, a word of the rule)
BAD = [(3, "Email", "valid"), (5, "Phone", "phone"), (6, "Date_of_Birth|Age", "18"), (7, "City", "")]


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(prepare=prepare_with_users)


def _customers(url: str) -> tuple[int, set[str]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(customer_info)).scalar_one()
        emails = set(
            conn.execute(
                sa.select(customer_info.c.Email).where(customer_info.c.Email.like("%.e2e@gmail.com"))
            )
            .scalars()
            .all()
        )
        phones = set(conn.execute(sa.select(customer_info.c.Phone)).scalars().all())
    engine.dispose()
    return total, emails, phones


def _as_int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_admin_imports_the_good_rows_and_reads_the_error_report(server, new_page):
    url = f"sqlite:///{server.db_path}"
    total_before, imported, phones = _customers(url)
    assert imported == set()
    for line in CSV.read_text().splitlines()[1:]:
        phone = normalize_phone(line.split(",")[2])
        assert phone is None or phone not in phones, (
            f"fixture phone {phone} already belongs to a seeded customer"
        )

    page = new_page()
    ui.sign_in(page, server.url, "ada", PASSWORD)
    ui.nav(page, "Database")
    assert _as_int(ui.metrics(page)["Customer_Info"]) == total_before

    ui.nav(page, "Import CSV", heading="Import customers from CSV")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Customers CSV")
    uploader.locator('input[type="file"]').set_input_files(str(CSV))
    expect(page.get_by_role("button", name="Check the files (dry run)")).to_be_visible()
    ui.wait_ready(page)
    page.get_by_role("button", name="Check the files (dry run)").click()
    expect(page.get_by_text("Some rows have problems")).to_be_visible()
    ui.wait_ready(page)
    plan = ui.metrics(page)
    assert plan["Customers to create"] == "3", plan
    assert plan["Customers to update"] == "0", plan
    assert _as_int(plan["Problems"]) >= len(BAD), plan

    # The error report: one or more rows per bad line, each naming the field and the rule.
    report = ui.rows_of(ui.grid_with(page, "rule"))
    by_line: dict[int, list[tuple[str, str]]] = {}
    for cells in report:
        file, row, field, rule = cells[:4]
        by_line.setdefault(int(row), []).append((field, rule))
    assert set(by_line) == {line for line, *_ in BAD}, report
    for line, field, word in BAD:
        named = [(f, r) for f, r in by_line[line] if re.fullmatch(field, f)]
        assert named, f"line {line}: the report does not name {field}: {by_line[line]}"
        assert all(r.strip() for _, r in named) and any(word in r for _, r in named), by_line[line]
    assert _customers(url)[0] == total_before  # a dry run writes nothing

    page.get_by_role("button", name="Import valid rows").click()
    done = page.locator('[data-testid="stAlert"]').filter(has_text="Import finished")
    expect(done).to_contain_text("3 customers created")
    expect(done).to_contain_text("0 updated")
    ui.wait_ready(page)

    total_after, imported, _ = _customers(url)
    assert imported == GOOD
    assert total_after == total_before + 3

    # The counts on the Database page and the customer list follow.
    ui.nav(page, "Database")
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Customer_Info")).to_contain_text(
        f"{total_after:,}"
    )
    ui.nav(page, "Customer list")
    expect(page.get_by_text(re.compile(rf"^{total_after:,} customers match"))).to_be_visible()
    ui.assert_no_exception(page)
