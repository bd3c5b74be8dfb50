"""Pages work with the Content-Security-Policy enforced: nothing inline runs without our nonce."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "path, ready", [("/", "path.am-area"), ("/reach?category=parks", "path.am-area"), ("/suggest", "form")]
)
def test_pages_run_under_csp(strict_page, live_server, path, ready):
    pg = strict_page
    resp = pg.goto(live_server.url + path)
    assert "script-src 'self' 'nonce-" in resp.headers["content-security-policy"]
    pg.wait_for_selector(ready, state="attached")
    pg.wait_for_timeout(500)
    violations = [m for m in pg.console_errors if "Content Security Policy" in m]
    assert violations == []
    assert pg.errors == []


def test_inline_script_without_nonce_is_blocked(strict_page, live_server):
    """The policy really bites: an injected inline script does not run."""
    pg = strict_page
    pg.goto(live_server.url + "/suggest")
    pg.wait_for_selector("form")
    ran = pg.locator("body").evaluate(
        """(body) => { const s = document.createElement('script'); s.textContent = 'window.__injected = 1'; body.appendChild(s); return window.__injected === 1; }"""
    )
    assert ran is False
