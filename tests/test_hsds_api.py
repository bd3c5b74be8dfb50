"""HSDS 3.0 read API: pages as the OpenAPI describes them, filters, proximity in metres, errors."""

import json

import pytest
from pyproj import Geod

from app import create_app
from assetmap.formats.hsds import package as hsds_io
from assetmap.formats.hsds import schema as hsds_schema
from assetmap.formats.hsds.objects import uid
from assetmap.geocoding import OfflineGeocoder
from assetmap.services.demo import DATA_DIR

PAGE_KEYS = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"]


def get(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def test_meta_and_openapi(client):
    assert get(client, "/hsds/") == {
        "version": "3.0",
        "profile": "https://docs.openreferral.org/en/latest/hsds/",
        "openapi_url": "http://localhost/hsds/openapi.json",
    }
    spec = get(client, "/hsds/openapi.json")
    assert set(spec["paths"]) >= {"/services", "/services/{id}", "/organizations", "/service_at_locations"}


def test_services_pages(client):
    first = get(client, "/hsds/services?per_page=50")
    assert list(first) == PAGE_KEYS
    assert {k: first[k] for k in PAGE_KEYS[:-1]} == {
        "total_items": 149,
        "total_pages": 3,
        "page_number": 1,
        "size": 50,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    last = get(client, "/hsds/services?per_page=50&page=3")
    assert (last["size"], last["first_page"], last["last_page"], last["empty"]) == (49, False, True, False)
    beyond = get(client, "/hsds/services?per_page=50&page=4")
    assert (beyond["size"], beyond["empty"], beyond["contents"]) == (0, True, [])
    ids = [s["id"] for p in (1, 2, 3) for s in get(client, f"/hsds/services?per_page=50&page={p}")["contents"]]
    assert len(set(ids)) == 149
    for item in first["contents"]:
        assert hsds_schema.errors("service", item) == []
        assert set(item["organization"]) <= {"id", "name", "description"}


def test_service_detail_equals_the_export(client, db, tmp_path):
    hsds_io.export_hsds(db, tmp_path, formats=("json",))
    exported = {d["name"]: d for d in json.loads((tmp_path / "services.json").read_text())}
    doc = exported["Arrowhead Provincial Park"]
    found = get(client, f"/hsds/services/{doc['id']}")
    assert found == doc
    assert hsds_schema.errors("service", found) == []
    assert get(client, "/hsds/services/nope", 404) == {"error": "no service with id nope"}
    full = get(client, "/hsds/services?search=arrowhead&full=true")
    assert (full["total_items"], full["contents"]) == (1, [doc])


def test_search_taxonomy_and_organization_filters(client):
    assert [s["name"] for s in get(client, "/hsds/services?search=arrowhead")["contents"]] == [
        "Arrowhead Provincial Park"
    ]
    terms = {(t["taxonomy"], t["code"]): t["id"] for t in get(client, "/hsds/taxonomy_terms")["contents"]}
    assert len(terms) == 9 + 7
    assert terms[("assetmap_category", "food")] == uid("taxonomy_term", "assetmap_category", "food")
    food = get(client, f"/hsds/services?taxonomy_term_id={terms[('assetmap_category', 'food')]}&per_page=200")
    assert food["total_items"] == 23
    associations = get(client, f"/hsds/services?taxonomy_term_id={terms[('abcd_asset_type', 'associations')]}")
    assert associations["total_items"] == 21
    institutions = get(client, f"/hsds/services?taxonomy_term_id={terms[('abcd_asset_type', 'institutions')]}")
    assert institutions["total_items"] == 23 + 13 + 14 + 15 + 4  # food, transport, health, social, early years
    unknown = get(client, f"/hsds/services?taxonomy_term_id={uid('x')}")
    assert unknown["total_items"] == 0
    one = get(client, "/hsds/services?per_page=1")["contents"][0]
    by_org = get(client, f"/hsds/services?organization_id={one['organization_id']}")
    assert [s["id"] for s in by_org["contents"]] == [one["id"]]
    orgs = get(client, "/hsds/organizations?per_page=5")
    assert orgs["total_items"] == 149
    org = get(client, f"/hsds/organizations/{one['organization_id']}")
    assert org["services"] == [{"id": one["id"], "name": one["name"]}]
    assert hsds_schema.errors("organization", org) == []
    assert get(client, "/hsds/organizations/nope", 404) == {"error": "no organization with id nope"}


def test_postcode_matches_address_postal_codes(client):
    exact = get(client, "/hsds/service_at_locations?postcode=p1h2j4")
    assert [s["service"]["name"] for s in exact["contents"]] == ["Arrowhead Provincial Park"]
    fsa = get(client, "/hsds/service_at_locations?postcode=P1L&per_page=200")
    assert fsa["total_items"] == 5  # six P1L codes, one of them the confidential shelter
    # The confidential shelter with postal code P1L 1T9 never matches.
    shelter = get(client, "/hsds/service_at_locations?postcode=P1L 1T9")
    assert shelter["total_items"] == 0


@pytest.fixture
def placed_client(tmp_path, empty_db):
    """Three food assets at known geodesic distances north of the P1H 2J4 postal code point."""
    from assetmap import store

    centre = OfflineGeocoder(gazetteer_path=DATA_DIR / "gazetteer.csv").geocode("P1H 2J4")
    geod = Geod(ellps="WGS84")
    for name, metres, confidential in [("Near", 950, 0), ("Far", 1050, 0), ("Secret", 10, 1)]:
        lon, lat, _ = geod.fwd(centre.longitude, centre.latitude, 0, metres)
        store.save_asset(
            empty_db,
            {"name": name, "category": "food", "latitude": lat, "longitude": lon, "location_precision": "exact",
             "confidential": confidential},
        )  # fmt: skip
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "empty.db"), "SECRET_KEY": "t"})
    return app.test_client()


def test_proximity_is_metres_from_the_postcode_centroid(placed_client):
    names = lambda page: [s["service"]["name"] for s in page["contents"]]  # noqa: E731
    assert names(get(placed_client, "/hsds/service_at_locations?postcode=P1H 2J4&proximity=1000")) == ["Near"]
    assert names(get(placed_client, "/hsds/service_at_locations?postcode=P1H 2J4&proximity=1100")) == ["Near", "Far"]
    assert names(get(placed_client, "/hsds/service_at_locations?postcode=P1H 2J4&proximity=900")) == []
    services = get(placed_client, "/hsds/services?postcode=P1H 2J4&proximity=1000")
    assert [s["name"] for s in services["contents"]] == ["Near"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("proximity=1000", "proximity is measured from a postcode: give postcode too"),
        ("postcode=P1H 2J4&proximity=-5", "proximity must be a distance in metres between 0 and 500,000"),
        ("postcode=P1H 2J4&proximity=5km", "proximity must be a distance in metres, not '5km'"),
        ("postcode=12345", "postcode '12345' is not a Canadian postal code (A1A 1A1) or FSA (A1A)"),
        ("postcode=Z9Z 9Z9&proximity=100", "postcode 'Z9Z 9Z9' is not a Canadian postal code (A1A 1A1) or FSA (A1A)"),
        ("postcode=P0A 9Z9&proximity=100", "postcode 'P0A 9Z9' is not in the offline postal code table"),
        ("page=0", "page must be 1 or more"),
        ("per_page=1000", "per_page must be at most 200"),
        ("page=two", "page must be a whole number, not 'two'"),
        ("full=maybe", "full must be true or false"),
        ("format=xml", "format must be one of json, ndjson"),
    ],
)
def test_bad_parameters_are_400(client, query, message):
    assert get(client, f"/hsds/service_at_locations?{query}", 400) == {"error": message}


def test_service_at_locations_and_confidential_sites(client):
    page = get(client, "/hsds/service_at_locations?search=interval")
    assert page["total_items"] == 1
    sal = page["contents"][0]
    assert set(sal["location"]) == {"id", "location_type", "name"}  # no coordinates, no address
    full = get(client, f"/hsds/service_at_locations/{sal['id']}")
    assert "latitude" not in full["location"] and "addresses" not in full["location"]
    assert hsds_schema.errors("service_at_location", full) == []
    assert full["service"]["name"] == "Muskoka Interval House (Muskoka Women's Advocacy Group)"
    assert get(client, "/hsds/service_at_locations/nope", 404) == {"error": "no service_at_location with id nope"}


def test_ndjson_streams_every_service(client):
    resp = client.get("/hsds/services?format=ndjson")
    assert resp.status_code == 200 and resp.mimetype == "application/x-ndjson"
    lines = resp.get_data(as_text=True).splitlines()
    assert len(lines) == 149
    assert all(hsds_schema.errors("service", json.loads(line)) == [] for line in lines)


def test_taxonomies(client):
    page = get(client, "/hsds/taxonomies")
    assert [t["name"] for t in page["contents"]] == ["assetmap_category", "abcd_asset_type", "assetmap_field"]
    assert all(hsds_schema.errors("taxonomy", t) == [] for t in page["contents"])
