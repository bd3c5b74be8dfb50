"""Asset and area imports: good rows kept, bad rows reported by number and reason, no duplicates."""

import json

import pytest

from assetmap import store
from assetmap.formats.area_import import import_areas
from assetmap.formats.asset_import import import_assets
from assetmap.formats.tables import ImportFileError
from assetmap.geocoding import OfflineGeocoder
from assetmap.services.demo import DATA_DIR

MIXED_CSV = """name,category,latitude,longitude,address,postal_code,phone,website
Good Park,parks,45.10,-79.30,,,,
Bad Lat,parks,95,-79.3,,,,
,food,45.1,-79.3,,,,
Unknown Cat,spas-and-stuff,45.1,-79.3,,,,
Postal Only,Food,,,1 Main St,P1H 1H7,705-555-0100,example.org/food
Half Point,food,45.1,,,,,
No Place,food,,,,,,
Bad Post,food,45.1,-79.3,,12345,,
Short Phone,food,45.1,-79.3,,,12,
Town Only,health,,,"Hospital Rd, Bracebridge",,,
"""


@pytest.fixture
def geocoder():
    return OfflineGeocoder(gazetteer_path=DATA_DIR / "gazetteer.csv")


def test_mixed_rows_exact_counts_and_reasons(empty_db, tmp_path, geocoder):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED_CSV)
    report = import_assets(empty_db, path, geocoder=geocoder)
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    assert report.errors == [
        (3, "latitude 95.0 is outside -90..90"),
        (4, "name is required"),
        (
            5,
            "unknown category 'spas-and-stuff' (known: parks, food, transport, community_groups, health, "
            "social_services, recreation, culture, early_years)",
        ),
        (7, "give both latitude and longitude, or neither"),
        (8, "give latitude/longitude, or an address, postal code or town to locate it"),
        (9, "postal code '12345' is not a Canadian (A1A 1A1) or UK postcode"),
        (10, "phone '12' has fewer than 7 digits"),
    ]
    rows = {r["name"]: r for r in empty_db.query("SELECT * FROM assets")}
    assert set(rows) == {"Good Park", "Postal Only", "Town Only"}
    assert rows["Good Park"]["location_precision"] == "exact"
    # P1H 1H7 geocoded offline from the GeoNames table: an urban postal code point.
    postal = rows["Postal Only"]
    assert (postal["latitude"], postal["longitude"]) == (45.2771, -79.2618)
    assert postal["location_precision"] == "postal_code"
    assert postal["category"] == "food"  # matched on the label, case-insensitively
    assert postal["website"] == "https://example.org/food"
    # An address with only a town name is placed at the town point and says so.
    town = rows["Town Only"]
    assert (town["latitude"], town["longitude"], town["location_precision"]) == (45.0334, -79.3163, "community")
    assert report.warnings == [(11, "located only approximately (community) from 'Bracebridge'")]


def test_reimport_same_file_creates_no_duplicates(empty_db, tmp_path, geocoder):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED_CSV)
    import_assets(empty_db, path, geocoder=geocoder)
    again = import_assets(empty_db, path, geocoder=geocoder)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert empty_db["assets"].count == 3


def test_reimport_with_changed_field_updates_in_place(empty_db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("name,category,latitude,longitude,phone\nPool,recreation,45.0,-79.0,705-555-0101\n")
    import_assets(empty_db, path)
    path.write_text("name,category,latitude,longitude,phone\nPool,recreation,45.0002,-79.0002,705-555-0199\n")
    report = import_assets(empty_db, path)
    assert (report.inserted, report.updated) == (0, 1)
    row = next(iter(empty_db.query("SELECT phone, version, latitude FROM assets")))
    assert row == {"phone": "705-555-0199", "version": 2, "latitude": 45.0002}


def test_two_ids_of_one_source_are_two_places_even_with_one_name_at_one_spot(empty_db, tmp_path):
    # Trafford's green spaces: two play spaces named after the same postcode, 40 m apart. The
    # source's own ids say they are two; an id from another source may still be the same place.
    path = tmp_path / "a.csv"
    path.write_text(
        "external_id,name,category,latitude,longitude\n"
        "t:park:1,Play space near M16 0UP,parks,53.4600,-2.2738\n"
        "t:park:2,Play space near M16 0UP,parks,53.4603,-2.2740\n"
        "osm:node/9,Play space near M16 0UP,parks,53.4601,-2.2739\n"
    )
    report = import_assets(empty_db, path)
    assert (report.inserted, report.updated) == (2, 1)
    rows = [r["external_id"] for r in empty_db.query("SELECT external_id FROM assets ORDER BY id")]
    assert rows == ["osm:node/9", "t:park:2"]  # the OSM row updated the first (same name, same place)


def test_geojson_points_and_extra_properties(empty_db, tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-79.2, 45.3]},
                "properties": {"name": "Trail", "category": "parks", "osm_id": "way/123"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                "properties": {"name": "Line", "category": "parks"},
            },
        ],
    }
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps(doc))
    report = import_assets(empty_db, path)
    assert report.inserted == 1
    assert report.errors == [(2, "geometry must be a Point, not LineString")]
    row = next(iter(empty_db.query("SELECT longitude, latitude, extra FROM assets")))
    assert (row["longitude"], row["latitude"]) == (-79.2, 45.3)
    assert json.loads(row["extra"]) == {"osm_id": "way/123"}


def test_unreadable_files_give_clear_errors(empty_db, tmp_path):
    bad = tmp_path / "a.json"
    bad.write_text("{not json")
    with pytest.raises(ImportFileError, match=r"a.json: not valid JSON"):
        import_assets(empty_db, bad)
    other = tmp_path / "a.xls"
    other.write_text("x")
    with pytest.raises(ImportFileError, match=r"unsupported file type .xls"):
        import_assets(empty_db, other)


def test_import_areas_numeric_properties_become_indicators(empty_db, tmp_path):
    square = [[[-79.0, 45.0], [-78.99, 45.0], [-78.99, 45.01], [-79.0, 45.01], [-79.0, 45.0]]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": square},
                "properties": {"id": "A1", "name": "North", "population": 120, "Seniors %": 31.5, "note": "text"},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[500000, 5000000], [500100, 5000000], [500100, 5000100], [500000, 5000000]]],
                },
                "properties": {"id": "A2", "population": 5},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": square},
                "properties": {"name": "no id"},
            },
        ],
    }
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(doc))
    report = import_areas(empty_db, path, "LSOA")
    assert report.written == 1
    assert report.indicators == ["seniors"]
    assert report.errors[0][0] == 2 and "reproject to WGS84" in report.errors[0][1]
    assert report.errors[1][0] == 3 and report.errors[1][1].startswith("no id property")
    area = next(iter(empty_db.query("SELECT * FROM areas")))
    assert (area["id"], area["name"], area["level"], area["population"], area["seniors"]) == (
        "A1",
        "North",
        "LSOA",
        120,
        31.5,
    )
    # 0.01° x 0.01° at 45°N is about 0.787 km x 1.112 km
    assert area["land_area_km2"] == pytest.approx(0.8751, rel=2e-3)
    assert store.indicator_keys(empty_db) == ["seniors"]


def test_a_row_with_only_a_town_is_placed_at_the_town_and_says_so(empty_db, tmp_path, geocoder):
    """Community groups often have a town and nothing else: placed at the town's point, as approximate."""
    path = tmp_path / "towns.csv"
    path.write_text(
        "name,category,address,community\nKnitting Circle,community_groups,,Bracebridge\nNowhere Club,community_groups,,\n"
    )
    report = import_assets(empty_db, path, geocoder=geocoder)
    assert report.inserted == 1
    assert report.errors == [(3, "give latitude/longitude, or an address, postal code or town to locate it")]
    row = next(empty_db.query("SELECT * FROM assets WHERE name = 'Knitting Circle'"))
    assert row["latitude"] is not None and row["location_precision"] not in ("exact", "address", "postal_code")
