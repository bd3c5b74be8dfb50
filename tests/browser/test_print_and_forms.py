"""A planner prints "who isn't reached" for a board (map, legend, summary, table; no form, no
buttons, no heading stranded at a page's foot), and the assessment form's radio buttons sit beside
their words."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.browser.conftest import ARTIFACTS
from tests.conftest import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.browser


def test_reach_prints_map_legend_summary_and_table_without_the_form(page, live_server):
    page.goto(live_server.url + "/reach?category=food")
    page.wait_for_selector("#reach-legend")
    page.wait_for_load_state("networkidle")
    pdf = page.pdf(format="Letter", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reach-print.pdf").write_bytes(pdf)
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    everything = " ".join(pages)
    # first page: the title, the map's legend and the summary with its figures
    assert "Who isn't reached: Food" in pages[0]
    assert "Share of people beyond reach" in pages[0]
    assert "Summary 55,062 of 66,674 people (83%) live beyond reach of" in pages[0]
    assert "Areas with the most people beyond reach" in everything and "DA 35440210 (Bracebridge)" in everything
    for screen_only in ("Update", "Distance threshold", "Road distance factor", "What if", "Place a new site", "Reset"):
        assert screen_only not in everything, screen_only
    # every heading is followed on its own page by what it heads
    follows = {
        "Summary": "of 66,674 people",
        "By deprivation": "Deprivation (CIMD 2021)",
        "Areas with the most people beyond reach": "Area People Beyond reach",
    }
    for heading, first_words in follows.items():
        where = [i for i, text in enumerate(pages) if heading in text]
        assert where, heading
        text = pages[where[0]]
        assert first_words in text[text.index(heading) :], (heading, where[0])
    assert page.locator("form.reach-form").is_visible()  # the screen keeps its form


def test_assessment_form_radios_sit_beside_their_words(page, live_server):
    page.goto(live_server.url + "/assessments/new")
    page.fill("#email", ACCOUNTS["editor"])
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/assessments/new")
    gaps = page.evaluate(
        """() => Array.from(document.querySelectorAll('input[type=radio]')).map(radio => {
            const label = radio.closest('label');
            const text = Array.from(label.childNodes).find(n => n.nodeType === 3 && n.textContent.trim());
            const range = document.createRange();
            range.selectNodeContents(text);
            const words = Array.from(range.getClientRects()).find(r => r.width > 0);
            return [label.textContent.trim(), Math.round(words.left - radio.getBoundingClientRect().right)];
        })"""
    )
    assert [name for name, _ in gaps] == [
        "The whole district (all areas)",
        "One municipality",
        "A group of areas",
        "A polygon drawn on the map",
    ]
    assert all(0 <= gap <= 16 for _, gap in gaps), gaps
