"""The reach page by travel time in a real browser: the mode choice, the map in minutes, what-if
answered from a matrix (closing a site) and on a road network (a new site), on a phone and in French."""

from __future__ import annotations

import re
import secrets

import numpy as np
import pytest
from pyproj import Geod
from scipy import sparse

from assetmap import store
from assetmap.formats.osm_network import RoadNetwork
from assetmap.formats.travel_import import import_travel_times
from needs_assessment.precision import PRECISE
from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser
GEOD = Geod(ellps="WGS84")
N = 120  # grid side


def load_car_matrix(db_path, tmp_path):
    """A synthetic car matrix for the demo: every DA to every precise food site, road km = 1.25 x straight, 50 km/h."""
    db = store.open_database(db_path)
    areas = store.list_areas(db, "DA")
    sites = [r for r in store.public_rows(db, categories=["food"]) if r["location_precision"] in PRECISE]
    lines = ["area_id," + ",".join(str(s["id"]) for s in sites)]
    for a in areas:
        km = [GEOD.inv(a["rep_lon"], a["rep_lat"], s["longitude"], s["latitude"])[2] / 1000 for s in sites]
        lines.append(a["id"] + "," + ",".join(f"{k * 1.25 / 50 * 60:.1f}" for k in km))
    (tmp_path / "car.csv").write_text("\n".join(lines) + "\n")
    import_travel_times(db, tmp_path / "car.csv", "car", label="synthetic test matrix")
    db.close()


def load_grid_network(db_path, mode="car"):
    """A 120 x 120 grid of roads over the areas (about 1 km apart) at 50 km/h, stored as import-network stores one."""
    db = store.open_database(db_path)
    x0, y0, x1, y1 = store.sample_extent(db)
    lon, lat = np.meshgrid(np.linspace(x0 - 0.05, x1 + 0.05, N), np.linspace(y0 - 0.05, y1 + 0.05, N))
    lon, lat = lon.ravel(), lat.ravel()
    idx = np.arange(N * N).reshape(N, N)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    metres = GEOD.inv(lon[u], lat[u], lon[v], lat[v])[2]
    secs = metres / (50 / 3.6)
    seconds = sparse.csr_matrix((np.r_[secs, secs], (np.r_[u, v], np.r_[v, u])), shape=(N * N, N * N))
    folder = store.network_folder(db)
    folder.mkdir(exist_ok=True)
    name = f"{mode}-grid-{secrets.token_hex(3)}.npz"  # unique, as import-network names them: the server keeps files by name
    RoadNetwork(lon, lat, np.arange(N * N), seconds, {"mode": mode}).save(folder / name)
    store.replace_network(
        db,
        mode,
        {
            "label": "test grid",
            "source": "grid.osm.pbf",
            "imported_at": "2026-11-30T10:00:00+00:00",
            "file": name,
            "counts": {"nodes": N * N, "edges": seconds.nnz},
        },
    )
    db.close()


def test_reach_by_car_from_a_matrix(page, live_server, tmp_path):
    load_car_matrix(live_server.db_path, tmp_path)
    page.goto(live_server.url + "/reach?category=food")
    page.select_option("#mode", "car")
    page.fill("#threshold_min", "20")
    page.click("button[type=submit]")
    page.wait_for_function("window.reachMapState && window.reachMapState.ready === true")
    assert "mode=car" in page.url and "threshold_min=20" in page.url
    assert page.locator("path.am-area").count() == 107
    assert page.locator("path.am-ring").count() == 0  # minutes: no straight-line rings
    assert "By travel time to the nearest site." in page.locator("#reach-legend").inner_text()
    summary = page.locator(".reach-summary").inner_text()
    assert "minutes by car from food" in summary and "Travel times: Car, synthetic test matrix (car.csv)" in summary
    # a new site cannot be measured from a matrix: the page says why, and nothing is sent
    page.click("#whatif-add")
    assert page.locator("#whatif-result").inner_text().startswith("The travel-time matrix has no times to a new site")
    # closing a site is answered from the matrix
    page.locator(".leaflet-marker-icon").first.focus()  # markers are keyboard-operable
    page.keyboard.press("Enter")
    page.click("text=What if this closed?")
    page.wait_for_function("document.getElementById('whatif-result').textContent.includes('→')")
    text = page.locator("#whatif-result").inner_text()
    before, after = (float(n.replace(",", "")) for n in re.findall(r"([\d,.]+) → ([\d,.]+)", text)[0])
    assert after >= before and "Nothing was saved." in text
    assert page.errors == []
    save_screenshot(page, "reach-by-car.png")


def test_a_new_site_on_the_road_network_and_on_a_phone(browser, live_server, tmp_path):
    load_car_matrix(live_server.db_path, tmp_path)
    load_grid_network(live_server.db_path)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(live_server.url + "/reach?category=food&mode=car&threshold_min=30&travel_source=network")
    pg.wait_for_function("window.reachMapState && window.reachMapState.ready === true")
    assert "Routed along the road network" in pg.locator(".reach-summary").inner_text()
    assert pg.locator("#mode").is_visible() and pg.locator("#threshold_min").is_visible()
    box = pg.locator("#mode").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the choice fits the phone's width
    pg.click("#whatif-add")
    pg.locator(".folium-map").scroll_into_view_if_needed()  # on a phone the map is above the panel
    map_box = pg.locator(".folium-map").bounding_box()
    pg.touchscreen.tap(map_box["x"] + map_box["width"] * 0.6, map_box["y"] + map_box["height"] * 0.35)
    pg.wait_for_function("document.getElementById('whatif-result').textContent.includes('→')")
    text = pg.locator("#whatif-result").inner_text()
    before, after = (float(n.replace(",", "")) for n in re.findall(r"([\d,.]+) → ([\d,.]+)", text)[0])
    assert after <= before and "New sites: 1. Sites closed: 0." in text
    assert errors == []
    save_screenshot(pg, "reach-by-car-network-phone.png")
    context.close()


def test_reach_by_time_speaks_french(page, live_server, tmp_path):
    load_car_matrix(live_server.db_path, tmp_path)
    page.goto(live_server.url + "/reach?category=food&mode=car&threshold_min=20&lang=fr")
    page.wait_for_function("window.reachMapState && window.reachMapState.ready === true")
    assert "Comment les gens se déplacent" in page.locator("form.reach-form").inner_text()
    assert "Selon le temps de trajet" in page.locator("#reach-legend").inner_text()
    page.click("#whatif-suggest")
    assert page.locator("#whatif-result").inner_text().startswith("Les suggestions se mesurent en ligne droite")
