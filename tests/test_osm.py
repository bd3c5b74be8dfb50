"""OpenStreetMap import: a tiny .osm.pbf written with osmium, Overpass JSON and GeoJSON."""

import json

import osmium
import pytest
from osmium.osm.mutable import Node, Relation, Way

from assetmap.formats import osm
from assetmap.vocab import abcd

SQUARE = [(-79.31, 45.01), (-79.30, 45.01), (-79.30, 45.02), (-79.31, 45.02)]


def write_pbf(path, *, pantry_name="Lakeside Pantry", version=1):
    """Nodes (a food bank, a supermarket, an unnamed bus stop, a private pool, a clothes shop),
    a park drawn as a closed way and a nature reserve as a multipolygon relation."""
    w = osmium.SimpleWriter(str(path))
    w.add_node(
        Node(
            id=1,
            version=version,
            location=(-79.3, 45.0),
            tags={
                "amenity": "social_facility",
                "social_facility": "food_bank",
                "name": pantry_name,
                "opening_hours": "Tu,Th 10:00-14:00",
                "addr:housenumber": "12",
                "addr:street": "Main St",
                "addr:city": "Huntsville",
                "addr:postcode": "P1H 1A1",
                "phone": "+1 705-555-0100",
                "wheelchair": "yes",
            },
        )
    )
    w.add_node(
        Node(
            id=2,
            version=1,
            location=(-79.25, 45.05),
            tags={
                "shop": "supermarket",
                "name": "Corner Grocer",
                "opening_hours": "Mo-Sa 08:00-21:00",
                "addr:postcode": "12345",
                "website": "not a url",
            },
        )
    )
    w.add_node(Node(id=3, version=1, location=(-79.2, 45.1), tags={"highway": "bus_stop", "ref": "12"}))
    w.add_node(Node(id=4, version=1, location=(-79.2, 45.2), tags={"leisure": "swimming_pool", "access": "private"}))
    w.add_node(Node(id=5, version=1, location=(-79.2, 45.3), tags={"shop": "clothes", "name": "Boutique"}))
    for i, loc in enumerate(SQUARE, start=10):
        w.add_node(Node(id=i, version=1, location=loc))
    w.add_way(Way(id=20, version=1, nodes=[10, 11, 12, 13, 10], tags={"leisure": "park", "name": "Green Square"}))
    for i, loc in enumerate([(-79.4, 45.2), (-79.38, 45.2), (-79.38, 45.22), (-79.4, 45.22)], start=30):
        w.add_node(Node(id=i, version=1, location=loc))
    w.add_way(Way(id=40, version=1, nodes=[30, 31, 32, 33, 30], tags={}))
    w.add_relation(
        Relation(
            id=50,
            version=1,
            members=[("w", 40, "outer")],
            tags={"type": "multipolygon", "leisure": "nature_reserve", "name": "Wet Woods"},
        )
    )
    w.close()
    return path


# fmt: skip


def assets(db):
    return {r["external_id"]: r for r in db.query("SELECT * FROM assets")}


def test_pbf_import(empty_db, tmp_path):
    path = write_pbf(tmp_path / "tiny.osm.pbf")
    report = osm.import_osm(empty_db, path)
    assert (report.inserted, report.updated, report.errors, report.unmatched) == (5, 0, [], 1)
    assert dict(report.skipped) == {"access=private": 1}
    assert report.warnings == [
        ("node/2", "addr:postcode '12345' is not a Canadian or UK postcode; kept in the tags only"),
        ("node/2", "website 'not a url' is not valid; kept in the tags only"),
    ]
    rows = assets(empty_db)
    assert set(rows) == {"osm:node/1", "osm:node/2", "osm:node/3", "osm:way/20", "osm:relation/50"}
    pantry = rows["osm:node/1"]
    assert {k: pantry[k] for k in (
        "name", "category", "subcategory", "address", "community", "postal_code", "phone", "opening_hours",
        "accessibility", "latitude", "longitude", "location_precision", "precision_source", "source", "source_url",
    )} == {
        "name": "Lakeside Pantry", "category": "food", "subcategory": "food bank", "address": "12 Main St",
        "community": "Huntsville", "postal_code": "P1H 1A1", "phone": "+1 705-555-0100",
        "opening_hours": "Tu,Th 10:00-14:00", "accessibility": "wheelchair=yes", "latitude": 45.0,
        "longitude": -79.3, "location_precision": "exact", "precision_source": "OpenStreetMap node position",
        "source": f"{osm.ATTRIBUTION}; OSM extract tiny.osm.pbf",
        "source_url": "https://www.openstreetmap.org/node/1",
    }  # fmt: skip
    assert json.loads(pantry["extra"])["osm"]["tags"]["social_facility"] == "food_bank"
    grocer = rows["osm:node/2"]
    assert (grocer["category"], grocer["postal_code"], grocer["website"]) == ("food", "", "")
    assert abcd.effective_type(grocer, abcd.load_types()) == "local_economy"
    assert rows["osm:node/3"]["name"] == "Bus stop (12)"
    park = rows["osm:way/20"]
    assert park["latitude"] == pytest.approx(45.015, abs=1e-5)
    assert park["longitude"] == pytest.approx(-79.305, abs=1e-5)
    assert park["location_precision"] == "landmark"
    assert park["precision_source"] == "OpenStreetMap way: centroid of a 0.876 km² outline (projected)"
    reserve = rows["osm:relation/50"]
    assert (reserve["name"], reserve["category"], reserve["location_precision"]) == ("Wet Woods", "parks", "landmark")
    assert reserve["latitude"] == pytest.approx(45.21, abs=1e-5)


def test_pbf_reimport_updates_in_place(empty_db, tmp_path):
    path = tmp_path / "muskoka.osm.pbf"
    osm.import_osm(empty_db, write_pbf(path))
    again = osm.import_osm(empty_db, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    path.unlink()
    newer = osm.import_osm(empty_db, write_pbf(path, pantry_name="Lakeside Food Pantry", version=2))
    assert (newer.inserted, newer.updated, newer.unchanged) == (0, 1, 4)
    assert empty_db["assets"].count == 5
    pantry = assets(empty_db)["osm:node/1"]
    assert (pantry["name"], pantry["version"], json.loads(pantry["extra"])["osm"]["version"]) == (
        "Lakeside Food Pantry",
        2,
        2,
    )


def test_overpass_json_and_geojson(empty_db, tmp_path):
    overpass = {
        "elements": [
            {"type": "node", "id": 7, "lat": 45.1, "lon": -79.3, "tags": {"amenity": "library", "name": "Branch"}},
            {"type": "way", "id": 8, "center": {"lat": 45.2, "lon": -79.4}, "tags": {"leisure": "park", "name": "P"}},
            {"type": "way", "id": 9, "tags": {"leisure": "park", "name": "No geometry"}},
            {"type": "node", "id": 10, "lat": 45.0, "lon": -79.0},
        ]
    }
    path = tmp_path / "overpass.json"
    path.write_text(json.dumps(overpass))
    report = osm.import_osm(empty_db, path)
    assert (report.inserted, report.errors) == (
        2,
        [("way/9", "no coordinates (for Overpass, ask for 'out center;' or 'out geom;')")],
    )
    rows = assets(empty_db)
    assert (rows["osm:node/7"]["category"], rows["osm:node/7"]["location_precision"]) == ("culture", "exact")
    assert rows["osm:way/8"]["precision_source"] == "OpenStreetMap way: centre given by Overpass"
    gj = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": "node/7", "properties": {"amenity": "library", "name": "Branch"},
             "geometry": {"type": "Point", "coordinates": [-79.3, 45.1]}},
            {"type": "Feature", "properties": {"@id": "way/11", "highway": "bus_stop", "name": "Stop"},
             "geometry": {"type": "Polygon", "coordinates": [SQUARE + [SQUARE[0]]]}},
            {"type": "Feature", "properties": {"name": "?"}, "geometry": None},
        ],
    }  # fmt: skip
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps(gj))
    report = osm.import_osm(empty_db, path)
    assert (report.inserted, report.updated) == (1, 1)  # node/7 again, now from this file
    assert report.errors == [("feature", "no OSM id (expected node/123, way/45 or relation/6)")]
    assert assets(empty_db)["osm:way/11"]["category"] == "transport"


def test_tag_map_file_is_editable(empty_db, tmp_path):
    mapping = tmp_path / "map.csv"
    mapping.write_text("tags,category\nshop=clothes,community_groups\n")
    report = osm.import_osm(empty_db, write_pbf(tmp_path / "t.osm.pbf"), tag_map_path=mapping)
    assert (report.inserted, report.unmatched) == (1, 1)  # the supermarket has a shop tag too
    assert [r["name"] for r in empty_db.query("SELECT name FROM assets")] == ["Boutique"]
    mapping.write_text("tags,category\nshop=clothes,bakeries\n")
    with pytest.raises(osm.ImportFileError, match="unknown category 'bakeries'"):
        osm.import_osm(empty_db, tmp_path / "t.osm.pbf", tag_map_path=mapping)
    mapping.write_text("tags,category\nshop,food\n")
    with pytest.raises(osm.ImportFileError, match="tags must be key=value pairs"):
        osm.import_osm(empty_db, tmp_path / "t.osm.pbf", tag_map_path=mapping)


def test_cli_import_osm(runner, tmp_path):
    path = write_pbf(tmp_path / "tiny.osm.pbf")
    result = runner.invoke(args=["import-osm", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        f"{path}: 5 added, 0 updated, 0 unchanged, 0 rejected, 1 skipped, 1 tagged features matched no mapping."
        in result.output
    )
    assert "Skipped 1 feature(s) tagged access=private." in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("x")
    result = runner.invoke(args=["import-osm", str(bad)])
    assert result.exit_code == 1 and "give an .osm.pbf" in result.output
