"""Real-browser fixtures: the app served by a real process, driven by headless Debian Chromium.

One server process serves the whole session, on its own copy of the demo database with the test
accounts (tests.conftest.ACCOUNTS); starting a server costs about 2.5 s, more than most tests.
Tests stay independent all the same: after each test, a database that changed in any way (an added
asset, a sign-in's rate-limit count) is put back as it was, through SQLite's backup API, and given a
new timeline, as assetmap.store.backup.restore does, so no cache keyed on the data version can
answer from the changed data. A test may therefore write whatever it needs.

Every request to anything but the app is aborted, so the tests prove the pages work offline.
Screenshots go to test-artifacts/ (kept by CI as artifacts, ignored by git).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from assetmap.store import open_database
from assetmap.store.derived import restart_timeline
from tests.server import LiveServer  # shared with the fault and load tests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("ASSETMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _skip_without_browser():
    if os.environ.get("ASSETMAP_SKIP_BROWSER") == "1":
        pytest.skip("ASSETMAP_SKIP_BROWSER=1")


class PristineDatabase:
    """Puts a live database back to a pristine copy whenever anything has changed it."""

    def __init__(self, pristine: Path, live: Path):
        self.pristine = pristine
        # One connection held open for the session: PRAGMA data_version changes whenever another
        # connection (here: the server process) has committed anything since it was last read.
        self.watch = open_database(live)
        self.seen = self._version()

    def _version(self) -> int:
        return self.watch.execute("PRAGMA data_version").fetchone()[0]

    def restore_if_changed(self) -> bool:
        """Copy the pristine database in if anything changed the live one; True when it did."""
        if self._version() == self.seen:
            return False
        source = sqlite3.connect(f"file:{self.pristine}?mode=ro", uri=True)
        try:
            source.backup(self.watch.conn)  # the server's connections see the whole copy or none of it
        finally:
            source.close()
        restart_timeline(self.watch)
        self.seen = self._version()
        return True

    def close(self):
        self.watch.close()


@pytest.fixture(scope="session")
def shared_server(accounts_db_file, tmp_path_factory):
    """(LiveServer, PristineDatabase): one server process for the session; use `live_server`."""
    _skip_without_browser()
    folder = tmp_path_factory.mktemp("live-server")
    path = folder / "assetmap.db"
    shutil.copy(accounts_db_file, path)
    server = LiveServer(path, folder)
    pristine = PristineDatabase(accounts_db_file, path)
    yield server, pristine
    pristine.close()
    server.stop()


@pytest.fixture
def live_server(shared_server):
    """The session's server; whatever the test changed in its database is undone when it ends."""
    server, pristine = shared_server
    yield server
    pristine.restore_if_changed()


@pytest.fixture(scope="session")
def browser():
    _skip_without_browser()
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/test, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, live_server, **context_args):
    """(context, page) that may reach only the app; blocked URLs, JS errors and dialogs are collected."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **context_args})
    pg = context.new_page()
    pg.blocked = []
    pg.errors = []
    pg.dialogs = []

    def route(r):
        if r.request.url.startswith(live_server.url):
            r.continue_()
        else:
            pg.blocked.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    return context, pg


@pytest.fixture
def page(browser, live_server):
    """A page that may reach only the app; blocked URLs and JS errors are collected.

    The test's own probes (wait_for_function) need eval, which our Content-Security-Policy
    forbids, so this context bypasses CSP; `strict_page` enforces it.
    """
    context, pg = open_page(browser, live_server, bypass_csp=True)
    yield pg
    context.close()


@pytest.fixture
def strict_page(browser, live_server):
    """Like `page`, with the app's Content-Security-Policy enforced."""
    context, pg = open_page(browser, live_server)
    yield pg
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_args) -> a page like `page` in a context of its own (a phone, no JavaScript,
    a geolocation); every context is closed when the test ends, before its data is put back."""
    contexts = []

    def make(**context_args):
        context, pg = open_page(browser, live_server, **context_args)
        contexts.append(context)
        return pg

    yield make
    for context in contexts:
        context.close()


def save_screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    pg.screenshot(path=str(path), full_page=True)
    return path


def keep_artifact(src: Path, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    dest = ARTIFACTS / name
    shutil.copy(src, dest)
    return dest
