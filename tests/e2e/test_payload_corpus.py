"""Journey: Markdown, HTML and URL payloads in every field users or imports fill, seen in a browser.

Customers whose name, city, state and segment name carry payloads (as another program would
write them), an edit by the app that puts one in the history and the audit log, and a saved
audience named with one. On every page that shows them the payload must be visible as typed,
and the page must hold no link, image or emphasis made from it; `new_page` fails the test on
any request beyond 127.0.0.1 (an <img> from a payload would make one).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from dashboard.formatting import WORD_JOINER
from db.access import Actor
from db.audiences import AudienceDefinition, save
from db.engine import make_engine
from db.models import customer_info
from db.writes import update_customer
from tests.db.factories import insert_customer, insert_preference, insert_segment
from tests.e2e import browser as ui
from tests.e2e.users import PASSWORD, prepare_with_users

LINK = "[Session expired](http://evil.example/phish)"
IMAGE = "![x](http://evil.example/p.png)"
BOLD = "**Big**"
HTML = "<b>PWN</b><img src=http://evil.example/i.png><a href=http://evil.example/a>go</a>"
URL = "https://evil.example/auto"

NAME = f"Asha {LINK} {BOLD}"
CITY = f"Pune {HTML}"
STATE = f"{IMAGE} {URL}"
SEGMENT = f"Loyal {HTML}"
AUDIENCE = f"{BOLD} {LINK} <b>x</b>"
EDITED_CITY = f"Nashik {BOLD} {URL}"
LANGUAGE = f"Tamil {HTML}"

# Anything the page holds that a payload made: a link or image to evil.example (HTML or SVG),
# or an element whose whole text is a payload's emphasised word.
_MADE_FROM_PAYLOAD = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a, img, image, use, iframe, source')) {
    const ref = el.getAttribute('href') || el.getAttribute('xlink:href') || el.getAttribute('src') || '';
    if (ref.includes('evil.example'))
      out.push(el.tagName + ' ' + ref + ' in ' + el.parentElement.outerHTML.slice(0, 300));
  }
  for (const el of document.querySelectorAll('b, strong, em, i, tspan, span')) {
    if (['PWN', 'Big', 'x', 'go'].includes(el.textContent.trim()) && el.children.length === 0) {
      const weight = getComputedStyle(el).fontWeight, style = getComputedStyle(el).fontStyle;
      if (['B', 'STRONG', 'EM', 'I'].includes(el.tagName) || Number(weight) >= 600 || style === 'italic')
        out.push(el.tagName + ' ' + el.textContent);
    }
  }
  return out;
}"""


def _prepare(url: str) -> None:
    prepare_with_users(url, customers=300)
    engine = make_engine(url)
    with engine.connect() as conn:
        cid = insert_customer(
            conn, Customer_Name=NAME, City=CITY, State=STATE, Email="asha.payload@example.com"
        )
        insert_segment(
            conn, cid, Segment_Name=SEGMENT, Segment_Category="VIP", Last_Updated=dt.datetime.now()
        )
        insert_preference(conn, cid, Communication_Channel="Email", Preferred_Language=LANGUAGE)
        conn.commit()
        update_customer(
            conn, actor=Actor("eddie", "editor"), customer_id=cid, original={"City": CITY},
            changes={"City": EDITED_CITY},
        )  # fmt: skip
        save(conn, AudienceDefinition(), name=AUDIENCE, actor=Actor("mara", "marketer"))
        conn.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(demo_customers=300, prepare=_prepare)


def _inert(page) -> None:
    ui.wait_ready(page)
    ui.assert_no_exception(page)
    made = page.evaluate(_MADE_FROM_PAYLOAD)
    assert made == [], f"{page.url}: elements made from a payload: {made}"


def _shows(page, text: str) -> None:
    """`text` is on the page as typed (a word joiner, invisible, may follow "http" or "www")."""
    main = page.locator('[data-testid="stMain"]')
    for _ in range(30):
        if text in main.inner_text().replace(WORD_JOINER, ""):
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"{page.url} does not show {text!r}")


def _customer_id(server) -> int:
    engine = make_engine(f"sqlite:///{server.db_path}")
    with engine.connect() as conn:
        cid = conn.execute(
            select(customer_info.c.Customer_ID).where(customer_info.c.Customer_Name == NAME)
        ).scalar()
    engine.dispose()
    return int(cid)


def test_payloads_are_text_on_every_page_that_shows_them(server, new_page):
    cid = _customer_id(server)
    page = new_page()
    ui.sign_in(page, server.url, "ada", PASSWORD)

    # Customer 360: heading, profile, segments, history (the app's edit of the city).
    ui.goto(page, f"{server.url}/customer?id={cid}")
    expect(page.get_by_role("heading", name=re.compile(r"^Asha \["))).to_be_visible()
    _shows(page, NAME)
    _shows(page, EDITED_CITY)
    expect(
        page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').filter(has_text=SEGMENT)
    ).to_have_count(1)
    page.get_by_role("tab", name="History").click()
    _inert(page)

    # Customer list, found by its name.
    ui.goto(page, f"{server.url}/customers")
    search = page.get_by_role("textbox", name="Search")
    search.fill("Asha")
    search.press("Enter")
    ui.wait_ready(page)
    expect(ui.grid_with(page, "Session expired")).to_be_visible()
    _inert(page)

    # Demographics filtered to the payload state (from the URL): chips, captions, chart labels.
    ui.goto(page, f"{server.url}/demographics?states={quote(STATE)}")
    bar = page.locator(".st-key-filter_bar")
    expect(bar).to_be_visible()
    _shows(page, STATE)  # in the chip and the cities caption
    _inert(page)

    # Segments: the segment name is a treemap label.
    ui.goto(page, f"{server.url}/segments?categories=VIP")
    tree = page.locator('[data-testid="stMain"] .js-plotly-plot').filter(has_text="Loyal")
    expect(tree.first).to_contain_text("<b>PWN</b>")
    _inert(page)

    # Preferences and consent: the language is a bar label.
    ui.goto(page, f"{server.url}/consent")
    languages = page.locator('[data-testid="stMain"] .js-plotly-plot').filter(has_text="Preferred language")
    expect(languages).to_contain_text(LANGUAGE)
    _inert(page)

    # Audiences: the saved audience's name in the list and opened.
    ui.goto(page, f"{server.url}/audiences")
    ui.click(page, "Open audience")
    ui.wait_ready(page)
    _shows(page, AUDIENCE)
    _inert(page)

    # Audit log (the edit's old and new values are grid cells: canvas text, never Markdown).
    ui.goto(page, f"{server.url}/audit_log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    _inert(page)
