"""CSV and GeoJSON exports: filtered like the map, formula injection neutralised, re-importable."""

import csv
import io

import pytest

from assetmap import store
from assetmap.formats import csvsafe
from assetmap.formats.asset_import import import_assets


def rows_of(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+1 705-555-0100", "'+1 705-555-0100"),  # a phone number is text to a spreadsheet too
        ("-79.35", "-79.35"),  # plain numbers cannot run
        ("+1.5e3", "+1.5e3"),
        ("Main St = best", "Main St = best"),  # only the first character matters
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise_each_trigger(value, written):
    assert csvsafe.neutralise(value) == written
    assert csvsafe.restore(written) == value


def test_asset_csv_neutralises_and_reimports_unchanged(empty_db, tmp_path, app):
    nasty = {
        "name": '=HYPERLINK("http://evil","Free food")',
        "category": "food",
        "description": "@SUM(1+1)",
        "phone": "+1 705-555-0100",
        "notes": "-2+3",
        "hours_text": "\t=1+1",
        "latitude": 45.1,
        "longitude": -79.3,
        "location_precision": "exact",
        "external_id": "test:1",
    }
    store.save_asset(empty_db, nasty)
    app.config["DATABASE"] = str(tmp_path / "empty.db")
    resp = app.test_client().get("/api/assets.csv")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="assets.csv"'
    text = resp.get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["name"] == '\'=HYPERLINK("http://evil","Free food")'
    assert (row["description"], row["phone"], row["notes"], row["hours_text"]) == (
        "'@SUM(1+1)",
        "'+1 705-555-0100",
        "'-2+3",
        "'\t=1+1",
    )
    assert (row["latitude"], row["longitude"]) == ("45.1", "-79.3")
    # No cell anywhere starts with a trigger.
    for cells in csv.reader(io.StringIO(text)):
        assert not any(c.startswith(csvsafe.TRIGGERS) and not c.lstrip("+-").replace(".", "").isdigit() for c in cells)
    path = tmp_path / "back.csv"
    path.write_text(text)
    empty_db.execute("DELETE FROM assets")
    report = import_assets(empty_db, path)
    assert (report.inserted, report.errors) == (1, [])
    back = next(iter(empty_db.query("SELECT * FROM assets")))
    assert {k: back[k] for k in nasty if k != "hours_text"} == {k: v for k, v in nasty.items() if k != "hours_text"}
    assert back["hours_text"] == "=1+1"  # the importer trims surrounding whitespace, tab included


def test_demo_csv_round_trip_and_filters(client, db, empty_db, tmp_path):
    rows = rows_of(client.get("/api/assets.csv"))
    assert len(rows) == 149
    food = rows_of(client.get("/api/assets.csv?category=food"))
    assert len(food) == 23 and {r["category"] for r in food} == {"food"}
    bbox = rows_of(client.get("/api/assets.csv?bbox=-79.35,45.0,-79.28,45.06&category=food"))
    assert [r["name"] for r in bbox] == [
        "Bracebridge community fridges (planned, 2)",
        "Bracebridge Out of the Cold (free weekly community meal)",
        "Manna Food Bank",
        "The Salvation Army South Muskoka (Bracebridge food bank)",
    ]
    unmapped = rows_of(client.get("/api/assets.csv?mapped=0"))
    assert len(unmapped) == 16 + 4  # no location, and the three confidential sites
    assert rows_of(client.get("/api/assets.csv?q=zzzzqqq")) == []
    assert client.get("/api/assets.csv?category=bakeries").status_code == 400
    # Confidential rows: no place details.
    secret = [r for r in rows if r["confidential"] == "1"]
    assert len(secret) == 4
    assert all((r["address"], r["postal_code"], r["latitude"], r["notes"]) == ("", "", "", "") for r in secret)
    # Re-import into an empty database gives the same public fields.
    path = tmp_path / "assets.csv"
    path.write_text(client.get("/api/assets.csv").get_data(as_text=True))
    report = import_assets(empty_db, path)
    assert (report.inserted, report.errors) == (149, [])
    from assetmap.formats.hsds.values import same_value
    from assetmap.privacy import public_asset

    before = {(a["external_id"] or a["name"]): a for a in (public_asset(r) for r in db.query("SELECT * FROM assets"))}
    after = {(r["external_id"] or r["name"]): r for r in empty_db.query("SELECT * FROM assets")}
    fields = [c for c in rows[0] if c not in ("abcd_type", "updated_at")]
    diffs = [
        (k, f, before[k][f], after[k][f]) for k in before for f in fields if not same_value(before[k][f], after[k][f])
    ]
    assert diffs == []


def test_assets_geojson_has_every_public_field(client):
    resp = client.get("/api/assets.geojson?q=arrowhead")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    (feature,) = resp.get_json(force=True)["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-79.19861, 45.39167]}
    props = feature["properties"]
    assert (props["external_id"], props["abcd_type"], props["address"], props["latitude"]) == (
        "muskoka:arrowhead-provincial-park",
        "natural",
        "451 Arrowhead Park Rd",
        45.39167,
    )
    secret = client.get("/api/assets.geojson?q=chrysalis").get_json(force=True)["features"][0]
    assert secret["geometry"] is None
    assert (secret["properties"]["address"], secret["properties"]["notes"], secret["properties"]["latitude"]) == (
        "",
        "",
        None,
    )


def test_areas_and_reach_csv(client):
    areas = rows_of(client.get("/api/areas?format=csv&level=DA"))
    assert len(areas) == 107
    da = next(a for a in areas if a["id"] == "35440163")
    assert (da["level"], da["cimd_economic_dependency_quintile"]) == ("DA", "5.0")
    assert client.get("/api/areas?format=xml").status_code == 400
    reach = rows_of(client.get("/api/reach?category=food&format=csv"))
    report = client.get("/api/reach?category=food").get_json()
    assert [r["id"] for r in reach] == [a["id"] for a in report["areas"]]
    first, area = reach[0], report["areas"][0]
    assert first["unreached_population"] == str(area["unreached_population"])  # published under the rule
    assert area["unreached_population"] % 5 == 0 or area["unreached_population"] == area["population"]
    assert first["urban"] == str(int(area["urban"]))
    assert first["category"] == "food" and first["distance_method"] == report["distance_method"]
    assert set(area["quintiles"]) <= set(first)
