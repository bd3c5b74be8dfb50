"""Security suite: stored XSS in every text field on every page, CSRF on every form, injection strings
in every query parameter. Exact outcomes, not just "no crash"."""

import json
import re

import pytest

from assetmap import store
from tests.test_accounts import WRITE_ROUTES

XSS = "<img src=x onerror=alert(1)>\"'><script>alert(2)</script>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
TEXT_FIELDS = [
    "name",
    "description",
    "subcategory",
    "address",
    "community",
    "municipality",
    "hours_text",
    "opening_hours",
    "languages",
    "accessibility",
    "eligibility",
    "cost",
    "source",
    "notes",
    "verified_by",
]


@pytest.fixture
def xss_asset(db):
    values = {f: f"{f}:{XSS}" for f in TEXT_FIELDS}
    values.update(
        category="food",
        latitude=45.5,
        longitude=-79.1,
        location_precision="exact",
        confidential=0,
        phone=f"705-555-0100 {XSS}",
        website="javascript:alert(3)",
        source_url="javascript:alert(4)",
        email="x@example.org",
    )
    asset_id = store.create_asset(db, values, f"actor {XSS}")
    store.update_asset(db, asset_id, {"notes": f"second {XSS}"}, f"actor {XSS}")
    db["suggestions"].insert(
        {
            "kind": "new",
            "payload": json.dumps({"name": XSS, "category": "food"}),
            "message": XSS,
            "contact": "a@example.org",
            "status": "pending",
            "created_at": store.now_iso(),
        }
    )
    db["suggestions"].insert(
        {
            "kind": "new",
            "payload": json.dumps({"name": XSS}),
            "message": XSS,
            "status": "rejected",
            "reason": XSS,
            "created_at": store.now_iso(),
            "reviewed_by": XSS,
        }
    )
    return asset_id


def assert_escaped(html: str, where: str):
    assert "<script>alert(2)</script>" not in html, where
    assert "<img src=x onerror" not in html, where
    assert 'href="javascript:' not in html.lower(), where


def test_xss_in_every_field_on_every_page(as_role, xss_asset, db):
    editor, _ = as_role("editor")
    admin, _ = as_role("admin")
    pages = {
        editor: [
            "/",
            "/sources",
            f"/assets/{xss_asset}/edit",
            f"/assets/{xss_asset}/history",
            "/assets",
            "/assets?q=name",
            "/assets/stale",
            "/moderation",
            "/moderation?status=rejected",
            "/moderation/1",
            f"/assets/{xss_asset}/suggest",
            "/reach?category=food&include_imprecise=1",
            "/imports",
            "/finder?near=45.5,-79.1&limit=100",
            "/finder?near=45.5,-79.1&q=name",
            f"/finder/handout?ids={xss_asset}",
            f"/finder/handout?ids={xss_asset}&lang=fr",
            "/hsds/services?search=name",
        ],
        admin: ["/admin/users", "/admin/categories"],
    }
    seen_escaped = set()
    for client, paths in pages.items():
        for path in paths:
            resp = client.get(path)
            assert resp.status_code == 200, path
            html = resp.get_data(as_text=True)
            if resp.mimetype == "text/html":
                assert_escaped(html, path)
            if "&lt;script&gt;alert(2)&lt;/script&gt;" in html:
                seen_escaped.add(path)
    # the payload really was on these pages, as text
    assert {
        "/sources",
        f"/assets/{xss_asset}/edit",
        f"/assets/{xss_asset}/history",
        "/assets",
        "/moderation",
        "/finder?near=45.5,-79.1&limit=100",
        f"/finder/handout?ids={xss_asset}",
    } <= seen_escaped
    import io

    from pypdf import PdfReader

    pdf = editor.get(f"/finder/handout.pdf?ids={xss_asset}")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert "name:<img src=x onerror=alert(1)>" in text  # the handout PDF prints it as text


def test_xss_in_json_is_data_not_markup(client, xss_asset):
    doc = client.get(f"/api/assets/{xss_asset}").get_json(force=True)
    assert doc["properties"]["name"] == f"name:{XSS}"  # returned verbatim as JSON data; the map inserts it as text
    assert (
        doc["properties"]["website"] == "javascript:alert(3)"
    )  # stored as given; never made a link (see assetmap.js safeHref)
    listing = client.get("/api/assets?q=name").get_json(force=True)
    assert [f["properties"]["name"] for f in listing["features"]] == [f"name:{XSS}"]


def test_category_config_is_safe_in_script_context(client, db):
    db["categories"].insert(
        {
            "slug": "x",
            "label": "</script><script>alert(5)</script>",
            "colour": "#000000",
            "symbol": "<",
            "sort_order": 99,
        }
    )
    html = client.get("/").get_data(as_text=True)
    assert "</script><script>alert(5)" not in html


# --- CSRF ---------------------------------------------------------------------------------------


FORM_POSTS = [r for r in WRITE_ROUTES if r[0] == "POST"] + [
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/suggest"),
    ("POST", "/assets/1/suggest"),
]


@pytest.mark.parametrize("method, path", FORM_POSTS)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_form_needs_a_valid_csrf_token(as_role, method, path, token):
    client, _ = as_role("admin")
    data = {"csrf_token": token} if token else {}
    resp = client.open(path, method=method, data=data)
    assert resp.status_code == 400
    assert "security token is missing or out of date" in resp.get_data(as_text=True)


@pytest.mark.parametrize("method, path", [r for r in WRITE_ROUTES if r[1].startswith("/api/")])
def test_editing_api_needs_the_csrf_header(as_role, method, path):
    client, _ = as_role("admin")
    resp = client.open(path, method=method, json={"version": 1}, headers={"X-CSRFToken": "forged"})
    assert resp.status_code == 400
    assert resp.get_json() == {"error": resp.get_json()["error"]} and "security token" in resp.get_json()["error"]


# --- injection strings in every query parameter --------------------------------------------------

INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE assets; --',
    "1; SELECT * FROM users",
    'NEAR("a" "b")',
    '"unbalanced',
    "*",
    "a OR b",
    "-food",
    "^x",
    "name:x",
    "%",
    "_",
    "\\",
    "' UNION SELECT password_hash FROM users --",
    "\x00",
    "../../etc/passwd",
]
GET_PARAMS = {
    "/api/search": ["near", "category", "q", "open_at", "language", "wheelchair", "cost", "age", "limit", "lang"],
    "/finder": ["near", "category", "q", "open_at", "language", "limit", "lang"],
    "/finder/handout": ["ids", "lang"],
    "/hsds/services": [
        "search",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "postcode",
        "proximity",
        "page",
        "per_page",
        "full",
        "format",
    ],
    "/hsds/service_at_locations": ["search", "postcode", "proximity", "page", "per_page"],
    "/hsds/organizations": ["search", "page", "per_page"],
    "/assessments/1": ["lang"],
    "/assessments/1/print": ["paper"],
    "/api/assets.csv": ["q", "bbox", "category"],
    "/api/assets": ["q", "bbox", "category", "mapped"],
    "/api/areas": ["level"],
    "/api/reach": ["category", "threshold_m", "circuity", "include_imprecise", "level", "format"],
    "/api/access": ["category", "catchment_m", "method"],
    "/api/reach/suggest": ["category", "weight"],
    "/reach": ["category", "threshold_km", "circuity"],
    "/assets": ["q", "category", "status"],
    "/assets/stale": ["months"],
    "/moderation": ["status"],
    "/assets/geocode": ["q"],
}


@pytest.mark.parametrize("path", sorted(GET_PARAMS))
def test_injection_strings_in_every_parameter(as_role, db, path):
    client, _ = as_role("editor")
    before = (db["assets"].count, db["users"].count)
    for param in GET_PARAMS[path]:
        for value in INJECTIONS:
            resp = client.get(path, query_string={param: value})
            assert resp.status_code in (200, 400), (path, param, value, resp.status_code)
            body = resp.get_data(as_text=True)
            assert "scrypt:" not in body  # no password hash ever leaks (messages may echo the input)
    assert (db["assets"].count, db["users"].count) == before


def test_fts_injection_matches_literally(client, db):
    store.create_asset(
        db, {"name": "O'Brien OR Hall", "category": "recreation", "location_precision": "none", "confidential": 0}, "t"
    )
    names = [
        f["properties"]["name"]
        for f in client.get("/api/assets", query_string={"q": "O'Brien OR"}).get_json(force=True)["features"]
    ]
    assert names == ["O'Brien OR Hall"]  # OR is a word here, not an operator
    resp = client.get("/api/assets", query_string={"q": "NOT"})  # a bare operator would be an FTS5 syntax error
    assert resp.status_code == 200 and resp.get_json(force=True)["features"] == []


def test_login_next_parameter_is_not_reflected(client):
    resp = client.get("/login?next=" + '"><script>alert(1)</script>')
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'name="password"' in html  # the sign-in form itself
    assert_escaped(html, "/login")
    # where it is repeated (the language switcher keeps the query), it is URL-encoded
    assert "next=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in html
    assert "alert(1)" not in html


def test_error_pages_escape_their_message(client):
    resp = client.get("/api/reach", query_string={"category": "<script>alert(1)</script>"})
    assert resp.status_code == 400 and resp.mimetype == "application/json"
    page = client.get("/reach", query_string={"threshold_km": "<script>alert(1)</script>"})
    assert page.status_code == 400
    assert_escaped(page.get_data(as_text=True), "/reach")
    assert re.search(r"threshold must be a number of kilometres, not &#39;&lt;script&gt;", page.get_data(as_text=True))


def test_confidential_sites_never_placed_in_any_public_output(client, db):
    """Address, postal code, town, notes and source page of a shelter appear in no public output."""
    shelters = list(db.query("SELECT * FROM assets WHERE confidential = 1"))
    assert len(shelters) == 4
    store.update_asset(db, shelters[0]["id"], {"address": "12 Hidden Lane", "postal_code": "P1L 9Z9"}, "test")
    shelters = list(db.query("SELECT * FROM assets WHERE confidential = 1"))
    outputs = {
        path: client.get(path).get_data(as_text=True)
        for path in [
            "/api/assets",
            "/api/assets?mapped=0",
            "/api/assets.csv",
            "/api/assets.geojson",
            "/sources",
            "/finder?near=P1L%201T8&limit=100",
            "/api/search?near=P1L%201T8&limit=100",
            f"/finder/handout?ids={','.join(str(s['id']) for s in shelters)}",
            "/hsds/services?per_page=200&full=true",
            "/reach?category=social_services&include_imprecise=1",
        ]
    }
    for s in shelters:
        outputs[f"/api/assets/{s['id']}"] = client.get(f"/api/assets/{s['id']}").get_data(as_text=True)
        for path, body in outputs.items():
            for secret in (s["address"], s["postal_code"], s["notes"], s["source_url"]):
                if (
                    secret and len(secret) > 4 and not secret.startswith("(")
                ):  # "(street address omitted deliberately)" is not a secret
                    assert secret not in body, (path, secret)
        assert s["name"].replace("'", "&#39;") in outputs["/sources"]  # still listed, with its source label


def test_xss_in_assessment_narrative_on_report_print_and_pdf(as_role, db):
    from pypdf import PdfReader

    from assetmap import store

    editor, token = as_role("editor")
    aid = next(iter(db.query("SELECT id FROM assessments ORDER BY id LIMIT 1")))["id"]
    row = store.get_assessment(db, aid)
    resp = editor.post(
        f"/assessments/{aid}/edit",
        data={
            "csrf_token": token,
            "version": str(row["version"]),
            "community_voice": f"Voice {XSS}",
            "p0_priority": f"Priority {XSS}",
            "p0_determinant": "transportation",
            "p0_owner": f"Owner {XSS}",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    for path in (f"/assessments/{aid}", f"/assessments/{aid}/print", f"/assessments/{aid}/history", "/assessments"):
        page = editor.get(path)
        assert page.status_code == 200, path
        assert_escaped(page.get_data(as_text=True), path)
    assert ESCAPED in editor.get(f"/assessments/{aid}/print").get_data(as_text=True)
    pdf = editor.get(f"/assessments/{aid}.pdf")
    import io

    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    assert "Voice <img src=x onerror=alert(1)>" in text  # printed as text, not run as markup
    csv_text = editor.get(f"/assessments/{aid}.csv").get_data(as_text=True)
    assert "\n=" not in csv_text and ",=" not in csv_text  # no cell starts a formula
