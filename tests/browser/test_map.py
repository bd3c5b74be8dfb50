"""The map in a real browser, offline: areas, outlines, clustered markers, toggles, popups, escaping."""

import pytest

from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser

VISIBLE_BY_CATEGORY = """() => {
  const counts = {};
  document.querySelectorAll('.am-marker .pin').forEach(p => {
    const cls = [...p.classList].find(c => c.startsWith('cat-'));
    counts[cls] = (counts[cls] || 0) + 1;
  });
  let clustered = 0;
  document.querySelectorAll('.am-cluster .cluster-count').forEach(c => clustered += Number(c.textContent));
  return {counts, clustered};
}"""


def wait_for_map(page):
    page.wait_for_selector("path.am-area", state="attached")
    page.wait_for_function("document.querySelectorAll('path.am-area').length === 107")
    page.wait_for_function("window.assetMapState && window.assetMapState.loaded > 0")
    page.wait_for_selector(".am-cluster, .am-marker")


def test_map_loads_offline_with_layers(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    assert page.locator("path.am-outline").count() == 12
    # 133 assets have a point, 4 of them confidential (never mapped); all are in the initial view.
    state = page.evaluate(VISIBLE_BY_CATEGORY)
    assert sum(state["counts"].values()) + state["clustered"] == 133 - 4
    legend = page.locator("#area-legend").inner_text()
    assert "Population density (people per km²)" in legend and "no data" in legend
    assert page.locator("text=Area shapes are approximate.").count() == 1
    # Nothing outside the app was needed: only tile requests were attempted and blocked.
    assert page.errors == []
    assert all("tile.openstreetmap.org" in url for url in page.blocked)
    save_screenshot(page, "map-offline.png")


def test_toggle_category_and_shade_by_deprivation(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    before = page.evaluate(VISIBLE_BY_CATEGORY)
    total_before = sum(before["counts"].values()) + before["clustered"]
    page.uncheck("#layer-cat-parks")
    after = page.evaluate(VISIBLE_BY_CATEGORY)
    assert "cat-parks" not in after["counts"]
    # 24 parks, of which 19 have a public point (5 have no known location)
    assert sum(after["counts"].values()) + after["clustered"] == total_before - 19
    page.check("#layer-cat-parks")
    again = page.evaluate(VISIBLE_BY_CATEGORY)
    assert sum(again["counts"].values()) + again["clustered"] == total_before
    page.select_option("#shade-by", "cimd_economic_dependency_quintile")
    legend = page.locator("#area-legend").inner_text()
    assert "1 (least deprived fifth)" in legend and "5 (most deprived fifth)" in legend
    fills = page.evaluate(
        "[...new Set([...document.querySelectorAll('path.am-area')].map(p => p.getAttribute('fill')))]"
    )
    assert "#bd0026" in fills  # at least one DA in the most deprived national fifth


def test_popup_shows_details_and_precision(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    marker = page.locator('.am-marker[title="Arrowhead Provincial Park"]')
    if marker.count() == 0:  # clustered at this zoom: zoom in on it
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(600)
    marker.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.locator("h2").wait_for()
    text = popup.inner_text()
    assert "Arrowhead Provincial Park" in text
    assert "451 Arrowhead Park Rd" in text
    assert "(705) 789-5105" in text
    assert "Hours (as last seen)" in text
    assert "exact: the site itself" in text
    assert popup.locator('a[href^="tel:"]').count() == 1
    save_screenshot(page, "map-popup.png")


def test_approximate_marker_is_hollow_and_says_so(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    marker = page.locator('.am-marker[title="Dwight Winter Pantry"]')
    assert "hollow" in marker.locator(".pin").get_attribute("class")
    marker.dispatch_event("click")
    page.locator(".leaflet-popup-content h2").wait_for()
    text = page.locator(".leaflet-popup-content").inner_text()
    assert "approximate: rural postal code point, can be 20–40 km off" in text


def test_confidential_sites_listed_not_mapped(page, live_server):
    page.goto(live_server.url + "/")
    wait_for_map(page)
    assert page.locator('.am-marker[title^="Muskoka Interval House"]').count() == 0
    page.locator("#unmapped summary").click()
    page.wait_for_selector("#unmapped-list li")
    text = page.locator("#unmapped-list").inner_text()
    assert "Muskoka Interval House (Muskoka Women's Advocacy Group) — Social services, confidential location" in text


def test_script_in_asset_name_shows_as_text(page, live_server):
    from assetmap.store import open_database

    db = open_database(live_server.db_path)
    name = "<img src=x onerror=alert(1)>"
    db["assets"].insert(
        {
            "name": name,
            "category": "health",
            "latitude": 45.62,
            "longitude": -79.05,
            "location_precision": "exact",
            "address": "<script>alert(2)</script>",
            "website": "javascript:alert(3)",
        }
    )
    db.close()
    page.goto(live_server.url + "/")
    wait_for_map(page)
    marker = page.locator(".am-marker").filter(has=page.locator(".cat-health")).and_(page.locator(f'[title="{name}"]'))
    marker.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.locator("h2").wait_for()
    assert popup.locator("h2").inner_text() == name
    assert "<script>alert(2)</script>" in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert popup.locator('a[href^="javascript"]').count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []
    save_screenshot(page, "map-xss-popup.png")


def test_map_scripts_speak_french(page, live_server):
    """The scripts' strings come from the page's catalogue (read after the page has loaded it)."""
    page.goto(live_server.url + "/?lang=fr")
    wait_for_map(page)
    page.wait_for_function("document.getElementById('map-status').textContent.includes('ressources visibles')")
    assert "aucune donnée" in page.locator("#area-legend").inner_text()
