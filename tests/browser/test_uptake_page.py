"""The "Who isn't accessing" map mode in a real browser, on the SYNTHETIC example: shading by
significance, the four-class view, the funnel plot, French, a phone, and the app's CSP enforced."""

import pytest

from assetmap.services import uptake_import
from assetmap.store import open_database
from tests.browser.conftest import save_screenshot
from tests.server import LiveServer
from tests.test_uptake_import import EXAMPLES, SERVICE

pytestmark = pytest.mark.browser
PAGE = "/uptake?service=Example+community+nursing+visits&category=health"
LOWER = "#e66101"


@pytest.fixture
def uptake_server(db_path, tmp_path):
    """The app serving a copy of the demo with the example loaded (as the README walk-through does)."""
    db = open_database(db_path)
    uptake_import.import_population_bands(db, EXAMPLES / "synthetic_uptake_population.csv")
    uptake_import.import_service_use(
        db,
        EXAMPLES / "synthetic_uptake_service_use.csv",
        service=SERVICE,
        period="2025",
        reference_path=EXAMPLES / "synthetic_uptake_reference.csv",
        reference_label="Fictional province (synthetic)",
    )
    db.close()
    server = LiveServer(db_path, tmp_path)
    yield server
    server.stop()


def fills(pg):
    return pg.evaluate("[...document.querySelectorAll('path.am-area')].map(p => p.getAttribute('fill'))")


def test_map_mode_shades_by_significance_and_by_the_four_classes(browser, uptake_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # the app's CSP enforced
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(uptake_server.url) else r.abort())
    pg.goto(uptake_server.url + PAGE)
    pg.wait_for_selector("#uptake-legend li")
    assert pg.locator("path.am-area").count() == 107
    assert fills(pg).count(LOWER) == 6  # the six areas significantly lower at 95%
    legend = pg.locator("#uptake-legend").inner_text()
    assert "significantly lower (6 areas)" in legend and "similar (86 areas)" in legend
    assert pg.evaluate("document.querySelector('figure.funnel img').naturalWidth") > 0  # the funnel plot beside the map
    assert pg.locator("table.below tbody tr").count() == 6
    pg.click("#view-switch button[data-view=distance]")
    legend = pg.locator("#uptake-legend").inner_text()
    assert "near but using it less: barriers other than distance (6 areas)" in legend
    assert "near, using it as expected or more (84 areas)" in legend
    assert pg.get_attribute("#view-switch button[data-view=distance]", "aria-pressed") == "true"
    assert errors == []
    save_screenshot(pg, "uptake-map.png")
    context.close()


def test_map_mode_in_french_and_on_a_phone(browser, uptake_server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True)
    pg = context.new_page()
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(uptake_server.url) else r.abort())
    pg.goto(uptake_server.url + PAGE + "&lang=fr")
    pg.wait_for_selector("#uptake-legend li")
    assert "nettement plus basse (6 aires)" in pg.locator("#uptake-legend").inner_text()
    assert "Qui n’utilise pas" in pg.locator("h1").inner_text()
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    save_screenshot(pg, "uptake-map-phone-fr.png")
    context.close()


def test_page_without_javascript(browser, uptake_server):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(uptake_server.url + PAGE)
    assert pg.locator("table.below tbody tr").count() == 6
    assert not pg.locator("#view-switch").is_visible()  # the view switch needs the map
    pg.select_option("#category", "")
    pg.click("form.reach-form button[type=submit]")
    assert pg.locator("#classes-heading").count() == 0  # no distance view without a category
    context.close()
