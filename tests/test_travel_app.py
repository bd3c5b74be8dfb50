"""Travel-time matrices through the app: import-travel-times, /api/reach and /api/access by mode, what-if.

The acceptance case (issue 17): a place built from files (areas, four health sites through
import-assets), a wide car matrix from a routing engine, and /api/reach in car mode at 30 and
45 minutes giving exactly the people whose nearest site is beyond the threshold.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from app import create_app
from assetmap import store

# Six square areas (about 1.1 km a side) west of Gravenhurst, with their populations.
AREAS = {
    "A1": ("Kilworthy", 1250),
    "A2": ("Housey's Rapids", 340),
    "A3": ("Ryde", 75),
    "A4": ("Doe Lake", 980),
    "A5": ("Sparrow Lake", 410),
    "A6": ("Severn Bridge", 55),
}
SITES = [  # name, external_id, lon, lat
    ("Kilworthy Nursing Station", "hs:1", -79.40, 44.90),
    ("Ryde Clinic", "hs:2", -79.36, 44.92),
    ("Doe Lake Health Hub", "hs:3", -79.32, 44.94),
    ("Severn Bridge Clinic", "hs:4", -79.30, 44.96),
]
# A routing engine's wide matrix: first column the area (by id, one by name), one column per site
# (by name or external_id); 9999, blank and negative mean no route. "Walk-in Pharmacy" names no
# asset and "Z9" no area: both are reported and skipped. A6 has no row: it is excluded.
CAR_MATRIX = """area_id,Kilworthy Nursing Station,hs:2,Doe Lake Health Hub,hs:4,Walk-in Pharmacy
A1,12.5,31,44,52,3
Housey's Rapids,29.9,30,41.5,9999,3
A3,46,,38.2,-1,3
A4,33,45.5,47,31,3
A5,9999,9999,,9999,3
Z9,1,1,1,1,1
"""


def nearest(row: list[str]) -> float:
    times = [float(v) for v in row if v.strip() and float(v) >= 0 and float(v) != 9999]
    return min(times) if times else float("inf")


def expected_unreached(threshold: float) -> tuple[int, dict]:
    """The people whose nearest site is beyond the threshold, straight from the CSV text and populations."""
    rows = list(csv.reader(io.StringIO(CAR_MATRIX)))
    by_name = {name: code for code, (name, _) in AREAS.items()}
    total, per_area = 0, {}
    for row in rows[1:]:
        code = by_name.get(row[0], row[0])
        if code not in AREAS:
            continue
        best = nearest(row[1:5])  # the four health sites; the pharmacy column is no asset
        per_area[code] = best
        if best > threshold:
            total += AREAS[code][1]
    return total, per_area


def square(lon, lat, half=0.005):
    return [[[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half], [lon - half, lat - half]]]  # fmt: skip


@pytest.fixture
def place(tmp_path):
    """A new place from files: areas (import-areas), four health sites (import-assets), a car matrix."""
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "place.db"), "SECRET_KEY": "test"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    features = [
        {
            "type": "Feature",
            "properties": {"id": code, "name": name, "population": pop},
            "geometry": {"type": "Polygon", "coordinates": square(-79.42 + 0.03 * k, 44.88 + 0.02 * k)},
        }
        for k, (code, (name, pop)) in enumerate(AREAS.items())
    ]
    (tmp_path / "areas.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = runner.invoke(args=["import-areas", str(tmp_path / "areas.geojson"), "--level", "DA"])
    assert result.exit_code == 0, result.output
    lines = ["name,category,external_id,longitude,latitude"] + [f"{n},health,{e},{x},{y}" for n, e, x, y in SITES]
    (tmp_path / "health.csv").write_text("\n".join(lines) + "\n")
    result = runner.invoke(args=["import-assets", str(tmp_path / "health.csv")])
    assert result.exit_code == 0, result.output
    (tmp_path / "car.csv").write_text(CAR_MATRIX)
    result = runner.invoke(
        args=["import-travel-times", str(tmp_path / "car.csv"), "--mode", "car", "--label", "OSRM table, Nov 2026"]
    )
    assert result.exit_code == 0, result.output
    app.import_output = result.output
    return app


def reach(client, **params):
    resp = client.get("/api/reach", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.mark.parametrize("threshold, people", [(30, 75 + 980 + 410), (45, 410)])
def test_car_reach_is_exactly_the_people_beyond_the_threshold_in_the_matrix(place, threshold, people):
    # Nearest site: Kilworthy 12.5, Housey's Rapids 29.9, Ryde 38.2, Doe Lake 31, Sparrow Lake no
    # route at all; Severn Bridge has no row (excluded, not unreached).
    total, per_area = expected_unreached(threshold)
    assert total == people
    r = reach(place.test_client(), category="health", mode="car", threshold_min=threshold)
    assert (r["distance_method"], r["mode"], r["threshold_min"]) == ("travel_time_matrix", "car", threshold)
    assert r["unreached_population"] == people
    assert r["total_population"] == 1250 + 340 + 75 + 980 + 410
    by_id = {a["id"]: a for a in r["areas"]}
    for code, best in per_area.items():
        a = by_id[code]
        assert a["nearest_min"] == (None if best == float("inf") else best), code
        assert a["unreached_population"] == (AREAS[code][1] if best > threshold else 0)


def test_the_acceptance_figures_written_out(place):
    client = place.test_client()
    at30 = reach(client, category="health", mode="car", threshold_min=30)
    at45 = reach(client, category="health", mode="car", threshold_min=45)
    # nearest: A1 12.5, A2 29.9, A3 38.2, A4 31, A5 none; A6 not in the matrix
    assert at30["unreached_population"] == 75 + 980 + 410 == 1465
    assert at45["unreached_population"] == 410
    ids = {s[0]: store.id_for_external_id(store.open_database(place.config["DATABASE"]), s[1]) for s in SITES}
    by_id = {a["id"]: a for a in at30["areas"]}
    assert (by_id["A1"]["nearest_min"], by_id["A1"]["nearest_asset_id"]) == (12.5, ids["Kilworthy Nursing Station"])
    assert (by_id["A4"]["nearest_min"], by_id["A4"]["nearest_asset_id"]) == (31.0, ids["Severn Bridge Clinic"])
    assert (by_id["A5"]["nearest_min"], by_id["A5"]["nearest_asset_id"]) == (None, None)
    assert by_id["A6"] == {**by_id["A6"], "measured": False, "unreached_population": None, "nearest_min": None}
    assert at30["excluded"] == {
        "areas": {"count": 1, "names": ["Severn Bridge"]},
        "assets": {"count": 0, "names": []},
        "population": 55,
        "reason": "not in the matrix file (neither reached nor unreached)",
    }
    assert at30["unreached_share"] == round(1465 / 3055, 4)
    travel = at30["travel"]
    assert (travel["kind"], travel["mode"], travel["label"], travel["source"]) == (
        "matrix",
        "car",
        "OSRM table, Nov 2026",
        "car.csv",
    )
    assert travel["origins"].startswith("each area's representative point")


def test_import_reports_what_it_skipped_and_says_where_origins_are(place):
    out = place.import_output
    assert "car travel times (OSRM table, Nov 2026): wide matrix in minutes; 5 areas (5 DA) x 4 assets" in out
    assert "Origins are each area's representative point (rep_lon, rep_lat)." in out
    assert "1 origins matching no area: 'Z9'" in out
    assert "1 destinations matching no asset: 'Walk-in Pharmacy'" in out
    db = store.open_database(place.config["DATABASE"])
    # reachable pairs only: 4 sites x 5 areas, less 7 without a route (A2: 1, A3: 2, A5: 4)
    assert db["travel_times"].count == 4 * 5 - 7
    assert (db["travel_time_areas"].count, db["travel_time_assets"].count) == (5, 4)


def test_reimport_replaces_the_mode_and_a_bad_file_changes_nothing(place, tmp_path):
    runner = place.test_cli_runner()
    client = place.test_client()
    before = reach(client, category="health", mode="car", threshold_min=30)
    (tmp_path / "bad.csv").write_text("area_id,Ryde Clinic\nA1,twelve\n")
    result = runner.invoke(args=["import-travel-times", str(tmp_path / "bad.csv"), "--mode", "car"])
    assert result.exit_code == 1
    assert "bad.csv row 2, column 'Ryde Clinic': 'twelve' is not a number" in result.output
    assert "Nothing was saved." in result.output
    assert reach(client, category="health", mode="car", threshold_min=30) == before
    (tmp_path / "nothing.csv").write_text("area_id,Nobody\nQ1,3\n")
    result = runner.invoke(args=["import-travel-times", str(tmp_path / "nothing.csv"), "--mode", "car"])
    assert result.exit_code == 1 and "no cell names both a known area and a known asset" in result.output
    # long format in seconds replaces the whole car matrix: every area now 20 minutes from Ryde Clinic
    rows = "\n".join(f"{a},hs:2,1200" for a in AREAS)
    (tmp_path / "long.csv").write_text("from_id,to_id,travel_time_s\n" + rows + "\n")
    result = runner.invoke(args=["import-travel-times", str(tmp_path / "long.csv"), "--mode", "car"])
    assert result.exit_code == 0, result.output
    assert "long matrix in seconds; 6 areas (6 DA) x 1 assets, 6 reachable pairs stored." in result.output
    after = reach(client, category="health", mode="car", threshold_min=30)
    assert after["unreached_population"] == 0 and after["total_population"] == 3110
    assert {a["nearest_min"] for a in after["areas"]} == {20.0}
    assert after["excluded"]["assets"] == {
        "count": 3,
        "names": ["Kilworthy Nursing Station", "Doe Lake Health Hub", "Severn Bridge Clinic"],
    }
    assert after["assets_used"] == 1
    db = store.open_database(place.config["DATABASE"])
    assert db["travel_times"].count == 6 and db["travel_sources"].count == 1


def test_modes_not_loaded_and_bad_parameters(place):
    client = place.test_client()
    for query, message in [
        ({"mode": "walk"}, "no travel times for walk loaded: import a matrix (import-travel-times --mode walk)"),
        ({"mode": "boat"}, "mode must be one of straight, car, transit, walk, bicycle"),
        ({"mode": "car", "threshold_min": "0"}, "threshold_min must be between 0 and 240 minutes"),
        ({"mode": "car", "threshold_min": "soon"}, "threshold_min must be a number of minutes, not 'soon'"),
        ({"threshold_min": "30"}, "threshold_min needs mode=car|transit|walk|bicycle (straight lines take metres)"),
        ({"mode": "car", "travel_source": "network"}, "no network for car loaded"),
    ]:
        resp = client.get("/api/reach", query_string={"category": "health", **query})
        assert resp.status_code == 400
        assert resp.get_json()["error"].startswith(message), resp.get_json()


def test_default_threshold_is_30_minutes_and_csv_carries_minutes(place):
    client = place.test_client()
    r = reach(client, category="health", mode="car")
    assert r["thresholds"] == {"minutes": 30.0, "basis": "default (30 minutes)"}
    assert r["unreached_population"] == 1465
    text = client.get("/api/reach?category=health&mode=car&threshold_min=30&format=csv").get_data(as_text=True)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert (rows["A4"]["nearest_min"], rows["A4"]["mode"], rows["A4"]["distance_method"]) == (
        "31.0",
        "car",
        "travel_time_matrix",
    )
    assert (rows["A6"]["measured"], rows["A6"]["unreached_population"]) == ("0", "")


def test_access_by_car_minutes_equals_2sfca_by_hand(place):
    client = place.test_client()
    r = client.get("/api/access?category=health&mode=car&catchment_min=40").get_json()
    assert (r["distance_method"], r["catchment_min"], r["mode"]) == ("travel_time_matrix", 40.0, "car")
    # Within 40 minutes: A1 -> Kilworthy (12.5), Ryde (31); A2 -> Kilworthy (29.9), Ryde (30);
    # A3 -> Doe Lake (38.2); A4 -> Kilworthy (33), Severn Bridge (31). A5: nothing. A6: not in the matrix.
    seen = {"kil": 1250 + 340 + 980, "ryde": 1250 + 340, "doe": 75, "sev": 980}
    raw = {
        "A1": 1 / seen["kil"] + 1 / seen["ryde"],
        "A2": 1 / seen["kil"] + 1 / seen["ryde"],
        "A3": 1 / seen["doe"],
        "A4": 1 / seen["kil"] + 1 / seen["sev"],
        "A5": 0.0,
    }
    pops = {k: AREAS[k][1] for k in raw}
    mean = sum(raw[k] * pops[k] for k in raw) / sum(pops.values())
    scores = {a["id"]: a["score"] for a in r["areas"]}
    assert scores == {**{k: round(v / mean, 4) for k, v in raw.items()}, "A6": None}
    assert r["excluded"]["areas"] == {"count": 1, "names": ["Severn Bridge"]}
    resp = client.get("/api/access?category=health&mode=car")
    assert (
        resp.status_code == 400
        and resp.get_json()["error"] == "catchment_min is required (minutes) when a mode is given"
    )


def test_what_if_in_matrix_mode_closes_sites_but_cannot_add_one(place):
    client = place.test_client()
    db = store.open_database(place.config["DATABASE"])
    kilworthy = store.id_for_external_id(db, "hs:1")
    body = {"category": "health", "mode": "car", "threshold_min": 30, "remove": [kilworthy]}
    r = client.post("/api/reach/scenario", json=body).get_json()
    # without Kilworthy: A1's nearest is Ryde at 31 (> 30): 1,250 more people beyond reach; A2 Ryde 30 still in
    assert (r["before"]["unreached_population"], r["after"]["unreached_population"], r["change"]) == (
        1465,
        1465 + 1250,
        1250,
    )
    assert [(a["id"], a["delta"]) for a in r["areas"]] == [("A1", 1250)]
    assert r["distance_method"] == "travel_time_matrix" and r["saved"] is False
    resp = client.post("/api/reach/scenario", json={**body, "remove": [], "add": [{"lon": -79.35, "lat": 44.93}]})
    assert resp.status_code == 400
    assert resp.get_json()["error"].startswith(
        "The car travel-time matrix was computed by a routing engine for the sites that exist; it has no times to a new site."
    )
    assert "import-network --mode car" in resp.get_json()["error"]
    resp = client.get("/api/reach/suggest?category=health&mode=car&threshold_min=30")
    assert resp.status_code == 400 and "straight-line distance only" in resp.get_json()["error"]


def test_confidential_site_in_the_matrix_never_changes_a_public_figure(place):
    db = store.open_database(place.config["DATABASE"])
    client = place.test_client()
    before = reach(client, category="health", mode="car", threshold_min=30)
    # Doe Lake becomes confidential: the matrix still has its column, the public analysis drops it
    db.execute("UPDATE assets SET confidential = 1 WHERE external_id = 'hs:3'")
    db.conn.commit()
    after = reach(client, category="health", mode="car", threshold_min=30)
    assert after["assets_used"] == 3 and before["assets_used"] == 4
    assert "Doe Lake Health Hub" not in json.dumps(after["assets"])
    by_id = {a["id"]: a for a in after["areas"]}
    assert by_id["A3"]["nearest_min"] == 46.0  # Kilworthy: Doe Lake's 38.2 no longer counts
    assert after["excluded_by_precision"] == {"confidential": 1}


def test_travel_sources_command(place):
    result = place.test_cli_runner().invoke(args=["travel-sources"])
    assert result.output.startswith("car matrix: OSRM table, Nov 2026 (car.csv, 20")
    assert result.output.rstrip().endswith("): 5 areas x 4 assets, 13 reachable pairs")


def test_a_category_the_matrix_cannot_measure_says_so(place):
    client = place.test_client()
    r = reach(client, category="food", mode="car", threshold_min=30)
    assert (r["measurable"], r["unreached_population"]) == (False, None)
    assert r["reason"] == "cannot be measured: no located food assets (none in the inventory)"
    db = store.open_database(place.config["DATABASE"])
    store.create_asset(
        db,
        {
            "name": "Kilworthy Pantry",
            "category": "food",
            "longitude": -79.41,
            "latitude": 44.89,
            "location_precision": "exact",
        },
        "test",
    )
    r = reach(client, category="food", mode="car", threshold_min=30)
    assert r["measurable"] is False and r["excluded"]["assets"] == {"count": 1, "names": ["Kilworthy Pantry"]}
    assert r["reason"] == "cannot be measured: none of the 1 located food assets is in the car travel-time file"
    assert {a["unreached_population"] for a in r["areas"]} == {None}
