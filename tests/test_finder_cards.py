"""The finder as a resident on a phone meets it: cards that show what is known and name the rest in
one line, numbers shared by cards and markers, directions only where people can go, a compact form
that the browser lands on with the results below it, French as French Canadians write it."""

import json
import re
from pathlib import Path

from app.views.finder_words import directions_url, distance_text
from assetmap import store
from assetmap.vocab import subcategories


def _config(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="finder-config">(.*?)</script>', html).group(1))


def test_cards_are_numbered_and_markers_carry_the_same_numbers(client):
    html = client.get("/finder?near=P1L+1T8&category=food").get_data(as_text=True)
    numbers = re.findall(r'<span class="result-number" aria-hidden="true">(\d+)</span>', html)
    assert numbers == [str(n) for n in range(1, 21)]
    cards = re.findall(
        r'<li id="result-(\d+)">.*?<span class="result-number" aria-hidden="true">(\d+)</span>', html, re.S
    )
    by_id = {int(i): int(n) for i, n in cards}
    mapped = _config(html)["results"]
    assert [(r["id"], r["number"]) for r in mapped] == [(r["id"], by_id[r["id"]]) for r in mapped]
    assert [r["number"] for r in mapped] == [7, 8, 19]  # only precise points are mapped; numbers are the cards'


def test_cards_show_what_is_known_and_one_line_for_the_rest(client):
    html = client.get("/finder?near=P1L+1T8&category=food").get_data(as_text=True)
    manna = re.search(r'<li id="result-4">(.*?)</li>', html, re.S).group(1)
    assert "<dt>Phone</dt>" in manna and "<dt>Hours</dt>" in manna
    assert "<dt>Languages</dt>" not in manna and "<dt>Cost</dt>" not in manna
    assert (
        '<p class="unknown">Languages, accessibility, cost, who it serves and date last checked not known — '
        "check before you go.</p>" in manna
    )
    assert "not known</span>" not in html  # no row of its own for anything unknown


def test_directions_only_from_a_street_address_or_a_precise_point(client):
    results = client.get("/api/search?near=P1L+1N3&limit=100").get_json()["results"]
    by_id = {r["id"]: r for r in results}
    # a mailing address (PO box) is not where people go: no directions, and the card says what it is
    assert by_id[74]["address"] == "Box 14, Bala (mailing)" and by_id[74]["directions_url"] is None
    # a precise point gets a route even when its address is a mailing one
    assert by_id[100]["directions_url"].startswith("https://www.openstreetmap.org/directions?route=")
    # a street address searched on OpenStreetMap when the point is only approximate
    street = {"location": "community", "address": "1 Main St", "address_kind": "street", "place": "Bala"}
    assert directions_url(street, None) == "https://www.openstreetmap.org/search?query=1+Main+St%2C+Bala"
    # a description of a place ("Corner of ...") is not known to be a street address
    assert directions_url({**street, "address_kind": None}, None) is None
    html = client.get("/finder?near=P1L+1N3&category=food&limit=100").get_data(as_text=True)
    bala = re.search(r'<li id="result-74">(.*?)</li>', html, re.S).group(1)
    assert "<dt>Mailing address</dt><dd>Box 14, Bala (mailing), Bala, P0C 1A0</dd>" in bala
    assert "Directions" not in bala


def test_the_example_postal_code_is_a_street_address_code(client, db):
    html = client.get("/finder").get_data(as_text=True)
    example = re.search(r"For example ([A-Z]\d[A-Z] \d[A-Z]\d),", html).group(1)
    assert example == "P1L 1N3"
    holders = [r for r in store.public_rows(db) if r["postal_code"] == example]
    assert holders and all(r["address_kind"] == "street" for r in holders)
    assert client.get(f"/api/search?near={example}").get_json()["near"]["label"] == "P1L 1N3, Bracebridge"


def test_search_form_lands_compact_with_results_or_the_error_below(client):
    first = client.get("/finder").get_data(as_text=True)
    assert 'action="/finder#search" id="search"' in first
    assert '<details class="categories-box" open>' in first  # before a search, every choice is open
    html = client.get("/finder?near=P1L+1T8&category=food").get_data(as_text=True)
    assert '<details class="categories-box">' in html and "<summary>Categories: Food</summary>" in html
    assert '<h2 id="results-heading" tabindex="-1">' in html
    assert '<p class="lede">' not in html
    resp = client.get("/finder?near=P9Z&category=food")
    assert resp.status_code == 400
    bad = resp.get_data(as_text=True)
    assert (
        '<p class="field-error" id="near-error" role="alert" tabindex="-1">'
        "We couldn&#39;t find &#39;P9Z&#39;. Try a full postal code or a town name.</p>" in bad
    )
    assert 'value="P9Z" autocomplete="postal-code" aria-describedby="near-error near-help" aria-invalid="true"' in bad


def test_handout_bar_only_when_something_is_selected(client):
    html = client.get("/finder?near=P1L+1T8&category=food").get_data(as_text=True)
    assert '<div class="handout-bar" id="handout-bar" hidden>' in html
    chosen = client.get("/finder?near=P1L+1T8&category=food&ids=4,74").get_data(as_text=True)
    assert '<div class="handout-bar" id="handout-bar">' in chosen
    assert "Make a handout of the selected supports (2)</button>" in chosen


def test_french_numbers_and_subcategories(client):
    reach = client.get("/reach?category=food&lang=fr").get_data(as_text=True)
    assert "<strong>55\u00a0062</strong> personnes sur 66\u00a0674 (83\u00a0%)" in reach
    assert "plus de 1,6\u00a0km en ville" in reach or "plus de 1,6 km en ville" in reach
    english = client.get("/reach?category=food&lang=en").get_data(as_text=True)
    assert "<strong>55,062</strong> of 66,674 people (83%)" in english and "more than 1.6 km in town" in english
    finder = client.get("/finder?near=P1L+1T8&category=food&lang=fr").get_data(as_text=True)
    assert "Alimentation · <span>banque alimentaire</span>" in finder
    assert "environ 15 km, à vol d’oiseau" in finder or "environ 15 km, à vol d’oiseau" in finder
    # a subcategory nobody translated stays as written, marked as English for screen readers
    assert '<span lang="en">weekend food bags for children 4-13 (referral by schools)</span>' in client.get(
        "/finder?q=weekend&lang=fr"
    ).get_data(as_text=True)
    assert subcategories.french("library or archives") == "bibliothèque ou archives"


def test_distances_in_french_use_a_decimal_comma(app):
    with app.test_request_context("/finder?lang=fr"):
        assert distance_text(2600) == "environ 2,5 km, à vol d’oiseau"
        assert distance_text(31_827_000) == "environ 31 827 km, à vol d’oiseau"
    with app.test_request_context("/finder?lang=en"):
        assert distance_text(2600) == "about 2.5 km, straight line"
        assert distance_text(31_827_000) == "about 31,827 km, straight line"


def test_favicon(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp.mimetype == "image/vnd.microsoft.icon"
    assert resp.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_api_gives_the_words_without_the_cards_helpers(client):
    result = next(r for r in client.get("/api/search?q=manna&lang=fr").get_json()["results"] if r["id"] == 4)
    assert result["subcategory_label"] == "banque alimentaire"
    assert result["unknown_text"] == (
        "Non connu : langues, accessibilité, coût, clientèle et date de la dernière vérification — "
        "vérifiez avant de vous déplacer."
    )
    assert not {"details", "unknown_list", "subcategory_lang", "mailing_address"} & set(result)


def test_a_fresh_clone_served_with_flask_run_speaks_french(tmp_path):
    """The .mo files are not in git: the app compiles a missing or stale catalogue when it starts."""
    import gettext
    import shutil

    from app.i18n import compile_catalogues

    root = Path(__file__).resolve().parents[1] / "translations"
    copy = tmp_path / "translations"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("*.mo"))
    assert [p.name for p in compile_catalogues(copy)] == ["messages.mo"]
    french = gettext.GNUTranslations((copy / "fr" / "LC_MESSAGES" / "messages.mo").open("rb"))
    assert french.gettext("Community assets") == "Ressources communautaires"
    assert compile_catalogues(copy) == []  # up to date: nothing to do


def test_every_string_the_code_marks_has_a_french_translation():
    """Extract with README's keywords (incl. the finder's `_text(words, msgid)`): every message is in
    the French catalogue and translated, so no marked string silently falls back to English."""
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    command = re.search(r"^pybabel extract (.*) -o translations/messages.pot \.$", readme, re.M).group(1).split()
    pot = Path(__import__("tempfile").mkdtemp()) / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *command, "-o", str(pot), "."],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip
    from babel.messages.pofile import read_po

    wanted = read_po(pot.open("rb"))
    french = read_po((root / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb"))
    missing = [m.id for m in wanted if m.id and (m.id not in french or not french[m.id].string)]
    assert missing == []
    # and nothing translated is left behind: a string the extraction no longer finds is either gone
    # from the code (run pybabel update) or used through a function the command does not know
    stale = [m.id for m in french if m.id and m.id not in wanted]
    assert stale == []


def test_a_card_says_when_its_details_were_last_seen(client):
    """Issue 13's data: the date the details were copied from a dated page reaches the card and the
    handout as a 'last seen' date (old ones are also flagged, see test_trafford_demo)."""
    page = " ".join(client.get("/finder?q=salvation+army+south").get_data(as_text=True).split())
    assert "<dt>Last seen on its source</dt><dd>2025-11-22</dd>" in page
    handout = " ".join(client.get("/finder/handout?ids=5").get_data(as_text=True).split())
    assert "<dt>Last seen on its source</dt><dd>2025-11-22</dd>" in handout
    # seen over two years ago: flagged with its year instead, not said twice
    manna = " ".join(client.get("/finder/handout?ids=4").get_data(as_text=True).split())
    assert "Last seen 2023 — check before you go." in manna and "Last seen on its source" not in manna


def test_a_cost_said_twice_is_said_once(app):
    from app.views.finder_words import details

    card = details({"location": "distance", "cost_text": "Free", "cost": "free"})
    assert card["cost"] == "Free"


def test_each_number_of_a_phone_field_dials_itself(app):
    """'705-645-2100 (general); 1-800-461-4210' is two links, each to its own number (an extension
    is left to the caller), never one link that dials the first number whatever is tapped."""
    from app.views.finder import phone_links

    text = "705-645-2100 (general); 1-800-461-4210; emergency shelter/CHPI 705-645-2412 ext. 4363; see website"
    assert phone_links(text) == [
        ("705-645-2100 (general)", "tel:7056452100"),
        ("1-800-461-4210", "tel:18004614210"),
        ("emergency shelter/CHPI 705-645-2412 ext. 4363", "tel:7056452412"),
        ("see website", None),
    ]


def _by_id(client, url):
    return {r["id"]: r for r in client.get(url).get_json()["results"]}


def test_without_a_place_searched_a_located_site_is_in_its_town_not_unknown(client):
    found = _by_id(client, "/api/search?q=railway")
    assert found[42]["place_text"] == "in Gravenhurst"  # an exact point; only no distance to give
    assert "not known" not in found[42]["place_text"]
    assert _by_id(client, "/api/search?q=railway&lang=fr")[42]["place_text"] == "à Gravenhurst"


def test_a_confidential_site_without_a_phone_is_not_said_to_take_calls(client):
    found = _by_id(client, "/api/search?q=Table")
    assert found[128]["phone"] is None and found[128]["place_text"] == "location confidential"
    assert _by_id(client, "/api/search?q=Interval")[91]["place_text"] == "location confidential: contact them by phone"
    assert _by_id(client, "/api/search?q=Table&lang=fr")[128]["place_text"] == "emplacement confidentiel"
