"""The resident finder on a phone-size screen: search, filter, select two supports, print the
handout to PDF; axe-core finds no serious or critical accessibility violations."""

import io
import re
import unicodedata

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import ARTIFACTS, save_screenshot

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def serious_violations(pg) -> list[str]:
    results = Axe().run(pg)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_phone_search_filter_select_and_print_handout(new_page, live_server):
    pg = new_page(**PHONE)
    pg.goto(live_server.url + "/finder")
    pg.fill("#near", "P1L 1T8")
    pg.check("input[name=category][value=social_services]")
    pg.click("summary:has-text('More filters')")
    pg.fill("#open_at", "2026-11-24T10:00")  # a Tuesday morning
    pg.click("button[type=submit]:has-text('Search')")
    pg.wait_for_selector("#results-heading")
    assert pg.locator("#results-heading").inner_text() == "3 supports near P1L 1T8, Bracebridge"
    names = pg.locator(".result-list h3").all_inner_texts()
    assert names == [  # numbered as on the map
        "1 Town of Bracebridge Municipal Office",
        "2 Chrysalis (Muskoka Women's Advocacy Group)",
        "3 Muskoka Interval House (Muskoka Women's Advocacy Group)",
    ]
    assert "about 2 km, straight line" in pg.locator("#result-95").inner_text()
    pg.wait_for_function("window.finderState && window.finderState.map === true")
    assert pg.evaluate("window.finderState.markers") == 1  # only the precise point is mapped
    # nothing is wider than the phone screen
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390

    pg.check("#result-95 input[name=ids]")
    pg.check("#result-91 input[name=ids]")
    assert pg.locator("#make-handout").inner_text() == "Make a handout of the selected supports (2)"
    assert re.search(r"ids=95%2C91", pg.url)  # the selection is in the page's address
    save_screenshot(pg, "finder-phone-results.png")
    assert serious_violations(pg) == []

    pg.click("#make-handout")
    pg.wait_for_selector("h1:has-text('Local supports')")
    assert "/finder/handout?" in pg.url
    text = pg.locator("main").inner_text()
    assert "Town of Bracebridge Municipal Office" in text and "Muskoka Interval House" in text
    assert "Check before you go:" in text
    # the QR code is drawn (an SVG without its namespace shows only the alt text in Chromium)
    assert pg.locator("img.qr").evaluate("img => img.complete && img.naturalWidth") > 0
    assert serious_violations(pg) == []
    pdf = pg.pdf(format="Letter", prefer_css_page_size=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "handout-from-browser.pdf").write_bytes(pdf)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    # NFKC undoes the typographic ligatures (ﬃ) the PDF's text carries
    printed = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages)))
    assert len(reader.pages) == 1
    assert "Town of Bracebridge Municipal Office" in printed
    assert "Muskoka Interval House" in printed
    assert "Check before you go" in printed
    assert "Download PDF" not in printed  # the toolbar is not printed
    assert pg.errors == []


def test_phone_lands_on_the_results_numbered_like_the_map(new_page, live_server):
    pg = new_page(**PHONE)
    pg.goto(live_server.url + "/finder")
    pg.fill("#near", "P1L 1T8")
    pg.check("input[name=category][value=food]")
    pg.click("button[type=submit]:has-text('Search')")
    pg.wait_for_selector("#results-heading")
    pg.wait_for_selector(".am-marker")
    # the first result's name is on the first screen, without scrolling, and focus is on the results
    first = pg.locator(".result-list h3").first
    box = first.bounding_box()
    assert first.inner_text() == "1 Manna Food Bank"
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844, box
    pg.wait_for_function("document.activeElement && document.activeElement.id === 'results-heading'", timeout=5000)
    assert pg.locator("#near").is_visible()  # the compact form is right above
    # nothing selected: no handout bar
    assert not pg.locator("#handout-bar").is_visible()
    # markers carry their card's number
    markers = pg.locator(".am-marker .pin").all_inner_texts()
    assert markers == ["7", "8", "19"]
    for number in markers:
        card = pg.locator(".result-list > li").nth(int(number) - 1)
        title = pg.locator(f".leaflet-marker-icon[title^='{number}. ']").get_attribute("title")
        assert title == number + ". " + card.locator("h3").inner_text().split(" ", 1)[1]
    save_screenshot(pg, "finder-phone-landing.png")
    # each card's category dot starts the line its category words are on (never alone on a line)
    apart = pg.evaluate(
        """() => [...document.querySelectorAll('.support-meta')].map(p => {
            const dot = p.querySelector('.pin').getBoundingClientRect();
            const words = p.querySelector('.pin + span').getClientRects()[0];
            return Math.abs((dot.top + dot.bottom) / 2 - (words.top + words.bottom) / 2);
        })"""
    )
    assert len(apart) == 20 and max(apart) < 8, apart
    pg.check("#result-4 input[name=ids]")
    assert pg.locator("#handout-bar").is_visible()
    assert pg.locator("#make-handout").inner_text() == "Make a handout of the selected supports (1)"
    pg.uncheck("#result-4 input[name=ids]")
    assert not pg.locator("#handout-bar").is_visible()
    # an unknown place: the message is next to the field, on screen, with focus, the typing kept
    pg.fill("#near", "P9Z")
    pg.click("button[type=submit]:has-text('Search')")
    pg.wait_for_selector("#near-error")
    error = pg.locator("#near-error")
    box = error.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844, box
    pg.wait_for_function("document.activeElement && document.activeElement.id === 'near-error'", timeout=5000)
    assert pg.input_value("#near") == "P9Z"
    assert pg.errors == []


def test_use_my_location_and_french(new_page, live_server):
    pg = new_page(**PHONE, geolocation={"latitude": 45.0453, "longitude": -79.3076}, permissions=["geolocation"])
    pg.goto(live_server.url + "/finder?lang=fr&category=food")
    pg.click("#use-location")
    pg.wait_for_selector("#results-heading")
    assert "near=45.0453%2C-79.3076" in pg.url
    assert pg.locator("html").get_attribute("lang") == "fr"
    assert "ressources près de 45.0453, -79.3076" in pg.locator("#results-heading").inner_text()
    assert pg.locator(".result-list li").count() == 20  # 23 food supports: the first page holds 20
    assert serious_violations(pg) == []
    assert pg.errors == []


def test_finder_works_without_javascript(new_page, live_server):
    pg = new_page(**PHONE, java_script_enabled=False)
    pg.goto(live_server.url + "/finder?near=Bracebridge&category=food")
    assert pg.locator(".result-list li").count() == 20
    assert not pg.locator("#finder-map").is_visible()
    pg.check("#result-7 input[name=ids]")
    assert not pg.locator("#handout-bar").is_visible()  # nothing was selected when the page was made
    pg.click("button:visible:has-text('Make a handout of the selected supports')")  # the <noscript> one
    assert "The Salvation Army Gravenhurst" in pg.locator("main").inner_text()
    assert pg.blocked == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/reach",
        "/sources",
        "/finder?near=Bracebridge&lang=fr",
        "/suggest",
        "/suggest?lang=fr",
        "/login",
        "/assets/3/suggest",
        "/assessments",
        "/assessments/1",
        "/nope",
    ],
)
def test_public_pages_have_no_serious_accessibility_violations(page, live_server, path):
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
