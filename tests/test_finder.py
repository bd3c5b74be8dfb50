"""Resident finder: ordering, filters, text search, API payloads, pages, handout and PDF."""

import io
import json
import math
import random
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from geopy.distance import geodesic

from assetmap import fields, values
from assetmap.errors import InvalidParameter
from assetmap.geocoding import OfflineGeocoder
from assetmap.services import finder, finder_index
from assetmap.vocab import supports

GEOCODER = OfflineGeocoder("assets_data/gazetteer.csv", region_center=(45.12, -79.35))
TUESDAY_10AM = "2026-11-24T10:00"


def search(client, query, status=200):
    resp = client.get("/api/search?" + query)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


# --- places -----------------------------------------------------------------------------------


def test_parse_near_kinds():
    assert finder.parse_near("45.0453, -79.3076", GEOCODER) == finder.Origin(
        "45.0453, -79.3076", 45.0453, -79.3076, "45.0453, -79.3076", "coordinates"
    )
    urban = finder.parse_near("p1l1t8", GEOCODER)
    assert (urban.label, urban.latitude, urban.longitude, urban.precision, urban.approximate) == (
        "P1L 1T8, Bracebridge",
        45.046,
        -79.31,
        "postal_code",
        False,
    )
    rural = finder.parse_near("P0B 1J0", GEOCODER)
    assert (rural.precision, rural.postal_code, rural.approximate) == ("rural_postal_code", "P0B 1J0", True)
    town = finder.parse_near("Port Carling, ON", GEOCODER)  # a GeoNames place served by rural codes only
    assert (town.label, town.precision) == ("Port Carling, Ontario", "rural_postal_code")
    assert finder.parse_near("  ", GEOCODER) is None
    with pytest.raises(InvalidParameter, match="latitude must be within"):
        finder.parse_near("95,-79", GEOCODER)
    with pytest.raises(finder.UnknownPlace) as caught:
        finder.parse_near("P9Z", GEOCODER)
    assert str(caught.value) == "We couldn't find 'P9Z'. Try a full postal code or a town name."


def test_unknown_place_is_a_400_with_a_helpful_message_in_both_languages(client):
    assert search(client, "near=P9Z", 400) == {
        "error": "We couldn't find 'P9Z'. Try a full postal code or a town name."
    }
    assert search(client, "near=P9Z&lang=fr", 400) == {
        "error": "Nous n’avons pas trouvé « P9Z ». Essayez un code postal complet ou le nom d’une ville."
    }
    html = client.get("/finder?near=%3Cb%3EP9Z").get_data(as_text=True)
    assert "We couldn&#39;t find &#39;&lt;b&gt;P9Z&#39;. Try a full postal code or a town name." in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("near=Bracebridge&open_at=tomorrow", "open_at must be 'now' or a date and time"),
        ("near=Bracebridge&open_at=2026-11-24", "open_at needs a time of day too"),
        ("near=Bracebridge&limit=0", "limit must be a whole number from 1 to 100"),
        ("near=Bracebridge&category=spa", "unknown category 'spa'"),
        ("near=Bracebridge&cost=cheap", "cost must be one of free, low"),
        ("near=Bracebridge&age=toddlers", "age must be one of children, youth, adults, seniors"),
        ("near=Bracebridge&language=klingon", "language 'klingon': use ISO 639 codes"),
    ],
)
def test_bad_parameters(client, query, message):
    assert message in search(client, query, 400)["error"]


# --- ordering ---------------------------------------------------------------------------------


def test_order_distances_communities_then_confidential(client):
    doc = search(client, "near=P1L+1T8&category=social_services")
    assert doc["near"] == {
        "query": "P1L 1T8",
        "label": "P1L 1T8, Bracebridge",
        "latitude": 45.046,
        "longitude": -79.31,
        "precision": "postal_code",
        "approximate": False,
        "note": "Distances are measured from P1L 1T8, Bracebridge.",
    }
    got = [(r["name"], r["location"], r["distance_m"], r["place_text"]) for r in doc["results"]]
    assert got == [
        (
            "District of Muskoka - Administration and Community Services (Ontario Works)",
            "distance",
            1134,
            "about 1 km, straight line",
        ),
        ("Simcoe Muskoka Family Connexions - Bracebridge office", "community", None, "in Bracebridge (downtown)"),
        ("Town of Bracebridge Municipal Office", "distance", 2067, "about 2 km, straight line"),
        ("District of Muskoka - Gravenhurst Community Services office", "community", None, "in Gravenhurst"),
        ("Town of Gravenhurst Municipal Office", "distance", 15537, "about 16 km, straight line"),
        ("Township of Muskoka Lakes Municipal Office", "community", None, "in Port Carling"),
        ("District of Muskoka - Huntsville Community Services office", "community", None, "in Huntsville"),
        ("Wahta Mohawks Administration Office", "distance", 33489, "about 33 km, straight line"),
        ("Township of Lake of Bays Municipal Office", "distance", 39073, "about 39 km, straight line"),
        ("Township of Georgian Bay Municipal Office", "distance", 42108, "about 42 km, straight line"),
        ("Moose Deer Point First Nation Administration", "distance", 57090, "about 57 km, straight line"),
        # no phone number: not told to call
        (
            "Alex's Place (youth transitional housing, District of Muskoka)",
            "confidential",
            None,
            "location confidential",
        ),
        (
            "Chrysalis (Muskoka Women's Advocacy Group)",
            "confidential",
            None,
            "location confidential: contact them by phone",
        ),
        (
            "Muskoka Interval House (Muskoka Women's Advocacy Group)",
            "confidential",
            None,
            "location confidential: contact them by phone",
        ),
        ("The Table Men's Shelter (Huntsville)", "confidential", None, "location confidential"),
    ]
    # distances are geodesic metres: an independent implementation (geopy) agrees within 1 m
    for r in doc["results"]:
        if r["distance_m"] is not None:
            assert r["distance_m"] == pytest.approx(
                geodesic((45.046, -79.31), (r["latitude"], r["longitude"])).m, abs=1
            )
    assert doc["count"] == 15 and doc["more"] is False


def test_imprecise_and_confidential_results_carry_no_false_location(client):
    results = search(client, "near=P1L+1T8&category=social_services")["results"]
    imprecise = next(r for r in results if r["name"].startswith("Simcoe Muskoka Family Connexions"))
    assert (imprecise["distance_m"], imprecise["latitude"], imprecise["longitude"]) == (None, None, None)
    assert imprecise["location_precision"] == "community"
    for r in (r for r in results if r["location"] == "confidential"):
        shown = {k: r[k] for k in fields.LOCATING if k in r}
        assert {"address", "postal_code", "latitude", "longitude", "location_precision"} <= set(shown)
        assert set(shown.values()) == {None}
        assert (r["place"], r["distance_m"], r["directions_url"]) == (None, None, None)
    interval = next(r for r in results if r["name"].startswith("Muskoka Interval House"))
    assert interval["phone"] == "705-645-4461; toll-free 1-800-461-1740"  # contact details stay


def test_unlocated_supports_come_after_located_ones(client):
    results = search(client, "near=Bracebridge&category=food&limit=100")["results"]
    assert [(r["name"], r["place_text"]) for r in results if r["location"] == "unknown"] == [
        ("Canadian Red Cross Meals on Wheels (South Muskoka)", "location not known (Bracebridge, Gravenhurst)"),
        (
            "Food4Kids Muskoka (weekend food bags for school children)",
            "location not known (Schools across Muskoka (started in Huntsville, Sept 2023))",
        ),
    ]
    assert all(r["location"] in ("distance", "community") for r in results[:-2])
    assert [r["location"] for r in results[-2:]] == ["unknown", "unknown"]


def test_limit_and_more(client):
    doc = search(client, "near=P1L+1T8&limit=3")
    assert [r["name"] for r in doc["results"]] == [
        "Manna Food Bank",  # its (unreliable) point is this very postal code: "in Bracebridge"
        "South Muskoka Memorial Hospital (Muskoka Algonquin Healthcare)",
        "Woodchester Villa",
    ]
    assert doc["more"] is True


def test_rural_postal_code_says_distances_are_approximate(client):
    doc = search(client, "near=P0B%201J0&limit=1")
    assert doc["near"]["note"] == "P0B 1J0 is a rural postal code covering a wide area; distances are approximate."
    assert doc["near"]["approximate"] is True


def test_expanding_search_matches_brute_force(empty_db):
    rng = random.Random(6)
    rows = []
    for i in range(400):
        lat, lon = 44.8 + rng.random() * 0.7, -79.9 + rng.random() * 1.1
        rows.append(
            {
                "name": f"Site {i}",
                "category": rng.choice(["food", "health"]),
                "latitude": lat,
                "longitude": lon,
                "location_precision": "exact",
                "confidential": 0,
                "status": "active",
                "version": 1,
            }
        )
    empty_db["assets"].insert_all(rows)
    for origin, limit, cats in [((45.04, -79.31), 5, None), ((44.9, -79.85), 20, ("food",)), ((46.5, -81.0), 7, None)]:
        o = finder.Origin("x", origin[0], origin[1], "x", "coordinates")
        got = finder.search(empty_db, o, finder.Filters(categories=cats), limit=limit)
        expected = sorted(
            (geodesic(origin, (r["latitude"], r["longitude"])).m, r["name"])
            for r in rows
            if not cats or r["category"] in cats
        )[:limit]
        assert [r["name"] for r in got.results] == [n for _, n in expected]
        assert [r["distance_m"] for r in got.results] == [pytest.approx(d, abs=1) for d, _ in expected]


@pytest.mark.parametrize("seed", range(3))
def test_the_kd_tree_finds_what_measuring_every_point_finds(seed):
    """Past DIRECT_BELOW matching points the KD-tree answers: the same positions, metres and `more`
    as measuring every matching point, with and without a rule that turns some away (open_at's)."""
    rng = random.Random(seed)
    rows, cats = [], ("food", "health", "parks")
    for i in range(4 * finder_index.DIRECT_BELOW):
        lat, lon = (
            (44.8 + rng.random() * 0.7, -79.9 + rng.random() * 1.1) if i % 50 or not rows else rows[-1][3:5]
        )  # some share a point
        rows.append((i + 1, f"Site {i}", cats[i % 3], lat, lon, "exact", 0, "", "", "", "", ""))
    index = finder_index.FinderIndex.build(rows)
    for _ in range(12):
        lat, lon = 44.7 + rng.random() * 0.9, -80.0 + rng.random() * 1.3
        for limit, categories, accept in [
            (rng.choice([1, 5, 20]), None, None),
            (rng.choice([5, 20, 100]), ("food",), None),
            (20, ("food", "health"), lambda p: p % 3 == 0),
            (rng.choice([1, 20]), None, lambda p: p % 7 != 1),
        ]:
            keep = index.mask(categories=categories)
            assert np.count_nonzero(keep) > finder_index.DIRECT_BELOW
            everyone = np.flatnonzero(keep)
            metres = index._geodesic(lat, lon, everyone)
            expected = index.first_accepted(everyone, metres, accept or (lambda _p: True), limit)
            assert index.nearest(lat, lon, keep, limit, accept) == expected


def test_the_kd_tree_misses_no_point_of_a_ring_at_nearly_one_distance():
    """Points about 10 km away in every direction: the sphere and the ellipsoid order them
    differently, so the nearest by geodesic may lie beyond the k nearest chords asked first."""
    rng = random.Random(7)
    lat0, lon0 = math.radians(45.0), math.radians(-79.5)
    rows = []
    for i in range(3 * finder_index.DIRECT_BELOW // 2):
        bearing, angle = rng.random() * 2 * math.pi, 10_000 / 6_371_000 * (1 + rng.random() * 1e-4)
        lat = math.asin(math.sin(lat0) * math.cos(angle) + math.cos(lat0) * math.sin(angle) * math.cos(bearing))
        lon = lon0 + math.atan2(
            math.sin(bearing) * math.sin(angle) * math.cos(lat0), math.cos(angle) - math.sin(lat0) * math.sin(lat)
        )
        rows.append((i + 1, f"Site {i}", "food", math.degrees(lat), math.degrees(lon), "exact", 0, "", "", "", "", ""))
    index = finder_index.FinderIndex.build(rows)
    keep = index.mask()
    everyone = np.flatnonzero(keep)
    metres = index._geodesic(45.0, -79.5, everyone)
    for limit in (1, 3, 20):
        expected = index.first_accepted(everyone, metres, lambda _p: True, limit)
        assert index.nearest(45.0, -79.5, keep, limit) == expected


def test_no_place_lists_by_name_or_relevance(client):
    names = [r["name"] for r in search(client, "category=transport&limit=3")["results"]]
    assert names == sorted(names, key=str.lower)
    assert all(r["distance_m"] is None for r in search(client, "q=library")["results"])


# --- text search ------------------------------------------------------------------------------


def test_text_search_ignores_accents_and_case(client, db):
    db["assets"].insert(
        {
            "name": "Société Alzheimer Society of Muskoka",
            "category": "health",
            "community": "Bracebridge",
            "latitude": 45.0386,
            "longitude": -79.3089,
            "location_precision": "address",
            "confidential": 0,
            "status": "active",
            "version": 1,
        }
    )
    for q in ("Societe", "SOCIÉTÉ", "société alzh"):
        names = [r["name"] for r in search(client, "near=Bracebridge&q=" + q)["results"]]
        assert names == ["Société Alzheimer Society of Muskoka"], q
    assert search(client, "q=%22%29%28*")["results"] == []  # FTS syntax is never passed through


def test_a_word_searched_near_a_place_again_sees_new_data(client, db):
    # Text matches near a place are kept with the data version: a new match must still be found.
    before = [r["name"] for r in search(client, "near=Bracebridge&q=zymurgy")["results"]]
    db["assets"].insert(
        {"name": "Zymurgy Food Co-op", "category": "food", "community": "Bracebridge", "latitude": 45.0386,
         "longitude": -79.3089, "location_precision": "address", "confidential": 0, "status": "active", "version": 1}
    )  # fmt: skip
    after = [r["name"] for r in search(client, "near=Bracebridge&q=zymurgy")["results"]]
    assert (before, after) == ([], ["Zymurgy Food Co-op"])


# --- cost of a search -------------------------------------------------------------------------


def test_a_search_runs_at_most_three_sql_statements(app, client):
    from app.db import get_db

    statements = []
    search(client, "near=Bracebridge&category=food&q=food")  # opens this thread's connection
    with app.test_request_context():
        conn = get_db().conn  # the same connection the requests of this thread use
    conn.set_trace_callback(lambda sql: statements.append(sql) if not sql.startswith("--") else None)
    try:
        for query in ("near=P1L+1T8&category=food&q=bank", "near=45.04,-79.31&open_at=2026-11-24T10:00", "q=library"):
            statements.clear()
            assert search(client, query)["results"], query
            assert len(statements) <= 3, (query, statements)  # data version, text matches, result rows
    finally:
        conn.set_trace_callback(None)


def test_renaming_a_category_changes_the_finders_words(client, db):
    from assetmap import store

    first = search(client, "near=Bracebridge&category=food&limit=1")["results"][0]
    store.upsert_categories(db, [{"slug": "food", "label": "Food and meals"}])
    again = search(client, "near=Bracebridge&category=food&limit=1")["results"][0]
    assert (first["category_label"], again["category_label"]) == ("Food", "Food and meals")


# --- filters ----------------------------------------------------------------------------------


def test_open_at_filter_excludes_unknown_hours(client):
    doc = search(client, f"near=P1L+1T8&category=social_services&open_at={TUESDAY_10AM}")
    assert doc["open_at"] == "2026-11-24T10:00-05:00"
    assert [(r["name"], r["open_state"], r["open_text"]) for r in doc["results"]] == [
        ("Town of Bracebridge Municipal Office", "open", "open"),
        ("Chrysalis (Muskoka Women's Advocacy Group)", "open", "open"),
        ("Muskoka Interval House (Muskoka Women's Advocacy Group)", "open", "open"),
    ]
    sunday = search(client, "near=P1L+1T8&category=social_services&open_at=2026-11-29T10:00")["results"]
    assert [r["opening_hours"] for r in sunday] == ["24/7", "24/7"]
    christmas = search(client, "near=P1L+1T8&open_at=2026-12-25T10:00:00-05:00")["results"]
    assert {r["opening_hours"] for r in christmas} == {"24/7"}  # weekday hours are not known on holidays
    now = search(client, "near=P1L+1T8&open_at=now&open_at=")
    assert now["open_at"] is not None and all(r["open_state"] == "open" for r in now["results"])


def test_structured_filters_use_only_stated_values(client, db):
    # The demo data states no languages, access, cost or ages: the filters find nothing rather than guess.
    for query in ("language=fr", "wheelchair=1", "cost=free", "age=seniors"):
        assert search(client, "near=Bracebridge&" + query)["results"] == [], query
    ids = {r["name"]: r["id"] for r in db.query("SELECT id, name FROM assets")}
    db["assets"].update(
        ids["Town of Bracebridge Municipal Office"],
        {"language_codes": "en,fr", "wheelchair": "yes", "cost_level": "free", "age_groups": "all"},
    )
    db["assets"].update(
        ids["Woodchester Villa"],
        {"language_codes": "en", "wheelchair": "limited", "cost_level": "low", "age_groups": "seniors"},
    )

    def names(query):
        return [r["name"] for r in search(client, "near=P1L+1T8&" + query)["results"]]

    assert names("language=French") == ["Town of Bracebridge Municipal Office"]
    assert names("language=en") == ["Woodchester Villa", "Town of Bracebridge Municipal Office"]
    assert names("wheelchair=1") == ["Town of Bracebridge Municipal Office"]
    assert names("cost=free") == ["Town of Bracebridge Municipal Office"]
    assert names("cost=low") == ["Woodchester Villa", "Town of Bracebridge Municipal Office"]
    assert names("age=children") == ["Town of Bracebridge Municipal Office"]  # "all" ages
    assert names("age=seniors") == ["Woodchester Villa", "Town of Bracebridge Municipal Office"]
    r = search(client, "near=P1L+1T8&cost=low&lang=fr")["results"][0]
    assert (r["languages_text"], r["wheelchair_text"], r["cost_text"], r["ages_text"]) == (
        "anglais",
        "partiellement accessible en fauteuil roulant",
        "à faible coût",
        "aînés (65 ans et plus)",
    )


def test_vocabularies():
    assert supports.language_codes("English; Français, oj") == "en,fr,oj"
    assert supports.language_codes("Elvish") is None
    assert supports.age_groups("kids and seniors") == "children,seniors"
    assert supports.age_groups("all ages, youth") == "all"
    assert supports.clean_fields({"languages": "English, French", "cost": "Free", "hours_text": "24 hours"}) == {
        "language_codes": "en,fr",
        "wheelchair": "",
        "cost_level": "free",
        "age_groups": "",
        "opening_hours": "24/7",
    }
    with pytest.raises(ValueError, match="wheelchair 'sometimes' is not one of limited, no, yes"):
        supports.clean_fields({"wheelchair": "sometimes"})
    with pytest.raises(ValueError, match="opening_hours 'Mo-Fr 9-5' is not OpenStreetMap opening_hours syntax"):
        supports.clean_fields({"opening_hours": "Mo-Fr 9-5"})


def test_import_keeps_text_and_derives_structure(empty_db, tmp_path):
    from assetmap.formats.asset_import import import_assets

    path = tmp_path / "a.csv"
    path.write_text(
        "name,category,latitude,longitude,hours,languages,wheelchair,age_groups,opening_hours\n"
        "Drop-in,food,45.0,-79.3,Mon-Fri 9 a.m.-noon,English / French,yes,seniors,\n"
        "Bad hours,food,45.0,-79.3,,,,,Mo-Fr 9-5\n"
        "Vague,food,45.1,-79.3,Most mornings,,,,\n",
        encoding="utf-8",
    )
    report = import_assets(empty_db, path)
    assert report.errors == [(3, "opening_hours 'Mo-Fr 9-5' is not OpenStreetMap opening_hours syntax")]
    rows = list(
        empty_db.query(
            "SELECT name, hours_text, opening_hours, language_codes, wheelchair, age_groups FROM assets ORDER BY name"
        )
    )
    assert rows == [
        {
            "name": "Drop-in",
            "hours_text": "Mon-Fri 9 a.m.-noon",
            "opening_hours": "Mo-Fr 09:00-12:00",
            "language_codes": "en,fr",
            "wheelchair": "yes",
            "age_groups": "seniors",
        },
        {
            "name": "Vague",
            "hours_text": "Most mornings",
            "opening_hours": "",
            "language_codes": None,  # the file has no language_codes column: nothing stored
            "wheelchair": "",
            "age_groups": "",
        },
    ]


def test_demo_data_structured_hours_are_only_the_unambiguous_ones(db):
    rows = list(db.query("SELECT hours_text, opening_hours FROM assets WHERE opening_hours != '' ORDER BY id"))
    assert [(r["hours_text"], r["opening_hours"]) for r in rows] == [
        ("24 h, 365 days", "24/7"),
        ("Mon-Fri 8:30 a.m.-4:30 p.m.", "Mo-Fr 08:30-16:30"),
        ("24 hours", "24/7"),
        ("24 hours", "24/7"),
        ("Mon-Fri 8:30 a.m.-4:30 p.m.", "Mo-Fr 08:30-16:30"),
    ]


def test_finder_migration_backfills_rows_stored_before_it(db):
    from assetmap.store.schema_features import m001_structured_attributes

    db.execute("UPDATE assets SET opening_hours = '' WHERE hours_text = '24 hours'")
    db.execute("UPDATE assets SET opening_hours = 'Mo 10:00-11:00' WHERE hours_text = '24 h, 365 days'")
    db.execute("DROP VIEW public_assets")  # the view reads the columns an old database lacks
    db.execute("ALTER TABLE assets DROP COLUMN language_codes")
    db.execute("ALTER TABLE assets DROP COLUMN wheelchair")
    db.execute("ALTER TABLE assets DROP COLUMN cost_level")
    db.execute("ALTER TABLE assets DROP COLUMN age_groups")
    m001_structured_attributes(db)
    assert [r[0] for r in db.execute("SELECT opening_hours FROM assets WHERE hours_text LIKE '24 h%' ORDER BY id")] == [
        "Mo 10:00-11:00",  # an existing structured value is kept
        "24/7",
        "24/7",
    ]


def test_parse_ids():
    assert values.parse_ids(["12,40", "12", " 7 "]) == [12, 40, 7]
    with pytest.raises(InvalidParameter, match="at most 8 supports"):
        values.parse_ids([",".join(str(i) for i in range(1, 10))])
    with pytest.raises(InvalidParameter, match="ids must be asset numbers"):
        values.parse_ids(["1;DROP"])


def test_open_at_parsing():
    tz = ZoneInfo("America/Toronto")
    fixed = datetime(2026, 11, 24, 9, 0, tzinfo=tz)
    assert values.parse_open_at(["", "now"], "America/Toronto", now=fixed) == (fixed, True)
    assert values.parse_open_at(["2026-11-24T15:00Z"], "America/Toronto") == (
        datetime(2026, 11, 24, 10, 0, tzinfo=tz),
        False,
    )
    assert values.parse_open_at([""], "America/Toronto") == (None, False)


# --- pages ------------------------------------------------------------------------------------


def test_finder_page_renders_results_without_javascript(client):
    resp = client.get("/finder?near=P1L+1T8&category=social_services")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<h2 id="results-heading" tabindex="-1">15 supports near P1L 1T8, Bracebridge</h2>' in html
    assert "about 1 km, straight line" in html and "in Bracebridge (downtown)" in html
    assert '<a href="tel:7056452100">705-645-2100 (general)' in html
    assert html.count("location confidential: contact them by phone") == 2  # the two with a phone
    assert html.count("location confidential</") == 2  # the two without one
    assert 'name="ids" value="88" form="select-form"' in html
    assert "not known — check before you go." in html and "not known</span>" not in html
    assert 'href="https://www.openstreetmap.org/directions?route=45.04600%2C-79.31000%3B45.0536%2C-79.3004"' in html
    assert 'href="/api/search?near=P1L+1T8&amp;category=social_services"' in html
    # the form keeps the search
    assert 'value="P1L 1T8"' in html and 'value="social_services" checked' in html


def test_finder_page_empty_and_escaped(client, db):
    assert "results-heading" not in client.get("/finder").get_data(as_text=True)
    db["assets"].update(88, {"name": "<script>alert(1)</script>"})
    html = client.get("/finder?near=P1L+1T8&category=social_services").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html  # the map's JSON config


def test_french_pages_and_language_choice(client):
    resp = client.get("/finder?near=P1L+1T8&category=social_services&lang=fr")
    html = resp.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "15 ressources près de P1L 1T8, Bracebridge" in html
    assert "environ 1 km, à vol d’oiseau" in html and "à Bracebridge (downtown)" in html
    assert "Services sociaux" in html and "inconnu" in html
    assert "lang=fr; Expires=" in resp.headers["Set-Cookie"]
    # remembered by the cookie, switchable back
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/sources?lang=en").get_data(as_text=True)
    # the browser's language when nothing was chosen
    fresh = client.application.test_client()
    assert '<html lang="fr">' in fresh.get("/reach", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in fresh.get("/reach", headers={"Accept-Language": "de"}).get_data(as_text=True)


@pytest.mark.parametrize(
    "path, english, french",
    [
        ("/", "Muskoka community assets", "Ressources communautaires de Muskoka"),
        ("/reach", "Who isn't reached: Food", "Qui n’est pas desservi\u00a0: Alimentation"),
        ("/sources", "Data sources and licences", "Sources des données et licences"),
        ("/finder", "Find local supports", "Trouver des ressources près de chez vous"),
        ("/no-such-page", "Page not found", "Page introuvable"),
    ],
)
def test_every_public_page_in_both_languages(app, path, english, french):
    en = app.test_client().get(path + "?lang=en").get_data(as_text=True)
    fr = app.test_client().get(path + "?lang=fr").get_data(as_text=True)
    assert english in en and french not in en
    assert french in fr and english not in fr
    assert 'hreflang="fr"' in en and 'hreflang="en"' in fr  # the switcher offers the other language


def test_js_catalogue_in_french(client):
    html = client.get("/?lang=fr").get_data(as_text=True)
    catalogue = json.loads(re.search(r'<script type="application/json" id="am-i18n">(.*?)</script>', html).group(1))
    assert catalogue["Phone"] == "Téléphone"
    assert catalogue["%(count)s assets in view. Hollow markers are approximate points."] == (
        "%(count)s ressources visibles. Les marqueurs vides sont des points approximatifs."
    )
    assert "Densité de population (personnes par km²)" in html


# --- handout ----------------------------------------------------------------------------------


def test_handout_page(client):
    html = client.get("/finder/handout?ids=95,91&lang=en").get_data(as_text=True)
    assert html.index("Town of Bracebridge Municipal Office") < html.index("Muskoka Interval House")
    assert "Check before you go:" in html and "Prepared on " in html
    assert "1000 Taylor Court" in html  # the municipal office's address
    assert "confidential: contact them by phone" in html
    assert "705-645-4461; toll-free 1-800-461-1740" in html
    assert "/finder/handout?ids=95%2C91&amp;lang=en" in html  # the share link: only the list
    fr = client.get("/finder/handout?ids=95,91&lang=fr").get_data(as_text=True)
    assert "Vérifiez avant de vous déplacer" in fr
    assert re.search(
        r"Préparée le \d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) 20\d\d",
        fr,
    )


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "Choose at least one support for the handout."),
        ("ids=1,2,3,4,5,6,7,8,9", "a handout holds at most 8 supports (one printed page)"),
        ("ids=x", "ids must be asset numbers separated by commas, not &#39;x&#39;"),
    ],
)
def test_handout_bad_ids(client, query, message):
    resp = client.get("/finder/handout?" + query)
    assert resp.status_code == 400
    assert f"<p>{message}</p>" in resp.get_data(as_text=True)


def pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages))


def test_handout_pdf_large_print_on_two_pages_at_most(client, db):
    # the eight supports with the most text, in large print, take two pages
    longest = [
        r[0]
        for r in db.execute(
            "SELECT id FROM assets ORDER BY length(name) + length(COALESCE(phone,'')) + length(COALESCE(address,'')) + length(COALESCE(hours_text,'')) DESC LIMIT 8"
        )
    ]
    resp = client.get("/finder/handout.pdf?lang=fr&ids=" + ",".join(map(str, longest)))
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="ressources-')
    pages, text = pdf_text(resp.data)
    assert pages == 2
    flat = re.sub(r"\s+", " ", text)
    assert "Vérifiez avant de vous déplacer" in flat
    names = [r[0] for r in db.execute(f"SELECT name FROM assets WHERE id IN ({','.join(map(str, longest))})")]
    for name in names:
        assert name[:25] in flat, name


def test_handout_ids_reject_non_ascii_digits(client):
    """Found by hypothesis: '²' passes str.isdigit() but int() refuses it (it was a 500)."""
    resp = client.get("/finder/handout", query_string={"ids": "²"})
    assert resp.status_code == 400
