"""Accounts, sign-in, roles on every write route, CSRF, rate limits, cookie flags."""

import re

import pytest

from app import create_app
from assetmap.store import users
from tests.conftest import PASSWORD, csrf_token


def test_create_user_cli_hashes_password(runner, db):
    result = runner.invoke(
        args=["create-user", "New@Example.org", "--role", "editor"], input="long enough pw\nlong enough pw\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created new@example.org (editor)." in result.output
    row = next(iter(db.query("SELECT * FROM users WHERE email = 'new@example.org'")))
    assert row["role"] == "editor" and row["password_hash"].startswith("scrypt:")
    assert "long enough pw" not in row["password_hash"]
    again = runner.invoke(
        args=["create-user", "new@example.org", "--role", "admin"], input="long enough pw\nlong enough pw\n"
    )
    assert again.exit_code == 1 and "an account for new@example.org already exists" in again.output
    short = runner.invoke(args=["create-user", "x@example.org"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    bad_role = runner.invoke(
        args=["create-user", "y@example.org", "--role", "boss"], input="long enough pw\nlong enough pw\n"
    )
    assert bad_role.exit_code == 2


def test_login_logout_and_cookie_flags(client, accounts):
    token = csrf_token(client)
    resp = client.post("/login", data={"email": accounts["editor"], "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Sign out editor@example.org" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Sign in" in client.get("/").get_data(as_text=True)


STRONG_KEY = "k3y-" + "0123456789abcdef" * 3


@pytest.mark.parametrize(
    "env, config, secure",
    [
        ({}, {}, False),  # development: the cookie must also work on http://localhost
        ({"ASSETMAP_SECURE_COOKIES": "1"}, {}, True),
        ({"ASSETMAP_PRODUCTION": "1"}, {}, True),  # production turns it on by itself
        ({}, {"PRODUCTION": True}, True),
        ({}, {"SECURE_COOKIES": True}, True),
    ],
)
def test_session_cookie_is_secure_when_configured(monkeypatch, db_path, accounts, env, config, secure):
    """The app's own settings (ASSETMAP_* or create_app's config) decide the flag on a real sign-in's cookie."""
    for name in ("ASSETMAP_SECURE_COOKIES", "ASSETMAP_PRODUCTION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSETMAP_SECRET_KEY", STRONG_KEY)  # production refuses a weak one
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = create_app({"TESTING": True, "DATABASE": str(db_path), **config}).test_client()
    site = "https://localhost"  # as deployed behind HTTPS, where the browser sends a Secure cookie back
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get(site + "/login").get_data(as_text=True))[1]
    resp = client.post(
        site + "/login",
        data={"email": accounts["editor"], "password": PASSWORD, "csrf_token": token},
        headers={"Referer": site + "/login"},  # over HTTPS, Flask-WTF also checks the form came from this site
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/"  # signed in
    cookies = resp.headers.getlist("Set-Cookie")
    assert [c.split("=", 1)[0] for c in cookies] == ["session"]
    assert ("; Secure" in cookies[0]) is secure
    assert "; HttpOnly" in cookies[0] and "; SameSite=Lax" in cookies[0]


def test_wrong_password_and_unknown_email_same_answer(client, accounts):
    token = csrf_token(client)
    a = client.post("/login", data={"email": accounts["editor"], "password": "wrong password!", "csrf_token": token})
    b = client.post("/login", data={"email": "nobody@example.org", "password": "wrong password!", "csrf_token": token})
    assert a.status_code == b.status_code == 401
    assert "That email and password do not match an active account." in a.get_data(as_text=True)
    assert "That email and password do not match an active account." in b.get_data(as_text=True)


def test_login_rate_limited(client, accounts):
    token = csrf_token(client)
    codes = [
        client.post(
            "/login", data={"email": accounts["editor"], "password": "nope nope nope", "csrf_token": token}
        ).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]
    # even the right password is refused until the window passes
    resp = client.post("/login", data={"email": accounts["editor"], "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429 and "Too many sign-in attempts" in resp.get_data(as_text=True)


def test_login_redirects_only_to_local_paths(client, accounts):
    token = csrf_token(client)
    for target, expected in [("/assets", "/assets"), ("https://evil.example/", "/"), ("//evil.example", "/")]:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client)
        resp = client.post(
            f"/login?next={target}", data={"email": accounts["editor"], "password": PASSWORD, "csrf_token": token}
        )
        assert resp.headers["Location"] == expected


def test_deactivated_user_cannot_sign_in(client, db, accounts):
    user = users.get_user_by_email(db, accounts["editor"])
    users.update_user(db, user["id"], active=False)
    token = csrf_token(client)
    resp = client.post("/login", data={"email": accounts["editor"], "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 401
    assert "That email and password do not match an active account." in resp.get_data(as_text=True)
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_forms_without_csrf_are_refused(client, accounts):
    resp = client.post("/login", data={"email": accounts["editor"], "password": PASSWORD})
    assert resp.status_code == 400
    assert "security token is missing or out of date" in resp.get_data(as_text=True)
    resp = client.post("/login", data={"email": accounts["editor"], "password": PASSWORD, "csrf_token": "forged"})
    assert resp.status_code == 400


# Every write route and every editor/admin page, with what the anonymous visitor gets.
WRITE_ROUTES = [
    ("POST", "/assets/new"),
    ("POST", "/assets/1/edit"),
    ("POST", "/assets/1/archive"),
    ("POST", "/assets/1/purge"),
    ("POST", "/assets/1/restore/1"),
    ("POST", "/assets/1/verify"),
    ("POST", "/imports"),
    ("POST", "/imports/1/map"),
    ("POST", "/imports/1/resume"),
    ("POST", "/imports/1/geocode"),
    ("POST", "/moderation/1"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/1"),
    ("POST", "/admin/categories"),
    ("POST", "/assessments/new"),
    ("POST", "/assessments/1/edit"),
    ("POST", "/assessments/1/rerun"),
    ("POST", "/api/assets"),
    ("PATCH", "/api/assets/1"),
    ("DELETE", "/api/assets/1"),
]
EDITOR_PAGES = [
    "/assets",
    "/assets/new",
    "/assets/1/edit",
    "/assets/1/history",
    "/assets/stale",
    "/assets/geocode?q=P1H",
    "/imports",
    "/moderation",
]
ADMIN_ONLY = {"/assets/1/purge", "/admin/users", "/admin/users/1", "/admin/categories"}
ADMIN_PAGES = ["/admin/users", "/admin/categories"]


def _call(client, method, path, token):
    headers = {"X-CSRFToken": token}
    if path.startswith("/api/"):
        return client.open(path, method=method, json={}, headers=headers)
    return client.open(path, method=method, data={"csrf_token": token}, headers=headers)


@pytest.mark.parametrize("method, path", WRITE_ROUTES)
def test_anonymous_writes_are_refused(client, method, path):
    token = csrf_token(client, "/")
    resp = _call(client, method, path, token)
    if path.startswith("/api/"):
        assert resp.status_code == 401
        assert resp.get_json() == {"error": "sign in first: this needs an editor account"}
    else:
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("method, path", WRITE_ROUTES)
def test_public_role_writes_are_forbidden(as_role, method, path):
    client, token = as_role("public")
    assert _call(client, method, path, token).status_code == 403


@pytest.mark.parametrize("method, path", [r for r in WRITE_ROUTES if r[1] in ADMIN_ONLY])
def test_editor_cannot_use_admin_routes(as_role, method, path):
    client, token = as_role("editor")
    assert _call(client, method, path, token).status_code == 403


@pytest.mark.parametrize("path", EDITOR_PAGES + ADMIN_PAGES)
def test_pages_by_role(as_role, client, path):
    assert client.get(path).status_code == 302  # anonymous: to the sign-in page
    public, _ = as_role("public")
    assert public.get(path).status_code == 403
    editor, _ = as_role("editor")
    assert editor.get(path).status_code == (403 if path in ADMIN_PAGES else 200)
    admin, _ = as_role("admin")
    assert admin.get(path).status_code == 200


def test_rate_limit_counts_are_shared_through_the_database(db):
    allowed = [users.hit_rate_limit(db, "k", 3, 60, now=1000.0)[0] for _ in range(4)]
    assert allowed == [True, True, True, False]
    assert users.hit_rate_limit(db, "k", 3, 60, now=1061.0) == (True, 19)  # next window (1020-1080 s)
    assert db.execute("SELECT COUNT(*) FROM rate_limits WHERE key = 'k'").fetchone()[0] == 1


def test_admin_manages_users_but_keeps_one_admin(as_role, db, accounts):
    admin, token = as_role("admin")
    resp = admin.post(
        "/admin/users",
        data={"email": "new@example.org", "role": "editor", "password": "another long one", "csrf_token": token},
    )
    assert resp.status_code == 302
    assert users.get_user_by_email(db, "new@example.org")["role"] == "editor"
    me = users.get_user_by_email(db, accounts["admin"])
    resp = admin.post(
        f"/admin/users/{me['id']}", data={"role": "editor", "active": "1", "csrf_token": token}, follow_redirects=True
    )
    assert "There must be at least one active administrator." in resp.get_data(as_text=True)
    assert users.get_user(db, me["id"])["role"] == "admin"


def test_admin_edits_category_with_validation(as_role, db):
    admin, token = as_role("admin")
    base = {
        "slug": "food",
        "label": "Food and meals",
        "label_fr": "Alimentation",
        "colour": "#c2410c",
        "symbol": "F",
        "sort_order": "2",
        "description": "x",
        "threshold_urban_m": "1609",
        "threshold_rural_m": "16093",
        "threshold_basis": "USDA",
        "csrf_token": token,
    }
    assert admin.post("/admin/categories", data=base).status_code == 302
    assert next(iter(db.query("SELECT label FROM categories WHERE slug = 'food'")))["label"] == "Food and meals"
    bad = admin.post("/admin/categories", data={**base, "colour": "red;}body{x"})
    assert bad.status_code == 400 and "colour must look like #1a7f37" in bad.get_data(as_text=True)
    new = admin.post(
        "/admin/categories",
        data={**base, "slug": "housing", "new": "1", "label": "Housing", "colour": "#334155", "symbol": "Ho"},
    )
    assert new.status_code == 302
    assert re.search(r"\.cat-housing \{ --pin: #334155; \}", admin.get("/categories.css").get_data(as_text=True))
