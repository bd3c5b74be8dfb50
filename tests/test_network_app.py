"""Road networks through the app: import-network, reach and access along the roads, what-if on the network.

The acceptance case (issue 17): on a small hand-built OSM file, a lake the straight line crosses
and the road goes round, network mode gives the road time, not the straight line.
"""

from __future__ import annotations

import json
import shutil

import pytest
from pyproj import Geod

from app import create_app
from assetmap import store
from tests.test_network import LAKE_NODES, lake_ways, write_osm

GEOD = Geod(ellps="WGS84")
WALK_MS = 4.8 / 3.6
WEST, EAST, NORTH_WEST = LAKE_NODES[1], LAKE_NODES[2], LAKE_NODES[3]


def metres(a, b):
    return GEOD.inv(*a, *b)[2]


ROAD_M = (
    metres(LAKE_NODES[1], LAKE_NODES[3]) + metres(LAKE_NODES[3], LAKE_NODES[4]) + metres(LAKE_NODES[4], LAKE_NODES[2])
)
STRAIGHT_M = metres(WEST, EAST)
# A what-if: a new health site at the north-west node, within 30 minutes' walk.
WALK_TO_NEW_NORTH_WEST_SITE = {
    "category": "health",
    "mode": "walk",
    "threshold_min": 30,
    "add": [{"lon": NORTH_WEST[0], "lat": NORTH_WEST[1]}],
}


def tiny_area(code, name, population, lon, lat, half=0.0001):
    """A square about 16 x 22 m around a node, its representative point on the node."""
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {
        "type": "Feature",
        "properties": {"id": code, "name": name, "population": population, "rep_lon": lon, "rep_lat": lat},
        "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]},
    }


@pytest.fixture
def lake(tmp_path):
    """A place with two tiny areas on either shore, a clinic on the east shore, and the walking network."""
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "lake.db"), "SECRET_KEY": "test"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    areas = [tiny_area("W", "West Shore", 100, *WEST), tiny_area("E", "East Shore", 40, *EAST)]
    (tmp_path / "areas.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": areas}))
    assert runner.invoke(args=["import-areas", str(tmp_path / "areas.geojson"), "--level", "DA"]).exit_code == 0
    (tmp_path / "clinic.csv").write_text(
        f"name,category,external_id,longitude,latitude\nEast Clinic,health,c:1,{EAST[0]},{EAST[1]}\n"
    )
    assert runner.invoke(args=["import-assets", str(tmp_path / "clinic.csv")]).exit_code == 0
    write_osm(tmp_path / "lake.osm", LAKE_NODES, lake_ways())
    result = runner.invoke(
        args=["import-network", str(tmp_path / "lake.osm"), "--mode", "walk", "--label", "hand-built lake"]
    )
    assert result.exit_code == 0, result.output
    app.import_output = result.output
    app.tmp = tmp_path
    return app


def get(client, url, **params):
    resp = client.get(url, query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_network_mode_gives_the_road_round_the_lake_not_the_straight_line(lake):
    client = lake.test_client()
    assert ROAD_M / STRAIGHT_M > 2.4  # 3.80 km round, 1.58 km across
    r = get(client, "/api/reach", category="health", mode="walk", threshold_min=30)
    assert (r["distance_method"], r["mode"], r["travel"]["label"]) == ("road_network", "walk", "hand-built lake")
    by_id = {a["id"]: a for a in r["areas"]}
    assert by_id["W"]["nearest_min"] == round(ROAD_M / WALK_MS / 60, 2) == 47.49  # the search goes to 2 x 30 min
    assert by_id["E"]["nearest_min"] == 0.0
    assert (by_id["W"]["unreached_population"], by_id["E"]["unreached_population"]) == (100, 0)
    assert r["unreached_population"] == 100 and r["total_population"] == 140
    # The straight line at walking pace (30 min = 2,400 m, no circuity) crosses the water: everyone "reached".
    straight = get(client, "/api/reach", category="health", threshold_m=2400, circuity=1)
    assert STRAIGHT_M < 2400 and straight["unreached_population"] == 0
    # 48 minutes is enough by the road (47.5 + a few seconds from the houses to the road).
    assert get(client, "/api/reach", category="health", mode="walk", threshold_min=48)["unreached_population"] == 0


def test_import_network_shows_progress_and_keeps_the_network_with_the_place(lake):
    out = lake.import_output
    assert "Reading " in out and "lake.osm for walk (highway ways only)..." in out
    assert "  3 highway ways read (9 node references), 2 usable for walk" in out
    assert (
        "walk network (hand-built lake): 4 nodes, 6 edges from 2 of 3 highway ways (1 left out by access tags)" in out
    )
    db = store.open_database(lake.config["DATABASE"])
    row = store.travel_source(db, "network", "walk")
    folder = lake.tmp / "lake-networks"
    assert store.network_folder(db) == folder
    assert [p.name for p in folder.iterdir()] == [row["file"]]
    assert row["counts"] == {"nodes": 4, "edges": 6, "ways_used": 2, "dropped_nodes": 2}
    # importing again replaces the row and removes the file it pointed to
    result = lake.test_cli_runner().invoke(args=["import-network", str(lake.tmp / "lake.osm"), "--mode", "walk"])
    assert result.exit_code == 0, result.output
    again = store.travel_source(db, "network", "walk")
    assert again["file"] != row["file"] and [p.name for p in folder.iterdir()] == [again["file"]]
    assert again["label"] == "lake.osm"


def test_the_network_is_clipped_to_the_areas(lake):
    nodes = {**LAKE_NODES, 40: (-78.900, 45.000)}  # a road east from the clinic, 6 km beyond the areas
    ways = [*lake_ways(), (400, [2, 40], {"highway": "residential"})]
    path = write_osm(lake.tmp / "long.osm", nodes, ways)
    runner = lake.test_cli_runner()
    db = store.open_database(lake.config["DATABASE"])
    # 1 km above the shore cuts the road round the lake (45.010 is 1.1 km north): nothing usable, nothing saved
    kept = store.travel_source(db, "network", "walk")
    result = runner.invoke(args=["import-network", str(path), "--mode", "walk", "--margin-km", "1"])
    assert result.exit_code == 1
    assert "long.osm: no ways usable for walk (in the clip area)\nNothing was saved." in result.output
    assert store.travel_source(db, "network", "walk") == kept
    assert runner.invoke(args=["import-network", str(path), "--mode", "walk", "--margin-km", "2"]).exit_code == 0
    assert store.travel_source(db, "network", "walk")["counts"]["nodes"] == 4
    assert runner.invoke(args=["import-network", str(path), "--mode", "walk", "--margin-km", "10"]).exit_code == 0
    assert store.travel_source(db, "network", "walk")["counts"]["nodes"] == 5


def test_what_if_on_the_network_snaps_and_searches_a_new_site(lake):
    client = lake.test_client()
    r = client.post("/api/reach/scenario", json=WALK_TO_NEW_NORTH_WEST_SITE).get_json()
    assert r["distance_method"] == "road_network"
    assert (r["before"]["unreached_population"], r["after"]["unreached_population"], r["change"]) == (100, 0, -100)
    assert r["areas"] == [
        {
            "id": "W",
            "name": "West Shore",
            "population": 100,
            "unreached_before": 100,
            "unreached_after": 0,
            "delta": -100,
            "suppressed": False,
        }
    ]
    # closing the only clinic: a fresh search over no site leaves everyone beyond reach
    clinic = store.id_for_external_id(store.open_database(lake.config["DATABASE"]), "c:1")
    r = client.post(
        "/api/reach/scenario", json={**WALK_TO_NEW_NORTH_WEST_SITE, "add": [], "remove": [clinic]}
    ).get_json()
    assert (r["after"]["unreached_population"], r["after"]["assets_used"]) == (140, 0)


def test_a_matrix_mode_what_if_falls_back_to_the_network_for_a_new_site(lake):
    (lake.tmp / "walk.csv").write_text("area_id,East Clinic\nW,45\nE,1\n")
    runner = lake.test_cli_runner()
    assert runner.invoke(args=["import-travel-times", str(lake.tmp / "walk.csv"), "--mode", "walk"]).exit_code == 0
    client = lake.test_client()
    matrix = get(client, "/api/reach", category="health", mode="walk", threshold_min=30)
    assert matrix["distance_method"] == "travel_time_matrix"  # the matrix answers first ...
    network = get(client, "/api/reach", category="health", mode="walk", threshold_min=30, travel_source="network")
    assert network["distance_method"] == "road_network"  # ... unless the network is asked for
    r = client.post("/api/reach/scenario", json=WALK_TO_NEW_NORTH_WEST_SITE).get_json()
    assert r["distance_method"] == "road_network" and r["change"] == -100
    assert r["note"].startswith("The walk matrix has no times to a new site, so before and after are both measured")


def test_access_along_the_network(lake):
    client = lake.test_client()
    r = get(client, "/api/access", category="health", mode="walk", catchment_min=60)
    assert {a["id"]: a["score"] for a in r["areas"]} == {"E": 1.0, "W": 1.0}  # both within an hour of the one clinic
    r = get(client, "/api/access", category="health", mode="walk", catchment_min=40)
    # only the east shore is within 40 minutes: supply 1 / 40 people there; the average over 140 people is 1/140
    assert {a["id"]: a["score"] for a in r["areas"]} == {"E": 3.5, "W": 0.0}
    assert r["distance_method"] == "road_network"


def test_a_missing_network_file_is_explained(lake):
    client = lake.test_client()
    db = store.open_database(lake.config["DATABASE"])
    (store.network_folder(db) / store.travel_source(db, "network", "walk")["file"]).unlink()
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")  # drop the cached network
    db.conn.commit()
    resp = client.get("/api/reach?category=health&mode=walk&threshold_min=30")
    assert resp.status_code == 400
    assert (
        "network file" in resp.get_json()["error"]
        and "run import-network --mode walk again" in resp.get_json()["error"]
    )


def test_backup_keeps_the_road_networks_and_a_restore_elsewhere_routes_again(lake, tmp_path):
    # A backup is the database and the road networks it names; a restore on another machine (another
    # folder) measures along the roads again, figure for figure.
    runner = lake.test_cli_runner()
    before = get(lake.test_client(), "/api/reach", category="health", mode="walk", threshold_min=30)
    result = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    assert "1 road network" in result.output
    copy = next((tmp_path / "backups").glob("assetmap-*.db"))
    db = store.open_database(lake.config["DATABASE"])
    row = store.travel_source(db, "network", "walk")
    saved = store.network_folder_for(copy) / row["file"]
    assert saved.read_bytes() == (store.network_folder(db) / row["file"]).read_bytes()
    elsewhere = create_app({"TESTING": True, "DATABASE": str(tmp_path / "new" / "place.db"), "SECRET_KEY": "test"})
    other = elsewhere.test_cli_runner()
    assert other.invoke(args=["init-db"]).exit_code == 0
    restored = other.invoke(args=["restore", str(copy), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = get(elsewhere.test_client(), "/api/reach", category="health", mode="walk", threshold_min=30)
    assert (after["distance_method"], after["areas"]) == ("road_network", before["areas"])
    # --keep 1 removes an older backup's networks with it
    assert runner.invoke(args=["backup", str(tmp_path / "backups"), "--keep", "1"]).exit_code == 0
    kept = sorted((tmp_path / "backups").iterdir())
    assert len(kept) == 2 and not saved.exists()
    assert {p.name for p in kept} == {(newest := next(p for p in kept if p.suffix == ".db")).name,
                                      store.network_folder_for(newest).name}  # fmt: skip


def test_restoring_a_backup_without_its_networks_says_which_are_missing(lake, tmp_path):
    runner = lake.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "backups")]).exit_code == 0
    copy = next((tmp_path / "backups").glob("assetmap-*.db"))
    shutil.rmtree(store.network_folder_for(copy))  # a backup made before backups held networks
    elsewhere = create_app({"TESTING": True, "DATABASE": str(tmp_path / "new" / "place.db"), "SECRET_KEY": "test"})
    other = elsewhere.test_cli_runner()
    assert other.invoke(args=["init-db"]).exit_code == 0
    restored = other.invoke(args=["restore", str(copy), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "walk road network" in restored.output and "import-network" in restored.output
