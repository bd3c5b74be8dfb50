"""The embedded Muskoka dataset loads completely, keeps its real fields and caveats, and reloads idempotently."""

from assetmap.services.demo import load_demo


def test_counts_and_population_totals(db):
    counts = {r["category"]: r["n"] for r in db.query("SELECT category, COUNT(*) AS n FROM assets GROUP BY category")}
    assert counts == {
        "community_groups": 21,
        "culture": 21,
        "early_years": 4,
        "food": 23,
        "health": 14,
        "parks": 24,
        "recreation": 14,
        "social_services": 15,
        "transport": 13,
    }
    row = next(
        iter(
            db.query(
                "SELECT SUM(population) AS pop, COUNT(*) AS n, COUNT(population) AS with_pop FROM areas WHERE level = 'DA'"
            )
        )
    )
    # 107 DAs; Wahta Mohawk Territory (35440255) was incompletely enumerated and has no count.
    assert row == {"pop": 66674, "n": 107, "with_pop": 106}
    towns = {r["name"]: r["population"] for r in db.query("SELECT name, population FROM areas WHERE level = 'CSD'")}
    assert towns["Huntsville"] == 21147 and towns["Bracebridge"] == 17305 and towns["Perry"] is None


def test_da_keeps_real_values_and_national_quintiles(db):
    da = next(iter(db.query("SELECT * FROM areas WHERE id = '35440163'")))
    assert da["name"] == "DA 35440163 (Lake of Bays)"
    assert da["population"] == 744
    assert da["land_area_km2"] == 267.61  # the census land area, not the approximate polygon's
    assert da["parent_id"] == "3544027"
    # economic dependency 0.945 is above the national q80 (0.663 by DA count): quintile 5
    assert da["cimd_economic_dependency"] == 0.945
    assert da["cimd_economic_dependency_quintile"] == 5
    # situational vulnerability -0.577 lies between q20 -0.651 and q40 -0.339: quintile 2
    assert da["cimd_situational_vulnerability_quintile"] == 2
    assert "APPROXIMATE" in da["geometry_note"]


def test_asset_fields_kept_with_source_and_precision(db):
    park = next(iter(db.query("SELECT * FROM assets WHERE name = 'Arrowhead Provincial Park'")))
    assert park["category"] == "parks"
    assert park["address"] == "451 Arrowhead Park Rd"
    assert park["postal_code"] == "P1H 2J4"
    assert park["phone"] == "(705) 789-5105"
    assert park["website"] == "https://www.ontarioparks.ca/park/arrowhead"
    assert park["hours_text"] == "Open all four seasons (2021 park guide)"
    assert park["location_precision"] == "exact"
    assert park["precision_source"] == "exact_from_page"
    assert (park["latitude"], park["longitude"]) == (45.39167, -79.19861)
    assert park["source_url"].startswith("https://")
    assert park["external_id"] == "muskoka:arrowhead-provincial-park"


def test_shelters_are_confidential(db):
    names = [r["name"] for r in db.query("SELECT name FROM assets WHERE confidential = 1 ORDER BY name")]
    assert names == [
        "Alex's Place (youth transitional housing, District of Muskoka)",
        "Chrysalis (Muskoka Women's Advocacy Group)",
        "Muskoka Interval House (Muskoka Women's Advocacy Group)",
        "The Table Men's Shelter (Huntsville)",  # every shelter is confidential (build_assets_data.py)
    ]


def test_unlocated_assets_have_no_point(db):
    rows = list(db.query("SELECT latitude, longitude FROM assets WHERE location_precision = 'none'"))
    assert len(rows) == 16
    assert all(r["latitude"] is None and r["longitude"] is None for r in rows)
    rtree_ids = {r["id"] for r in db.query("SELECT id FROM assets_rtree")}
    assert len(rtree_ids) == 149 - 16


def test_reload_is_idempotent(db):
    counts = load_demo(db)
    report = counts["assets"]
    assert (report.inserted, report.updated, report.unchanged, report.errors) == (0, 0, 149, [])
    assert db["assets"].count == 149
    assert db["areas"].count == 121  # 107 DAs, 12 outlines, Wahta and Moose Point 79 (figures only)
