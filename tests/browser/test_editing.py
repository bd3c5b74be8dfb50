"""An editor signs in, adds an asset by postal code, drags its marker and finds it on the map."""

import pytest

from assetmap.store import open_database
from tests.browser.conftest import save_screenshot
from tests.conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_add_by_postal_code_drag_and_see_on_map(page, live_server):
    page.goto(live_server.url + "/assets/new")
    assert "/login" in page.url  # editing needs an account
    page.fill("#email", ACCOUNTS["editor"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/assets/new")

    page.fill("#f-name", "Riverside Community Fridge")
    page.select_option("#f-category", "food")
    page.fill("#geocode-q", "P1L 2B5")
    page.click("#geocode-go")
    page.wait_for_function("document.getElementById('f-latitude').value !== ''")
    assert page.input_value("#f-location_precision") == "postal_code"
    assert "P1L 2B5, Bracebridge" in page.locator("#geocode-result").inner_text()
    lat0 = float(page.input_value("#f-latitude"))

    marker = page.locator(".leaflet-marker-draggable")
    page.locator(".form-map").scroll_into_view_if_needed()
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y - 60, steps=8)
    page.mouse.up()
    page.wait_for_function(f"Math.abs(parseFloat(document.getElementById('f-latitude').value) - {lat0}) > 1e-4")
    assert page.input_value("#f-location_precision") == "exact"
    save_screenshot(page, "asset-form-dragged.png")
    page.click("form.asset-form button[type=submit]")
    page.wait_for_url("**/assets/*/edit")
    assert "Added “Riverside Community Fridge”." in page.locator(".flashes").inner_text()

    db = open_database(live_server.db_path)
    row = next(iter(db.query("SELECT * FROM assets WHERE name = 'Riverside Community Fridge'")))
    db.close()
    assert row["location_precision"] == "exact" and row["latitude"] > lat0  # dragged north

    page.goto(live_server.url + "/")
    page.wait_for_function("window.assetMapState && window.assetMapState.loaded > 0")
    # zoom to the new asset: it must appear as its own solid (precise) marker
    page.evaluate(
        """([lat, lon]) => { for (const k in window) { if (k.startsWith('map_') && window[k].setView) window[k].setView([lat, lon], 17); } }""",
        [row["latitude"], row["longitude"]],
    )
    marker = page.locator('.am-marker[title="Riverside Community Fridge"]')
    marker.wait_for()
    assert "hollow" not in marker.locator(".pin").get_attribute("class")
    marker.dispatch_event("click")
    page.locator(".leaflet-popup-content h2").wait_for()
    assert "exact: the site itself" in page.locator(".leaflet-popup-content").inner_text()
    save_screenshot(page, "asset-on-map.png")
    assert page.errors == []
