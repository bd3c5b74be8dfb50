"""The "who isn't reached" map in a real browser: shading, rings, what-if by clicking and by suggestion."""

import re

import pytest

from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser


def numbers(text):
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def test_reach_map_and_what_if(page, live_server):
    page.goto(live_server.url + "/reach?category=food&include_imprecise=1")
    page.wait_for_function("window.reachMapState && window.reachMapState.ready === true")
    assert page.locator("path.am-area").count() == 107
    fills = page.evaluate(
        "[...new Set([...document.querySelectorAll('path.am-area')].map(p => p.getAttribute('fill')))]"
    )
    assert "#7a0177" in fills and "#f7f7f7" in fills  # some areas mostly unreached, some fully reached
    assert page.locator("path.am-ring").count() > 0
    legend = page.locator("#reach-legend").inner_text()
    assert "Share of people beyond reach" in legend and "areas" in legend
    assert page.locator("#what-if").is_visible()

    # place a hypothetical food bank in the north-east of the district, away from the towns
    page.click("#whatif-add")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.32)
    page.wait_for_function("document.getElementById('whatif-result').textContent.includes('→')")
    text = page.locator("#whatif-result").inner_text()
    before, after = numbers(text.split("→")[0])[-1], numbers(text.split("→")[1])[0]
    assert after <= before
    assert "Nothing was saved." in text

    # suggestion adds the best area centre and reports what it reaches
    page.click("#whatif-reset")
    page.wait_for_function("document.getElementById('whatif-result').textContent === ''")
    page.click("#whatif-suggest")
    page.wait_for_function("document.getElementById('whatif-result').textContent.startsWith('Best site for everyone')")
    text = page.locator("#whatif-result").inner_text()
    assert "more people reached" in text
    assert page.errors == []
    save_screenshot(page, "reach-what-if.png")


def test_reach_page_works_without_javascript(new_page, live_server):
    pg = new_page(java_script_enabled=False)
    pg.goto(live_server.url + "/reach?category=parks")
    assert "Who isn't reached: Parks and green space" in pg.locator("h1").inner_text()
    # the 20 areas with the most people beyond reach (not the "Everyone is within reach." row)
    assert pg.locator("table.ranked tbody tr[data-area]").count() == 20
    assert pg.locator("table.ranked tbody tr").first.inner_text().startswith("DA 35440210 (Bracebridge)")
    assert not pg.locator("#what-if").is_visible()  # the what-if tools need the map
    pg.select_option("#category", "health")
    pg.click("button[type=submit]")
    assert "Health services" in pg.locator("h1").inner_text()
    assert pg.blocked == []


def test_reach_what_if_speaks_french(page, live_server):
    page.goto(live_server.url + "/reach?category=food&include_imprecise=1&lang=fr")
    page.wait_for_function("window.reachMapState && window.reachMapState.ready === true")
    assert "Part des personnes hors de portée" in page.locator("#reach-legend").inner_text()
    page.click("#whatif-suggest")
    page.wait_for_function("document.getElementById('whatif-result').textContent.startsWith('Meilleur emplacement')")
    assert "Rien n’a été enregistré." in page.locator("#whatif-result").inner_text()
