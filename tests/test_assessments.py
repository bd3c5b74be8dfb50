"""Needs assessments in the app: demo run, roles, running, editing with locking and history,
change since the previous run, exports, print and the PDF (text and pages rendered with pdftoppm)."""

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from assetmap import store
from assetmap.place import load_place
from assetmap.services import assessment_geography, assessment_report, assessments
from assetmap.services.demo import DEMO_ASSESSMENT, load_demo
from needs_assessment.template_files import template_by_name

HUNTSVILLE = "3544042"


def demo_id(db):
    return db.execute("SELECT id FROM assessments WHERE external_id = ?", [DEMO_ASSESSMENT]).fetchone()[0]


def test_demo_assessment_is_finished_and_not_duplicated(db):
    row = store.get_assessment(db, demo_id(db))
    assert row["geography"] == {"kind": "district"} and row["geography_label"] == "the whole district"
    assert row["title"] == "Community needs assessment: District Municipality of Muskoka (example)"
    values = {r["id"]: r for r in assessment_report.indicator_rows(row)}
    assert values["population"]["value"] == 66674.0
    assert values["population"]["comparators"] == {"ontario": {"value": 14223942.0, "note": ""}}
    assert values["density"]["value"] == pytest.approx(66674 / 3839.47, abs=1e-5)
    assert values["median_income"]["value"] is None  # never invented
    assert row["narrative"]["community_voice"].startswith("[Example placeholder — replace this text.]")
    assert "No community engagement" in row["narrative"]["community_voice"]
    load_demo(db)
    assert db["assessments"].count == 1


def test_list_is_public_and_running_needs_an_editor(client, as_role):
    page = client.get("/assessments").get_data(as_text=True)
    assert "Community needs assessment: District Municipality of Muskoka (example)" in page
    resp = client.get("/assessments/new")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    public, _ = as_role("public")
    assert public.get("/assessments/new").status_code == 403
    assert public.get("/assessments/1/edit").status_code == 403
    assert client.get("/assessments/1").status_code == 200
    assert client.get("/assessments/999").status_code == 404


def test_editor_runs_a_municipality_and_sees_district_comparators(as_role, db):
    client, token = as_role("editor")
    form = {"csrf_token": token, "kind": "municipality", "municipality": HUNTSVILLE, "threshold": "5"}
    form["comparators"] = ["district", "ontario"]
    resp = client.post("/assessments/new", data=form)
    assert resp.status_code == 302
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    row = store.get_assessment(db, new_id)
    assert row["geography_label"] == "Huntsville" and len(row["results"]["geography"]["area_ids"]) == 32
    assert row["created_by"] == "editor@example.org (editor)"
    values = {r["id"]: r for r in assessment_report.indicator_rows(row)}
    assert values["population"]["value"] == 21147.0
    assert values["population"]["comparators"]["district"]["value"] == 66674.0
    assert values["growth"]["value"] == pytest.approx(100 * (21147 - 19816) / 19816, abs=1e-6)
    html = client.get(f"/assessments/{new_id}").get_data(as_text=True)
    assert "Huntsville" in html and "no data loaded" in html
    assert "no data loaded — enter a value with its source, or import a census profile" in html


def test_run_form_errors_and_csrf(as_role, db):
    client, token = as_role("editor")
    resp = client.post("/assessments/new", data={"csrf_token": token, "kind": "polygon", "polygon": ""})
    assert resp.status_code == 400 and "draw a polygon on the map" in resp.get_data(as_text=True)
    resp = client.post("/assessments/new", data={"kind": "district"})
    assert resp.status_code == 400 and "security token" in resp.get_data(as_text=True)
    assert db["assessments"].count == 1


def test_polygon_and_area_list_geographies(db):
    ring = [[-79.30, 45.28], [-79.15, 45.28], [-79.15, 45.38], [-79.30, 45.38], [-79.30, 45.28]]
    geo = {"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [ring]}}
    label, rows = assessment_geography.resolve_geography(db, assessment_geography.parse_geography(geo), "DA")
    reps = [(r["rep_lon"], r["rep_lat"]) for r in rows]
    assert rows and all(-79.30 <= x <= -79.15 and 45.28 <= y <= 45.38 for x, y in reps)
    assert label == f"drawn area ({len(rows)} areas)"
    label, rows = assessment_geography.resolve_geography(
        db, assessment_geography.parse_geography({"kind": "areas", "ids": ["35440163", "35440164"]}), "DA"
    )
    assert (label, sum(r["population"] for r in rows)) == ("2 chosen areas", 744 + 538)
    with pytest.raises(assessments.InvalidParameter, match="unknown area"):
        assessment_geography.resolve_geography(db, {"kind": "areas", "ids": ["nope"]}, "DA")


def test_small_numbers_are_suppressed_with_the_rule_stated(client, db):
    # a Moose Point 79 area (86 people) and a Lake of Bays area (538) with a threshold of 100: the 86
    # is hidden, and the table holding it is randomly rounded to multiples of 5 (total included), so
    # "total minus Lake of Bays" no longer gives 86
    new_id = assessments.run_assessment(
        db, geography={"kind": "areas", "ids": ["35440257", "35440164"]}, actor="t", parameters={"threshold": "100"}
    )
    row = store.get_assessment(db, new_id)
    table = row["results"]["tables"]["population_by_area"]
    (lake, moose) = table["rows"]
    assert (lake["name"], moose["name"], moose["population"], moose["suppressed"]) == (
        "Lake of Bays",
        "Moose Point 79 (Moose Deer Point First Nation)",
        None,
        True,
    )
    assert lake["population"] in (535, 540) and table["total"] in (620, 625)
    assert "Counts of people from 1 to 99 are not shown" in row["results"]["suppression_rule"]
    assert "538" not in json.dumps(table) and "86" not in json.dumps(table) and "624" not in json.dumps(table)
    html = client.get(f"/assessments/{new_id}").get_data(as_text=True)
    assert "Counts of people from 1 to 99 are not shown" in html and 'title="suppressed: small number">x</span>' in html


def test_edit_narrative_history_and_stale_save(app, as_role, db):
    aid = demo_id(db)
    alice, token_a = as_role("editor")
    from tests.conftest import sign_in

    bob = app.test_client()
    token_b = sign_in(bob, "admin@example.org")
    page = alice.get(f"/assessments/{aid}/edit").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'name="community_voice"' in page
    base = {"version": "1", "community_voice": "Residents asked for <b>rides</b> to appointments."}
    first = alice.post(
        f"/assessments/{aid}/edit",
        data={
            **base,
            "csrf_token": token_a,
            "p0_priority": "Rides to care",
            "p0_determinant": "transportation",
            "p0_owner": "Transport table",
            "value_median_income": "70,000",
            "source_median_income": "Statistics Canada, Census Profile 2021",
            "year_median_income": "2020",
        },
    )
    assert first.status_code == 302
    row = store.get_assessment(db, aid)
    assert row["version"] == 2 and row["narrative"]["priorities"][0]["priority"] == "Rides to care"
    assert row["narrative"]["manual_values"]["median_income"] == {
        "value": 70000.0,
        "source": "Statistics Canada, Census Profile 2021",
        "year": "2020",
    }
    second = bob.post(f"/assessments/{aid}/edit", data={**base, "csrf_token": token_b, "community_voice": "Other"})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Someone else changed this assessment" in html and "editor@example.org (editor)" in html
    assert store.get_assessment(db, aid)["narrative"]["community_voice"].startswith("Residents asked")
    report = alice.get(f"/assessments/{aid}").get_data(as_text=True)
    assert "Residents asked for &lt;b&gt;rides&lt;/b&gt; to appointments." in report  # escaped
    assert "70,000" in report and "Rides to care" in report
    hist = assessments.assessment_history(db, aid)
    assert [(h["version"], h["action"]) for h in hist] == [(2, "edit"), (1, "run")]
    assert {c["field"] for c in hist[0]["changes"]} == {"community_voice", "manual_values", "priorities"}
    # a value without its source is refused
    bad = alice.post(
        f"/assessments/{aid}/edit", data={"csrf_token": token_a, "version": "2", "value_unemployment": "6.1"}
    )
    assert bad.status_code == 400 and "say where the value comes from" in bad.get_data(as_text=True)


def test_later_run_shows_change_since_previous(db):
    geo = {"kind": "municipality", "id": "3544027"}  # Lake of Bays
    first = assessments.run_assessment(db, geography=geo, actor="t", run_date="2025-06-01")
    lon, lat = db.execute("SELECT rep_lon, rep_lat FROM areas WHERE id = '35440165'").fetchone()
    store.create_asset(
        db,
        {"name": "New pantry", "category": "food", "latitude": lat, "longitude": lon, "location_precision": "exact"},
        "t",
    )
    second = assessments.run_assessment(db, geography=geo, actor="t", run_date="2026-06-01")
    row = store.get_assessment(db, second)
    previous = store.previous_run(db, row)
    assert previous["id"] == first
    assert store.previous_run(db, previous) is None
    rows = {r["id"]: r for r in assessment_report.indicator_rows(row, previous)}
    # two food assets belong to Lake of Bays by their municipality field (their points are approximate)
    assert rows["food_rate"]["change"]["previous"] == pytest.approx(2000 / 3759, abs=1e-6)
    assert rows["food_rate"]["change"]["change"] == pytest.approx(1000 / 3759, abs=1e-6)
    assert rows["population"]["change"]["change"] == 0.0
    assert rows["beyond_food"]["change"]["change"] < 0  # the new pantry reaches people


def test_csv_and_xlsx_exports(client, db):
    aid = demo_id(db)
    db.execute("UPDATE assessments SET title = '=HYPERLINK(1)' WHERE id = ?", [aid])
    db.conn.commit()
    resp = client.get(f"/assessments/{aid}.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0]) == assessment_report.EXPORT_FIELDS
    pop = next(r for r in rows if r["indicator_id"] == "population")
    assert (pop["section"], pop["value"], pop["ontario_value"], pop["suppressed"]) == (
        "Who lives here",
        "66674",
        "14223942",
        "no",
    )
    income = next(r for r in rows if r["indicator_id"] == "median_income")
    assert income["value"] == "" and income["note"].startswith("no data loaded")
    wb = load_workbook(io.BytesIO(client.get(f"/assessments/{aid}.xlsx").data))
    ws = wb["Indicators"]
    assert [c.value for c in ws[1]] == assessment_report.EXPORT_FIELDS
    assert wb["About"]["B1"].value == "'=HYPERLINK(1)"  # neutralised


def test_print_layout_a4_and_letter(client, db):
    aid = demo_id(db)
    html = client.get(f"/assessments/{aid}/print").get_data(as_text=True)
    assert "size: A4;" in html and 'counter(page) " of " counter(pages)' in html
    assert html.count('<img class="map"') == 2 and html.count('<img class="chart"') == 3
    assert "Open Government Licence" in html and "GeoNames" in html
    assert "size: Letter;" in client.get(f"/assessments/{aid}/print?paper=letter").get_data(as_text=True)
    assert client.get(f"/assessments/{aid}/print?paper=a3").status_code == 400


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) missing: run scripts/test")
def test_pdf_has_every_section_and_renders_to_png(client, db, tmp_path):
    from pypdf import PdfReader

    aid = demo_id(db)
    resp = client.get(f"/assessments/{aid}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    path = tmp_path / "assessment.pdf"
    path.write_bytes(resp.data)
    reader = PdfReader(path)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    headings = [s.title for s in template_by_name("north_muskoka").sections]
    assert len(headings) == 12  # every section of the template is printed, the appendix included
    for heading in headings:
        assert heading in text, heading
    assert "Page 2 of" in text and "Open Government Licence" in text
    # The three charts and both maps are drawn: their labels and legends are text in the PDF.
    for label in ("assets per 1,000 residents", "% of residents beyond reach", "national quintile", "20 km",
                  "400+ people/km²", "80–100% beyond reach", "left out: approximate point"):  # fmt: skip
        assert label in text, label
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == len(reader.pages) >= 12
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    from tests.browser.conftest import keep_artifact

    keep_artifact(pngs[0], "assessment-pdf-cover.png")


def test_pdf_is_kept_per_version_and_remade_after_an_edit(client, as_role, db, app):
    import hashlib
    from pathlib import Path

    aid = demo_id(db)
    first = client.get(f"/assessments/{aid}.pdf")
    tag = hashlib.sha1(str(app.config["DATABASE"]).encode()).hexdigest()[:12]
    cache = Path(app.instance_path) / "pdf-cache" / tag
    files = sorted(p.name for p in cache.glob(f"assessment-{aid}-*.pdf"))
    assert len(files) == 1 and files[0].startswith(f"assessment-{aid}-v1-")
    assert client.get(f"/assessments/{aid}.pdf").data == first.data  # served from the kept file
    assert not list(cache.glob("*.partial"))
    editor, token = as_role("editor")
    editor.post(
        f"/assessments/{aid}/edit",
        data={"csrf_token": token, "version": "1", "community_voice": "New words from the forum."},
    )
    second = client.get(f"/assessments/{aid}.pdf")
    assert second.data != first.data
    assert sorted(p.name.split("-")[2] for p in cache.glob(f"assessment-{aid}-*.pdf")) == ["v1", "v2"]


def test_pdf_cover_gives_each_section_its_page_and_the_appendix_defines_every_indicator(client, db):
    """The cover (centred with a grid) lists each section at the page its heading is on, on one page;
    the definitions table (fixed column widths) holds every indicator's label and computation."""
    from pypdf import PdfReader

    aid = demo_id(db)
    row = store.get_assessment(db, aid)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"/assessments/{aid}.pdf").data)).pages]
    sections = assessments.get_template(row["template_name"]).sections
    assert pages[0].startswith("COMMUNITY NEEDS ASSESSMENT") and "Contents" in pages[0]
    for n, section in enumerate(sections, start=1):
        page = int(re.search(re.escape(section.title) + r" \.{10,} (\d+)", pages[0]).group(1))
        assert pages[page - 1].startswith(f"{n}. {section.title}\n"), section.title
    appendix = next(i for i, text in enumerate(pages) if text.startswith(f"{len(sections)}. Appendix"))
    words = re.sub(r"\s+", " ", " ".join(pages[appendix:]))
    glued = re.sub(r"\s+", "", words)  # formulas break anywhere (break-all)
    indicators = assessment_report.indicator_rows(row)
    assert len(indicators) >= 40
    for r in indicators:
        assert r["label"] in words and re.sub(r"\s+", "", r["compute"]) in glued, r["label"]


def test_a_run_is_dated_by_the_place_not_the_server(db):
    # At 19:30 in Toronto the server's clock (UTC) is already on the next day; the run is the place's day.
    aid = assessments.run_assessment(db, geography={"kind": "district"}, actor="test")
    assert store.get_assessment(db, aid)["run_date"] == load_place(db).today().isoformat()
    assert load_place(db).today(datetime(2026, 11, 30, 0, 30, tzinfo=UTC)) == date(2026, 11, 29)
