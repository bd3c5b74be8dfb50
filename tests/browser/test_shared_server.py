"""The browser tests' shared server: a test's changes to its database are undone when it ends."""

import json
import urllib.request

import pytest

from assetmap import store
from assetmap.store import open_database

pytestmark = pytest.mark.browser


def health(server) -> dict:
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as resp:
        return json.load(resp)


def test_a_changed_database_is_put_back_on_a_new_timeline(live_server, shared_server):
    _, pristine = shared_server
    before = health(live_server)
    db = open_database(live_server.db_path)
    store.create_asset(db, {"name": "Left behind", "category": "food", "location_precision": "none"}, "test")
    db.close()
    changed = health(live_server)
    assert changed["active_assets"] == before["active_assets"] + 1

    assert pristine.restore_if_changed() is True
    after = health(live_server)
    assert after["active_assets"] == before["active_assets"]
    # a new epoch: caches keyed on the data version cannot answer from the changed data
    assert after["data_version"].split(".")[0] != changed["data_version"].split(".")[0]
    assert pristine.restore_if_changed() is False  # nothing changed since
