"""JSON API: exact payloads, filters, errors, caching headers."""

import gzip
import json

import pytest


def features(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/geo+json"
    doc = resp.get_json(force=True)
    assert doc["type"] == "FeatureCollection"
    return doc["features"]


def test_categories_payload(client):
    resp = client.get("/api/categories")
    assert resp.status_code == 200
    cats = resp.get_json()["categories"]
    assert [c["slug"] for c in cats] == [
        "parks",
        "food",
        "transport",
        "community_groups",
        "health",
        "social_services",
        "recreation",
        "culture",
        "early_years",
    ]
    assert cats[1] == {
        "slug": "food",
        "label": "Food",
        "label_fr": "Alimentation",
        "colour": "#c2410c",
        "symbol": "F",
        "sort_order": 2,
        "description": "Food banks, meal programs, meal delivery and low-cost food",
        "threshold_urban_m": 1609.0,
        "threshold_rural_m": 16093.0,
        "threshold_basis": "Borrowed from the USDA Food Access Research Atlas (1 mile urban, 10 miles rural), which "
        "measures straight-line distance to supermarkets; applied here to every food asset, with distance estimated as "
        "straight line × circuity.",
        "asset_count": 23,
    }


def test_bbox_and_category_filter_exact(client):
    # Downtown Bracebridge, food only: a point known to be off (Manna's PO-box postal point) and town points.
    feats = features(client.get("/api/assets?bbox=-79.35,45.0,-79.28,45.06&category=food"))
    assert [(f["properties"]["name"], f["geometry"]["coordinates"]) for f in feats] == [
        ("Bracebridge community fridges (planned, 2)", [-79.3163, 45.0334]),
        ("Bracebridge Out of the Cold (free weekly community meal)", [-79.3163, 45.0334]),
        ("Manna Food Bank", [-79.31, 45.046]),
        ("The Salvation Army South Muskoka (Bracebridge food bank)", [-79.3163, 45.0334]),
    ]
    manna = feats[2]
    assert manna == {
        "type": "Feature",
        "id": manna["id"],
        "geometry": {"type": "Point", "coordinates": [-79.31, 45.046]},
        "properties": {
            "id": manna["id"],
            "name": "Manna Food Bank",
            "category": "food",
            "location_precision": "unreliable",  # a PO box's postal code, not the premises
            "community": "Bracebridge",
            "municipality": "Bracebridge",
            "confidential": False,
            "precise": False,
        },
    }
    assert feats[3]["properties"]["precise"] is False


def test_bbox_never_returns_confidential_sites(client, db):
    names = {f["properties"]["name"] for f in features(client.get("/api/assets?bbox=-79.35,45.0,-79.28,45.06"))}
    stored = {
        r["name"]: r["confidential"]
        for r in db.query(
            "SELECT name, confidential FROM assets WHERE latitude BETWEEN 45.0 AND 45.06 AND longitude BETWEEN -79.35 AND -79.28"
        )
    }
    assert sorted(n for n, c in stored.items() if c) == [
        "Alex's Place (youth transitional housing, District of Muskoka)",
        "Muskoka Interval House (Muskoka Women's Advocacy Group)",
    ]
    assert names == {n for n, c in stored.items() if not c}


def test_full_list_includes_unmapped_without_geometry(client):
    feats = features(client.get("/api/assets"))
    assert len(feats) == 149
    unmapped = features(client.get("/api/assets?mapped=0"))
    assert len(unmapped) == 16 + 4  # no location, and the four confidential sites
    assert all(f["geometry"] is None for f in unmapped)
    shelter = next(f for f in unmapped if f["properties"]["name"].startswith("Chrysalis"))
    assert shelter["properties"]["confidential"] is True


def test_multiple_categories_and_text_search(client):
    feats = features(client.get("/api/assets?category=food&category=health&q=hospital"))
    assert sorted(f["properties"]["name"] for f in feats) == [
        "Huntsville District Memorial Hospital (Muskoka Algonquin Healthcare)",
        "South Muskoka Memorial Hospital (Muskoka Algonquin Healthcare)",
    ]
    same = features(client.get("/api/assets?category=food,health&q=HOSP"))  # prefix, any case
    assert [f["id"] for f in same] == [f["id"] for f in feats]


def test_text_search_ignores_accents(client, db):
    db["assets"].insert({"name": "Société Saint-Vincent de Paul", "category": "food", "location_precision": "none"})
    feats = features(client.get("/api/assets?q=societe"))
    assert [f["properties"]["name"] for f in feats] == ["Société Saint-Vincent de Paul"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("bbox=1,2,3", "bbox must be four numbers: minlon,minlat,maxlon,maxlat"),
        ("bbox=-79,46,-80,45", "bbox minimums must not exceed maximums (minlon,minlat,maxlon,maxlat)"),
        (
            "category=libraries",
            "unknown category 'libraries'; known: community_groups, culture, early_years, food, health, parks, recreation, social_services, transport",
        ),
        ("mapped=yes", "mapped must be one of 0, 1"),
        ("q=" + "x" * 300, "q is too long (at most 200 characters)"),
    ],
)
def test_bad_parameters_get_400_json(client, query, message):
    resp = client.get("/api/assets?" + query)
    assert resp.status_code == 400
    assert resp.get_json() == {"error": message}


@pytest.mark.parametrize(
    "q, words, count",
    [
        ('"unbalanced', "unbalanced", 0),
        ("NEAR(", "near", 2),
        ("a OR", "a or", 12),  # OR is a word (a prefix), not an operator
        ("food AND -", "food and", 1),
        ("*", "", None),  # no word at all: nothing matches
    ],
)
def test_fts_syntax_in_q_is_not_an_error(client, q, words, count):
    """FTS5 syntax in q is searched for as plain words, each a prefix."""
    resp = client.get("/api/assets", query_string={"q": q})
    assert resp.status_code == 200
    names = [f["properties"]["name"] for f in resp.get_json(force=True)["features"]]
    if count is None:
        assert names == []
        return
    assert len(names) == count
    assert names == [f["properties"]["name"] for f in features(client.get("/api/assets", query_string={"q": words}))]


def test_single_asset_detail(client, db):
    asset_id = next(iter(db.query("SELECT id FROM assets WHERE name = 'Arrowhead Provincial Park'")))["id"]
    doc = client.get(f"/api/assets/{asset_id}").get_json(force=True)
    assert doc["geometry"] == {"type": "Point", "coordinates": [-79.19861, 45.39167]}
    p = doc["properties"]
    assert p["name"] == "Arrowhead Provincial Park"
    assert p["phone"] == "(705) 789-5105"
    assert p["hours_text"] == "Open all four seasons (2021 park guide)"
    assert p["location_precision_text"] == "exact: the site itself"
    assert p["source_url"].startswith("https://")


def test_confidential_detail_has_no_location(client, db):
    row = next(iter(db.query("SELECT id, phone FROM assets WHERE name LIKE 'Muskoka Interval House%'")))
    doc = client.get(f"/api/assets/{row['id']}").get_json(force=True)
    assert doc["geometry"] is None
    p = doc["properties"]
    assert (p["address"], p["postal_code"], p["notes"], p["community"], p["municipality"]) == ("", "", "", "", "")
    assert doc["properties"]["location_precision_text"] == "location confidential: contact details only, never mapped"
    assert doc["properties"]["phone"] == row["phone"] != ""  # contact details stay
    assert "latitude" not in doc["properties"] and "longitude" not in doc["properties"]


def test_missing_and_archived_assets_are_404(client, db):
    assert client.get("/api/assets/999999").get_json() == {"error": "no asset with id 999999"}
    db["assets"].update(1, {"status": "archived"})
    resp = client.get("/api/assets/1")
    assert resp.status_code == 404
    assert 1 not in [f["id"] for f in features(client.get("/api/assets"))]


def test_areas_geojson(client):
    feats = features(client.get("/api/areas?level=DA"))
    assert len(feats) == 107
    da = next(f for f in feats if f["id"] == "35440163")
    assert da["geometry"]["type"] == "Polygon"
    p = da["properties"]
    assert p["population"] == 744
    assert p["population_density_km2"] == round(744 / 267.61, 2)
    assert p["cimd_economic_dependency_quintile"] == 5
    csd = features(client.get("/api/areas?level=CSD"))
    assert sorted(f["properties"]["name"] for f in csd)[:3] == ["Armour", "Bracebridge", "Callander"]
    resp = client.get("/api/areas?level=XX")
    assert resp.status_code == 400 and resp.get_json() == {"error": "level must be one of CSD, DA"}


def test_etag_and_gzip(client):
    first = client.get("/api/assets?category=parks")
    etag = first.headers["ETag"]
    assert client.get("/api/assets?category=parks", headers={"If-None-Match": etag}).status_code == 304
    zipped = client.get("/api/assets?category=parks", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data)) == first.get_json(force=True)


def test_the_whole_layer_is_streamed_in_pieces_with_a_key_etag(client, db):
    from assetmap import store
    from assetmap.services.published import Published

    whole = client.get("/api/assets")
    assert "Accept-Encoding" in whole.headers["Vary"]
    assert whole.headers["ETag"] != Published(whole.data).etag  # from the key: known before any byte is made
    assert whole.data == store.public_feature_collection(db)  # the same bytes as the kept form
    pieces = list(store.public_features(db, chunk=7))
    count = len(json.loads(whole.data)["features"])
    assert count > 50 and len(pieces) == 2 + -(-count // 7)  # opening, one piece a 7 features, closing
    assert b"".join(pieces) == whole.data
    zipped = client.get("/api/assets", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == whole.data
    etag = whole.headers["ETag"]
    assert zipped.headers["ETag"] == etag
    assert client.get("/api/assets", headers={"If-None-Match": etag}).status_code == 304
    # A change makes a new data version, so a new ETag: the client's copy is not reused.
    store.upsert_categories(db, [{"slug": "food", "label": "Food!"}])
    assert client.get("/api/assets", headers={"If-None-Match": etag}).status_code == 200
    # A bbox's features are kept whole (and their ETag is a hash of them).
    box = client.get("/api/assets?bbox=-79.35,45.0,-79.28,45.06")
    assert box.headers["ETag"] == Published(box.data).etag


def test_an_empty_match_streams_an_empty_collection(client):
    assert client.get("/api/assets?q=zzzzqqq").get_json(force=True) == {"type": "FeatureCollection", "features": []}


def test_cache_follows_data_changes(client, db):
    before = features(client.get("/api/assets?category=early_years"))
    db["assets"].insert(
        {
            "name": "New EarlyON",
            "category": "early_years",
            "latitude": 45.0,
            "longitude": -79.3,
            "location_precision": "exact",
        }
    )
    after = features(client.get("/api/assets?category=early_years"))
    assert len(after) == len(before) + 1


def test_sql_serialised_list_matches_python_features(client, db):
    """The fast SQL JSON path and geojson.asset_feature() agree on every demo asset."""
    from assetmap.formats import geojson

    listed = features(client.get("/api/assets"))
    rows = db.query("SELECT * FROM assets WHERE status = 'active' ORDER BY name COLLATE NOCASE, id")
    expected = [geojson.asset_feature(r) for r in rows]  # the Python rule on raw rows
    assert listed == expected
    assert {f["properties"]["location_precision"] for f in listed} == {
        "exact",
        "address",
        "landmark",
        "postal_code",
        "rural_postal_code",
        "community",
        "municipality",
        "unreliable",
        "none",  # also every confidential site: nothing that places it
    }
    for f in listed:
        if f["properties"]["confidential"]:
            p = f["properties"]
            assert (f["geometry"], p["community"], p["municipality"], p["location_precision"]) == (None, "", "", "none")
