"""Real-browser fixtures: the app served by a real process, driven by headless Debian Chromium.

Every request to anything but the app is aborted, so the tests prove the pages work offline.
Screenshots go to test-artifacts/ (kept by CI as artifacts, ignored by git).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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


@pytest.fixture
def live_server(db_path, tmp_path):
    server = LiveServer(db_path, tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("ASSETMAP_SKIP_BROWSER") == "1":
        pytest.skip("ASSETMAP_SKIP_BROWSER=1")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/test, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, live_server, **context_args):
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
    context, pg = _page(browser, live_server, bypass_csp=True)
    yield pg
    context.close()


@pytest.fixture
def strict_page(browser, live_server):
    """Like `page`, with the app's Content-Security-Policy enforced."""
    context, pg = _page(browser, live_server)
    yield pg
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
