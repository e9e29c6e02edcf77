"""End-to-end fixtures: a real `streamlit run` on a free 127.0.0.1 port and Debian's Chromium.

Every request that leaves 127.0.0.1 is blocked and fails the test: the product works offline.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e import browser as ui

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items):
    if Path(CHROMIUM).exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`streamlit run streamlit_app.py` against its own SQLite database."""

    def __init__(self, db_path: Path, *, demo_customers: int = 2000, env: dict | None = None):
        self.db_path = db_path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "DEMO_CUSTOMERS": str(demo_customers),
            "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full",
            **(env or {}),
        }
        self.log = db_path.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    def start(self) -> AppServer:
        cmd = [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(self.port), "--server.fileWatcherType", "none",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("streamlit did not become healthy in 90 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def server_factory(tmp_path_factory):
    started: list[AppServer] = []

    def start(*, demo_customers: int = 2000, prepare=None, env: dict | None = None) -> AppServer:
        db_path = tmp_path_factory.mktemp("e2e") / "customers.db"
        if prepare is not None:
            prepare(f"sqlite:///{db_path}")
        server = AppServer(db_path, demo_customers=demo_customers, env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ui.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts; any request beyond 127.0.0.1 fails the test."""
    outside: list[str] = []
    contexts = []

    def open_page(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        ui.block_outside(context, outside)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert outside == [], f"the app made requests beyond 127.0.0.1: {outside}"
