"""A coordinator's spreadsheet as people make them: common headers map themselves (CLI and web), a
"Type" column of kinds of place finds its category, the mapping is remembered per source, and a
mistake on the mapping step is shown as an error next to its field with the typing kept."""

import re

from assetmap import store
from assetmap.validation import resolve_category
from assetmap.vocab.categories import default_categories
from tests.test_imports_ui import upload, wait_done

COALITION = """Organization,Type,Street Address,Town,Postal Code,Phone Number,Web Site
Riverside Food Bank,Food bank,12 River St,Bracebridge,P1L 1N3,705-555-0101,https://riverside.example.org
Gravenhurst Reading Room,Library,180 Sharpe St W,Gravenhurst,P1P 1J1,705-555-0102,https://library.example.org
Lakeside Soup Kitchen,Soup kitchen,5 Lake Rd,Huntsville,,705-555-0103,
Hockey Arena,Arenas,1 Arena Way,Bracebridge,,,
"""


def test_category_resolves_kinds_of_place():
    cats = default_categories()
    words = ["Food bank", "Food Banks", "food", "Alimentation", "Libraries", "Community Food Bank", "Arenas", "Spa"]
    assert [resolve_category(w, cats) for w in words] == [
        "food",
        "food",
        "food",
        "food",
        "culture",
        "food",
        "recreation",
        None,
    ]


def test_cli_import_maps_common_headers_without_a_mapping(runner, db, tmp_path):
    path = tmp_path / "coalition.csv"
    path.write_text(COALITION)
    result = runner.invoke(args=["import-assets", str(path), "--source", "Coalition list 2026"])
    assert result.exit_code == 0, result.output
    assert "4 added, 0 updated, 0 unchanged, 0 rejected" in result.output
    rows = {r["name"]: r for r in db.query("SELECT * FROM assets WHERE source = 'Coalition list 2026' ORDER BY name")}
    bank = rows["Riverside Food Bank"]
    assert (bank["category"], bank["subcategory"], bank["address"], bank["community"], bank["postal_code"]) == (
        "food",
        "Food bank",
        "12 River St",
        "Bracebridge",
        "P1L 1N3",
    )
    assert (bank["phone"], bank["website"], bank["location_precision"]) == (
        "705-555-0101",
        "https://riverside.example.org",
        "postal_code",
    )
    assert {n: r["category"] for n, r in rows.items()} == {
        "Gravenhurst Reading Room": "culture",
        "Hockey Arena": "recreation",
        "Lakeside Soup Kitchen": "food",
        "Riverside Food Bank": "food",
    }


def test_web_import_maps_common_headers_and_remembers_the_mapping_per_source(as_role, db):
    client, token = as_role("editor")
    resp = upload(client, token, "coalition.csv", COALITION)
    job_id = int(re.search(r"/imports/(\d+)/map", resp.headers["Location"]).group(1))
    page = client.get(f"/imports/{job_id}/map").get_data(as_text=True)
    guessed = {
        "name": "Organization",
        "category": "Type",
        "address": "Street Address",
        "community": "Town",
        "postal_code": "Postal Code",
        "phone": "Phone Number",
        "website": "Web Site",
    }
    for field, column in guessed.items():
        select = re.search(rf'<select id="map-{field}".*?</select>', page, re.S).group(0)
        assert f'<option value="{column}" selected>' in select, field
    # accepted as guessed, under a source of its own
    form = {"csrf_token": token, "source": "Coalition list 2026", **{f"map-{k}": v for k, v in guessed.items()}}
    resp = client.post(f"/imports/{job_id}/map", data=form)
    assert resp.status_code == 302
    job = wait_done(db, job_id)
    assert (job["result"]["inserted"], job["result"]["errors"]) == (4, [])
    assert db.execute("SELECT category FROM assets WHERE name = 'Lakeside Soup Kitchen'").fetchone()[0] == "food"

    # The coordinator renames a column next time; the remembered choice for the source comes back.
    renamed = COALITION.replace("Organization", "Agency / program").replace("Web Site", "Web Site")
    remembered = store.remembered_mapping(db, ["Organization", "Type"], "coalition LIST 2026")
    assert remembered["source"] == "Coalition list 2026" and remembered["mapping"]["name"] == "Organization"
    store.remember_mapping(
        db, "Coalition list 2026", renamed.splitlines()[0].split(","), {"name": "Agency / program"}, "test"
    )
    resp = upload(client, token, "coalition-2.csv", renamed)
    second = int(re.search(r"/imports/(\d+)/map", resp.headers["Location"]).group(1))
    page = client.get(f"/imports/{second}/map").get_data(as_text=True)
    assert "Columns chosen as for “Coalition list 2026”" in page
    name_select = re.search(r'<select id="map-name".*?</select>', page, re.S).group(0)
    assert '<option value="Agency / program" selected>' in name_select
    assert 'id="source" name="source" value="Coalition list 2026"' in page


def test_upload_with_a_source_gets_its_remembered_mapping(as_role, db):
    client, token = as_role("editor")
    headers = ["Site", "Kind", "Lat", "Long"]
    store.remember_mapping(db, "Parks survey", headers, {"name": "Site", "category": "Kind"}, "test")
    content = "Site,Kind,Lat,Long\nBig Park,park,45.1,-79.3\n"
    data = {
        "csrf_token": token,
        "source": "parks survey",
        "file": (__import__("io").BytesIO(content.encode()), "parks.csv", "text/csv"),
    }
    resp = client.post("/imports", data=data, content_type="multipart/form-data")
    job_id = int(re.search(r"/imports/(\d+)/map", resp.headers["Location"]).group(1))
    page = client.get(f"/imports/{job_id}/map").get_data(as_text=True)
    assert '<option value="Site" selected>' in re.search(r'<select id="map-name".*?</select>', page, re.S).group(0)
    assert '<option value="Kind" selected>' in re.search(r'<select id="map-category".*?</select>', page, re.S).group(0)
    assert 'value="parks survey"' in page


def test_mapping_errors_are_errors_next_to_their_fields_with_the_input_kept(as_role):
    client, token = as_role("editor")
    resp = upload(client, token, "odd.csv", "Site,Kind\nBig Park,park\n")
    job_id = int(re.search(r"/imports/(\d+)/map", resp.headers["Location"]).group(1))
    resp = client.post(
        f"/imports/{job_id}/map",
        data={"csrf_token": token, "map-name": "", "map-category": "Kind", "map-phone": "Nope", "source": "My survey"},
    )
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert '<div class="error" role="alert" id="mapping-errors" tabindex="-1">' in page
    assert "flashes" not in page  # not a success-style banner
    assert '<tr class="has-error">' in page
    assert '<p class="field-error" id="map-name-error">Choose the column that holds the name.</p>' in page
    assert '<p class="field-error" id="map-phone-error">The file has no column “Nope”.</p>' in page
    assert 'aria-invalid="true" aria-describedby="map-name-error"' in page
    assert 'id="source" name="source" value="My survey"' in page  # the typed source is kept
    category = re.search(r'<select id="map-category".*?</select>', page, re.S).group(0)
    assert '<option value="Kind" selected>' in category  # and the columns chosen
    assert '<tr class="required">' in page  # required fields stand out before any error


def test_upload_problems_are_error_banners(as_role):
    client, token = as_role("editor")
    resp = client.post("/imports", data={"csrf_token": token}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert '<div class="flashes flash-error" role="alert"><p>Choose a file to import.</p></div>' in page
