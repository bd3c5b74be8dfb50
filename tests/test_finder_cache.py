"""What the finder keeps per data version (a result's parts, its words per language): the answers
are those made afresh, in each language and for each moment searched, and an edit shows at once."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import request

from app.context import place
from app.db import get_db
from app.views import finder_words
from app.views.finder import parse_search_args
from assetmap import store
from assetmap.services import finder, finder_index

ZONE = ZoneInfo("America/Toronto")
NEAR_BRACEBRIDGE = (45.0386, -79.3089)


def search(client, query: str) -> dict:
    resp = client.get("/api/search?" + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def made_afresh(app, query: str, doc: dict) -> list[dict]:
    """The API's results for `doc` (its ids, distances and moment) with every row read and worded
    again, nothing kept: public_result and decorate, as before anything was kept."""
    with app.test_request_context("/api/search?" + query):
        origin, filters, _limit = parse_search_args(request.args)
        rows = store.public_rows_for_ids(get_db(), [r["id"] for r in doc["results"]])
        labels = finder_words.category_labels(store.category_rows(get_db()))
        at = filters.open_at or datetime.fromisoformat(doc["evaluated_at"])
        zone, region = place().timezone, place().holidays
        out = []
        for r in doc["results"]:
            plain = finder.public_result(rows[r["id"]], r["distance_m"], evaluated_at=at, zone=zone, region=region)
            card = finder_words.decorate(plain, labels, origin)
            out.append({k: v for k, v in card.items() if k not in finder_words.PAGE_ONLY})
        return out


def add_site(db, **values) -> int:
    row = {
        "name": "Zymurgy Food Co-op",
        "category": "food",
        "community": "Bracebridge",
        "address": "1 Manitoba St",
        "address_kind": "street",
        "postal_code": "P1L 1T8",
        "phone": "705-555-0199",
        "latitude": NEAR_BRACEBRIDGE[0],
        "longitude": NEAR_BRACEBRIDGE[1],
        "location_precision": "address",
        "confidential": 0,
        "status": "active",
        "version": 1,
    }
    row.update(values)
    return db["assets"].insert(row).last_pk


QUERIES = [
    "near=Bracebridge&category=food",
    "near=P1L+1T8&category=social_services&limit=50",
    "near=45.33,-79.21&open_at=2026-11-24T10:00",
    "near=Huntsville&q=food",
    "q=library",
    "category=health&limit=100",
]


@pytest.mark.parametrize("query", QUERIES)
def test_kept_results_are_those_made_afresh_in_each_language(app, client, query):
    seen = {}
    for lang in ("en", "fr", "en", "fr"):  # the second time round, everything comes from what was kept
        doc = search(client, f"{query}&lang={lang}")
        assert doc["results"], query
        fresh = made_afresh(app, f"{query}&lang={lang}", doc)
        if "open_at" not in query:  # the moment is now: its open state is checked in the next test
            for r in doc["results"] + fresh:
                r.pop("open_state"), r.pop("open_text")
        assert doc["results"] == fresh
        assert seen.setdefault(lang, doc["results"]) == doc["results"]
    labels = {lang: [r["category_label"] for r in results] for lang, results in seen.items()}
    assert labels["en"] != labels["fr"]  # 'Food' / 'Alimentation', 'Health services' / 'Services de santé'...


def test_open_state_and_old_details_follow_the_moment_searched(app, client, db):
    site = add_site(db, opening_hours="Mo-Fr 09:00-17:00", last_seen="2024-10-01")
    origin = finder.Origin("here", *NEAR_BRACEBRIDGE, "here", "coordinates")

    def result(moment: datetime) -> dict:
        found = finder.search(db, origin, finder.Filters(categories=("food",)), now=moment, limit=5)
        return next(r for r in found.results if r["id"] == site)

    tuesday_10am, tuesday_8pm = datetime(2026, 11, 24, 10, tzinfo=ZONE), datetime(2026, 11, 24, 20, tzinfo=ZONE)
    year_before = datetime(2025, 11, 25, 10, tzinfo=ZONE)  # 420 days after it was seen: not old yet
    got = [(r["open_state"], r["old_year"]) for r in map(result, (tuesday_10am, tuesday_8pm, year_before))]
    assert got == [("open", 2024), ("closed", 2024), ("open", None)]
    with app.test_request_context("/api/search?lang=fr"):  # one card kept, worded for each moment
        cards = finder_words.request_cards(finder.index_for(get_db()))
        words = [cards.card(result(m), "", api=True) for m in (tuesday_10am, tuesday_8pm, year_before)]
    assert [(w["open_text"], w["old_text"]) for w in words] == [
        ("ouvert", "Vu pour la dernière fois en 2024 — vérifiez avant de vous déplacer."),
        ("fermé", "Vu pour la dernière fois en 2024 — vérifiez avant de vous déplacer."),
        ("ouvert", None),
    ]
    # the words: the same card kept, with this search's open state and age
    doc = {}
    for lang, moment in (("en", "2026-11-24T10:00"), ("en", "2025-11-25T10:00"), ("fr", "2026-11-24T10:00")):
        doc[lang, moment] = next(
            r
            for r in search(client, f"near=45.0386,-79.3089&open_at={moment}&lang={lang}")["results"]
            if r["id"] == site
        )
    assert [(r["open_text"], r["old_text"]) for r in doc.values()] == [
        ("open", "Last seen 2024 — check before you go."),
        ("open", None),
        ("ouvert", "Vu pour la dernière fois en 2024 — vérifiez avant de vous déplacer."),
    ]
    page = client.get("/finder?near=45.0386,-79.3089&open_at=2025-11-25T10:00").get_data(as_text=True)
    assert "Last seen on its source" in page  # details not old are given with the date they were seen
    page = client.get("/finder?near=45.0386,-79.3089&open_at=2026-11-24T10:00").get_data(as_text=True)
    assert "Last seen 2024" in page and "Last seen on its source" not in page


def test_an_edit_shows_in_the_next_search(client, db):
    site = add_site(db)
    query = "near=45.0386,-79.3089&category=food&limit=3"
    before = search(client, query)["results"][0]
    search(client, query + "&lang=fr")  # kept in both languages
    db["assets"].update(site, {"name": "Zymurgy Community Pantry", "phone": "705-555-0123", "category": "health"})
    after = search(client, query.replace("food", "health") + "&lang=fr")["results"][0]
    assert (before["id"], before["name"], before["phone"], before["category_label"]) == (
        site,
        "Zymurgy Food Co-op",
        "705-555-0199",
        "Food",
    )
    assert (after["id"], after["name"], after["phone"], after["category_label"]) == (
        site,
        "Zymurgy Community Pantry",
        "705-555-0123",
        "Services de santé",
    )
    assert site not in [r["id"] for r in search(client, query)["results"]]
    db["assets"].update(site, {"status": "closed"})
    assert site not in [r["id"] for r in search(client, query.replace("food", "health"))["results"]]


def test_a_site_made_confidential_shows_nothing_that_locates_it_at_once(client, db):
    site = add_site(db)
    query = "near=45.0386,-79.3089&category=food&limit=100"
    for lang in ("en", "fr"):
        kept = next(r for r in search(client, f"{query}&lang={lang}")["results"] if r["id"] == site)
        assert (kept["location"], kept["latitude"], kept["address"]) == (
            "distance",
            NEAR_BRACEBRIDGE[0],
            "1 Manitoba St",
        )
    client.get("/finder?" + query)  # the page's cards are kept too
    db["assets"].update(site, {"confidential": 1})
    for lang in ("en", "fr"):
        doc = search(client, f"{query}&lang={lang}")
        now = next(r for r in doc["results"] if r["id"] == site)
        located = {k: now[k] for k in ("latitude", "longitude", "address", "postal_code", "place", "distance_m")}
        assert located == dict.fromkeys(located)
        assert (now["location"], now["directions_url"]) == ("confidential", None)
        assert "1 Manitoba St" not in str(doc) and "Manitoba" not in str(now)
    page = client.get("/finder?" + query).get_data(as_text=True)
    assert "Zymurgy Food Co-op" in page and "1 Manitoba St" not in page


def test_what_is_kept_stays_within_its_bound(app, client, db, monkeypatch):
    monkeypatch.setattr(finder_index, "PARTS_KEPT", 5)
    monkeypatch.setattr(finder_words, "CARDS_KEPT", 5)
    add_site(db)  # a new data version: a new index, made with the small bounds
    query = "near=Bracebridge&limit=20"
    for _ in range(2):
        doc = search(client, query)
        assert len(doc["results"]) == 20
        fresh = made_afresh(app, query, doc)
        for r in doc["results"] + fresh:
            r.pop("open_state"), r.pop("open_text")
        assert doc["results"] == fresh
    index = finder.index_for(db)
    cards = [v for k, v in index.memo.items() if k[0] == "cards"]
    assert len(index.parts.data) == 5 and [len(c.kept.data) for c in cards] == [5]


def test_a_search_asked_again_reads_only_the_data_version(app, client):
    query = "near=P1L+1T8&category=food&q=bank"
    search(client, query)  # opens this thread's connection; reads the matches and rows, keeps them
    with app.test_request_context():
        conn = get_db().conn
    statements = []
    conn.set_trace_callback(lambda sql: statements.append(sql) if not sql.startswith("--") else None)
    try:
        search(client, query + "&lang=fr")
    finally:
        conn.set_trace_callback(None)
    assert len(statements) == 1 and "data_version" in statements[0]
