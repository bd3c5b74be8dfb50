"""An editor runs a needs assessment for one municipality, writes the community voice and opens the print page."""

import pytest

from tests.browser.conftest import save_screenshot
from tests.conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser


def test_editor_runs_edits_and_prints(page, live_server):
    page.goto(live_server.url + "/assessments/new")
    page.fill("#email", ACCOUNTS["editor"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/assessments/new")
    page.wait_for_function("window.assessmentDrawState && window.assessmentDrawState.ready === true")
    assert page.locator("#draw-tools").is_visible()
    page.check("#kind-municipality")
    page.select_option("#municipality", "3544018")  # Bracebridge
    page.click("#assessment-form button[type=submit]")
    page.wait_for_url("**/assessments/*")
    assert "Bracebridge" in page.locator(".meta").inner_text()
    assert "17,305" in page.locator("#ind-population").inner_text()

    page.click("a.button:has-text('Edit narrative')")
    page.fill("#f-community_voice", "Parents asked for <script>alert(1)</script> evening programs.")
    page.click("form.narrative-form button[type=submit]")
    page.wait_for_selector("text=Saved.")
    assert (
        "Parents asked for <script>alert(1)</script> evening programs." in page.locator("#section-voice").inner_text()
    )
    assert page.dialogs == []

    page.blocked.clear()  # the form's base-map tiles; the print page must ask for nothing outside
    page.click("text=Print layout")
    page.wait_for_load_state()
    assert page.locator("h1.doc-title").inner_text().endswith("Bracebridge")
    assert page.locator("img.map").count() == 2
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    save_screenshot(page, "assessment-print.png")
    assert page.errors == [] and page.blocked == []


def test_demo_print_page_has_no_js_errors(page, live_server):
    page.goto(live_server.url + "/assessments/1/print?paper=letter")
    assert "District Municipality of Muskoka" in page.locator("h1.doc-title").inner_text()
    assert page.locator("section.report-section").count() == 12  # with "Who isn't accessing services"
    assert page.errors == [] and page.blocked == []


def test_drawing_a_polygon_runs_for_the_areas_inside(page, live_server):
    page.goto(live_server.url + "/login?next=/assessments/new")
    page.fill("#email", ACCOUNTS["editor"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function("window.assessmentDrawState && window.assessmentDrawState.ready === true")
    page.click("#draw-start")
    page.locator(".draw-map").scroll_into_view_if_needed()
    box = page.locator(".draw-map .folium-map").bounding_box()
    for fx, fy in ((0.35, 0.35), (0.65, 0.35), (0.65, 0.65), (0.35, 0.65)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    assert page.input_value("#polygon").startswith('{"type":"Polygon"')
    assert page.is_checked("#kind-polygon")
    page.click("#assessment-form button[type=submit]")
    page.wait_for_url("**/assessments/*")
    assert "drawn area" in page.locator(".meta").inner_text()
    assert page.errors == []


def test_pdf_link_says_it_is_being_made_then_opens_it(strict_page, live_server):
    page = strict_page  # under the real Content-Security-Policy
    page.goto(live_server.url + "/assessments/1")
    page.click("a[data-pdf]:has-text('PDF (A4)')")
    page.wait_for_selector("#pdf-status:has-text('Preparing the PDF')")
    page.wait_for_url("blob:**", timeout=30_000)
    assert page.errors == []
