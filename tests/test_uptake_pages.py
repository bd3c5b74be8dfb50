"""The "Who isn't accessing" page without JavaScript, in French, its charts, the editors' import page
with its preview, and the uptake section of a needs assessment on screen, in print and in the PDF."""

import html as html_lib
import io
import re
import shutil
import subprocess

import pytest

from assetmap import store
from assetmap.services import assessments
from tests.test_uptake_import import EXAMPLES, SERVICE, load_example

PAGE = "/uptake?service=Example+community+nursing+visits&category=health"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html)))


def test_page_before_any_data(client, as_role):
    html = client.get("/uptake").get_data(as_text=True)
    assert "No counts of service use are loaded yet." in html and "/uptake/import" not in html
    editor, _ = as_role("editor")
    assert 'href="/uptake/import"' in editor.get("/uptake").get_data(as_text=True)
    reach = client.get("/reach").get_data(as_text=True)
    assert 'href="/uptake"' in reach and "Who isn't accessing" in reach  # the two modes side by side


def test_page_summary_table_and_classes_work_without_javascript(runner, client):
    load_example(runner)
    resp = client.get(PAGE)
    assert resp.status_code == 200
    text = text_of(resp.get_data(as_text=True))
    assert "Who isn't accessing: Example community nursing visits" in text
    assert "1,779 people against 1,842 expected: a ratio of 0.97 (95% interval 0.92 to 1.01)." in text
    assert "Expected: at the rates of Fictional province (synthetic), age band by age band" in text
    assert "Source: SYNTHETIC example (assets_data/examples), not real data; period 2025" in text
    assert "At 95%: 6 areas lower, 86 similar, 2 higher, 13 not shown." in text
    html = resp.get_data(as_text=True)
    ranked = re.findall(r'<tr data-area="(\d+)">', html)
    assert ranked == ["35440211", "35440210", "35440171", "35440177", "35440184", "35440166"]
    assert "DA 35440211 (Bracebridge) Near a service but using it less than expected" in text
    assert re.search(r"Near a service but using it less than expected: barriers other than distance \(language, cost, "
                     r"awareness, eligibility\) 6 ", text)  # fmt: skip
    assert 'src="/uptake/funnel.svg?' in html and 'src="/uptake/gradient.svg?' in html


def test_page_in_french_and_its_charts(runner, client):
    load_example(runner)
    text = text_of(client.get(PAGE + "&lang=fr").get_data(as_text=True))
    assert "Qui n’utilise pas : Example community nursing visits" in text
    assert "À 95 % : 6 aires plus basses, 86 semblables, 2 plus hautes, 13 non montrées." in text
    svg = client.get("/uptake/funnel.svg?service=Example+community+nursing+visits&lang=fr")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "limites à 95\u00a0%" in svg.get_data(as_text=True)
    assert "quintile" in client.get("/uptake/gradient.svg?service=Example+community+nursing+visits").get_data(
        as_text=True
    )
    assert client.get("/uptake/funnel.svg?service=Nothing").status_code == 404
    assert client.get(PAGE.replace("health", "bakeries")).status_code == 400


def test_names_from_files_are_escaped(runner, client, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("area_id,count\n35440163,20\n")
    runner.invoke(args=["import-service-use", str(path), "--service", "<b>Clinic</b>", "--source", "<i>them</i>"])
    html = client.get("/uptake").get_data(as_text=True)
    assert "&lt;b&gt;Clinic&lt;/b&gt;" in html and "<b>Clinic" not in html and "&lt;i&gt;them&lt;/i&gt;" in html


def test_editors_preview_then_import_in_the_browser(client, as_role, db):
    assert client.get("/uptake/import").status_code == 302  # editors only
    editor, token = as_role("editor")
    assert editor.get("/uptake/import").status_code == 200
    data = (EXAMPLES / "synthetic_uptake_population.csv").read_bytes()
    resp = editor.post(
        "/uptake/import",
        data={
            "csrf_token": token,
            "kind": "population_bands",
            "action": "preview",
            "file": (io.BytesIO(data), "pop.csv"),
        },
    )
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "840 rows checked (not saved): 105 areas in 8 age bands, total 66,674." in page
    assert store.population_bands(db) == ([], {})  # the preview saved nothing
    stored = re.search(r'name="file" value="([0-9a-f]{32}\.csv)"', page).group(1)
    resp = editor.post(
        "/uptake/import",
        data={
            "csrf_token": token,
            "kind": "population_bands",
            "action": "import",
            "file": stored,
            "file_name": "pop.csv",
        },
    )
    assert resp.status_code == 302 and len(store.population_bands(db)[1]) == 105
    bad = "area_id,age_band,count\n35440163,0-4,1\n35440163,9-9,2\n"
    resp = editor.post(
        "/uptake/import",
        data={"csrf_token": token, "kind": "service_use", "service": "Clinic", "action": "preview",
              "file": (io.BytesIO(bad.encode()), "bad.csv")},
    )  # fmt: skip
    assert resp.status_code == 400
    assert "row 3" in resp.get_data(as_text=True) and "unknown age band &#39;9-9&#39;" in resp.get_data(as_text=True)
    assert store.list_service_uses(db) == []
    resp = editor.post(
        "/uptake/import",
        data={
            "csrf_token": token,
            "kind": "service_use",
            "action": "import",
            "service": "Clinic",
            "file": "../../etc.csv",
        },
    )
    assert resp.status_code == 400 and "the preview has expired" in resp.get_data(as_text=True)


def run_with_example(runner, db) -> int:
    load_example(runner)
    return assessments.run_assessment(db, geography={"kind": "municipality", "id": "3544042"}, actor="test")


def test_assessment_has_the_uptake_section(runner, client, db):
    aid = run_with_example(runner, db)
    row = store.get_assessment(db, aid)
    [table] = row["results"]["tables"]["uptake"]
    assert (table["service"], table["period"], table["reference"]) == (
        SERVICE,
        "2025",
        "Fictional province (synthetic)",
    )
    ids = row["results"]["geography"]["area_ids"]
    assert [a["id"] for a in table["areas"]] == ids  # Huntsville's areas only
    # Huntsville's low areas; its DA 35440171 (9 people seen) is hidden here by the secondary rule of the smaller table
    assert [r["id"] for r in table["below"]] == ["35440177", "35440184", "35440166"]
    text = text_of(client.get(f"/assessments/{aid}").get_data(as_text=True))
    assert "Who isn't accessing services" in text and "Example community nursing visits, 2025" in text
    assert "Source: SYNTHETIC example (assets_data/examples), not real data (loaded" in text
    print_html = client.get(f"/assessments/{aid}/print").get_data(as_text=True)
    assert print_html.count('alt="Funnel plot of Example community nursing visits') == 1


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) missing: run scripts/test")
def test_assessment_pdf_has_the_uptake_section(runner, client, db, tmp_path):
    from pypdf import PdfReader

    aid = run_with_example(runner, db)
    resp = client.get(f"/assessments/{aid}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    path = tmp_path / "uptake.pdf"
    path.write_bytes(resp.data)
    reader = PdfReader(path)
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    number = next(i for i, p in enumerate(pages) if "Example community nursing visits, 2025" in p)
    page = pages[number]
    assert "Who isn't accessing services" in page
    assert (
        "Expected at the rates of Fictional province (synthetic), age band by age band (indirectly standardised)"
        in page
    )
    assert "DA 35440177 (Huntsville)" in page and "expected count (log scale)" in page  # the table and the funnel plot
    assert any("Ratio by deprivation quintile" in p for p in pages[number : number + 2])
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(number + 1), "-l", str(number + 1), str(path),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    [png] = tmp_path.glob("page-*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from tests.browser.conftest import keep_artifact

    keep_artifact(png, "assessment-pdf-uptake.png")


def test_page_when_far_cannot_be_said(runner, client, db):
    load_example(runner)
    store.upsert_categories(db, [{"slug": "dentists", "label": "Dentists", "sort_order": 99}])  # no site at all
    html = client.get(PAGE.replace("health", "dentists")).get_data(as_text=True)
    assert 'data-view="distance"' not in html and "Near a service but using it less" not in html
    assert "1,779" in text_of(html)  # the rest of the page stands
