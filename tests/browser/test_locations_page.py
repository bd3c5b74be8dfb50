"""An editor fixes locations on a phone: the queue lists approximate assets most reach impact first;
placing one on the map records its precision and changes the reach figures."""

import re

import pytest

from assetmap import store
from assetmap.store import open_database
from tests.browser.conftest import save_screenshot
from tests.conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_queue_by_reach_impact_and_placing_one_updates_precision_and_reach(new_page, live_server):
    pg = new_page(**PHONE)

    pg.goto(live_server.url + "/assets/locations")
    pg.fill("#email", ACCOUNTS["editor"])
    pg.fill("#password", PASSWORD)
    pg.click("main button[type=submit]")
    pg.wait_for_url("**/assets/locations")

    rows = pg.locator("table.location-queue tbody tr")
    impacts = [int(t.replace(",", "")) for t in pg.locator("td.impact").all_inner_texts() if t[0].isdigit()]
    assert impacts == sorted(impacts, reverse=True) and impacts[0] == 13495
    assert "town centre (approximate)" in rows.first.inner_text()
    assert pg.locator("td.impact").last.inner_text() == "not known (no point yet)"
    food_before = int(re.search(r"Food ([\d,]+)", pg.locator("main").inner_text()).group(1).replace(",", ""))
    assert food_before == 55062

    pg.click("#asset-3 a.button")
    pg.wait_for_selector("#place-map .leaflet-marker-icon")
    assert pg.input_value("#location_precision") == "community"
    lat0 = float(pg.input_value("#latitude"))
    pg.locator("#place-map").scroll_into_view_if_needed()
    box = pg.locator("#place-map").bounding_box()
    pg.mouse.click(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 + 30)  # the site, by hand
    assert pg.input_value("#location_precision") == "exact"
    assert float(pg.input_value("#latitude")) != lat0
    assert "exact site" in pg.locator("#place-status").inner_text()
    pg.click("#save-point")
    pg.wait_for_url("**/assets/locations*")

    flash = pg.locator(".flashes").inner_text()
    m = re.search(
        r"Placed “The Salvation Army Huntsville \(food bank\)” \(exact\)\. People beyond reach of food: 55,062 → ([\d,]+)\.",
        flash,
    )
    assert m, flash
    food_after = int(m.group(1).replace(",", ""))
    assert food_after < food_before
    assert pg.locator("#asset-3").count() == 0
    assert f"Food {food_after:,}" in pg.locator("main").inner_text()
    db = open_database(live_server.db_path)
    row = store.get_asset(db, 3)
    db.close()
    assert row["location_precision"] == "exact"
    assert row["precision_source"].startswith("placed by hand on the map by editor@example.org on ")
    reach = pg.request.get(live_server.url + "/api/reach?category=food").json()
    assert round(reach["unreached_population"]) == food_after
    save_screenshot(pg, "location-queue-after-placing.png")
    assert pg.errors == []  # (the map's tile requests are blocked: the tests run offline)
