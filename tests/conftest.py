"""Shared fixtures: an app on a fresh copy of the demo database, its client and CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from app import create_app
from app.db import init_db
from assetmap.services.demo import load_demo
from assetmap.store import open_database

# Property-based tests: the same examples on every CI run (a run that lands must not depend on
# luck); HYPOTHESIS_PROFILE=explore draws fresh examples on each run, to find new bugs.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """The embedded Muskoka dataset loaded once per test session (copied for each test)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = init_db(path)
    load_demo(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


PASSWORD = "correct horse battery"
ACCOUNTS = {role: f"{role}@example.org" for role in ("admin", "editor", "public")}


@pytest.fixture(scope="session")
def accounts_db_file(tmp_path_factory, demo_db_file) -> Path:
    """The demo database plus one account per role (ACCOUNTS, password PASSWORD), made once per session:
    hashing a password with scrypt costs about 0.1 s, the slowest part of setting up a test."""
    from assetmap import store
    from assetmap.store import users

    path = tmp_path_factory.mktemp("accounts") / "demo-accounts.db"
    shutil.copy(demo_db_file, path)
    db = open_database(path)
    for role, email in ACCOUNTS.items():
        users.create_user(db, email, PASSWORD, role, store.now_iso())
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture
def db_path(request, tmp_path, demo_db_file) -> Path:
    """This test's own copy of the demo database; the copy with accounts when the test uses `accounts`
    (directly or through another fixture), so a test without them still sees no accounts at all."""
    source = request.getfixturevalue("accounts_db_file") if "accounts" in request.fixturenames else demo_db_file
    path = tmp_path / "assetmap.db"
    shutil.copy(source, path)
    return path


@pytest.fixture
def app(db_path, tmp_path):
    return create_app({"TESTING": True, "DATABASE": str(db_path), "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(db_path):
    database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def empty_db(tmp_path):
    """A migrated database with the demo categories only."""
    from assetmap.services.demo import load_categories

    database = init_db(tmp_path / "empty.db")
    load_categories(database)
    yield database
    database.close()


@pytest.fixture
def accounts(db_path) -> dict[str, str]:
    """One account per role in this test's database (see db_path); returns {role: email}."""
    return dict(ACCOUNTS)


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the client's session, read from a page's meta tag."""
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def form_values(row: dict, keys) -> dict:
    """What a form shows for these fields of an asset row (None as an empty field)."""
    return {k: "" if row[k] is None else row[k] for k in keys}


def sign_in(client, email, password=PASSWORD):
    token = csrf_token(client)
    resp = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return csrf_token(client, "/")


@pytest.fixture
def as_role(app, accounts):
    """as_role('editor') -> (client signed in with that role, its CSRF token)."""

    def make(role):
        client = app.test_client()
        token = sign_in(client, accounts[role])
        return client, token

    return make


def new_site_in_bracebridge(db, confidential: int) -> int:
    """A social-services site ("New Shelter") in Bracebridge with an exact point; returns its id."""
    from assetmap import store

    return store.create_asset(
        db,
        {
            "name": "New Shelter",
            "category": "social_services",
            "latitude": 45.2501,
            "longitude": -79.1502,
            "location_precision": "exact",
            "confidential": confidential,
        },
        "test",
    )
