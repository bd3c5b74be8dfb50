"""Public suggestions (no account, spam-limited) and moderation by editors."""

import json

from assetmap import store
from tests.conftest import csrf_token, form_values

# The fields of the public correction form.
CORRECTION_FORM = (
    "name",
    "category",
    "address",
    "community",
    "postal_code",
    "phone",
    "website",
    "hours_text",
    "description",
)


def suggest(client, token, path="/suggest", **fields):
    return client.post(path, data={"csrf_token": token, **fields})


def pending(db):
    rows = list(db.query("SELECT * FROM suggestions ORDER BY id"))
    for r in rows:
        r["payload"] = json.loads(r["payload"])
    return rows


def test_anyone_can_suggest_a_new_asset(client, db):
    token = csrf_token(client, "/suggest")
    resp = suggest(
        client,
        token,
        name="Tuesday Knitting Circle",
        category="community_groups",
        community="Dorset",
        message="Meets at the library",
        contact="me@example.org",
    )
    assert resp.status_code == 201 and "Thank you" in resp.get_data(as_text=True)
    [s] = pending(db)
    assert (s["kind"], s["status"], s["asset_id"], s["message"], s["contact"]) == (
        "new",
        "pending",
        None,
        "Meets at the library",
        "me@example.org",
    )
    assert s["payload"]["name"] == "Tuesday Knitting Circle" and s["payload"]["community"] == "Dorset"
    assert db["assets"].count == 149  # nothing is published before an editor accepts it


def test_suggestion_validation_and_honeypot(client, db):
    token = csrf_token(client, "/suggest")
    resp = suggest(client, token, name="", category="food", website="bad url here")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "name is required" in html and "is not a web address" in html
    bot = suggest(client, token, name="Cheap pills", category="food", homepage="http://spam")
    assert bot.status_code == 200 and pending(db) == []
    bad_contact = suggest(client, token, name="Real", category="food", contact="not-an-email")
    assert bad_contact.status_code == 400 and "does not look like an email address" in bad_contact.get_data(
        as_text=True
    )


def test_suggestions_are_rate_limited(client, db):
    token = csrf_token(client, "/suggest")
    codes = [suggest(client, token, name=f"Place {i}", category="parks").status_code for i in range(6)]
    assert codes == [201] * 5 + [429]
    assert len(pending(db)) == 5


def test_suggest_a_correction_stores_only_changes(client, db):
    token = csrf_token(client, "/assets/7/suggest")
    row = store.get_asset(db, 7)
    page = client.get("/assets/7/suggest").get_data(as_text=True)
    assert f"Suggest a correction: {row['name']}" in page
    values = form_values(row, CORRECTION_FORM)
    resp = suggest(
        client, token, "/assets/7/suggest", **{**values, "phone": "705-555-0123"}, message="New number since May"
    )
    assert resp.status_code == 201
    [s] = pending(db)
    assert (s["kind"], s["asset_id"], s["payload"]) == ("edit", 7, {"phone": "705-555-0123"})
    nothing = suggest(client, token, "/assets/7/suggest", **values)
    assert nothing.status_code == 400 and "Change at least one field" in nothing.get_data(as_text=True)


def test_confidential_address_not_shown_on_correction_form(client, db):
    shelter = next(iter(db.query("SELECT id FROM assets WHERE confidential = 1 LIMIT 1")))["id"]
    store.update_asset(db, shelter, {"address": "12 Secret Lane"}, "test")
    assert "12 Secret Lane" not in client.get(f"/assets/{shelter}/suggest").get_data(as_text=True)


def test_editor_accepts_new_suggestion_with_changes(client, as_role, db):
    token = csrf_token(client, "/suggest")
    suggest(client, token, name="Knitting Circle", category="community_groups", postal_code="P1H 1H7")
    [s] = pending(db)
    editor, etoken = as_role("editor")
    page = editor.get(f"/moderation/{s['id']}").get_data(as_text=True)
    assert "Review suggestion" in page and 'value="Knitting Circle"' in page
    resp = editor.post(
        f"/moderation/{s['id']}",
        data={
            "csrf_token": etoken,
            "decision": "accept",
            "name": "Huntsville Knitting Circle",
            "category": "community_groups",
            "postal_code": "P1H 1H7",
            "source": "Public suggestion",
        },
    )
    assert resp.status_code == 302
    row = next(iter(db.query("SELECT * FROM assets WHERE name = 'Huntsville Knitting Circle'")))
    assert (row["latitude"], row["location_precision"]) == (45.2771, "postal_code")
    [history] = store.asset_history(db, row["id"])
    assert (history["action"], history["note"]) == ("suggestion", f"accepted public suggestion {s['id']}")
    [done] = pending(db)
    assert (done["status"], done["result_asset_id"], done["reviewed_by"]) == (
        "accepted",
        row["id"],
        "editor@example.org (editor)",
    )
    again = editor.post(
        f"/moderation/{s['id']}",
        data={"csrf_token": etoken, "decision": "reject", "reason": "x"},
    )
    assert again.status_code == 409
    assert "was already accepted by editor@example.org (editor)" in again.get_data(as_text=True)


def test_editor_accepts_correction_and_rejects_with_reason(client, as_role, db):
    token = csrf_token(client, "/suggest")
    row = store.get_asset(db, 7)
    values = form_values(row, CORRECTION_FORM)
    suggest(client, token, "/assets/7/suggest", **{**values, "phone": "705-555-0123"})
    suggest(client, token, name="Spam Co", category="food")
    correction, spam = pending(db)
    editor, etoken = as_role("editor")
    no_reason = editor.post(
        f"/moderation/{spam['id']}", data={"csrf_token": etoken, "decision": "reject", "reason": ""}
    )
    assert no_reason.status_code == 400 and "Give a reason for rejecting" in no_reason.get_data(as_text=True)
    editor.post(
        f"/moderation/{spam['id']}",
        data={"csrf_token": etoken, "decision": "reject", "reason": "Not a community asset"},
    )
    form_page = editor.get(f"/moderation/{correction['id']}").get_data(as_text=True)
    assert 'value="705-555-0123"' in form_page
    fields = form_values(
        row,
        CORRECTION_FORM[:5]
        + ("latitude", "longitude", "location_precision", "website", "hours_text", "source", "source_url", "notes"),
    )
    resp = editor.post(
        f"/moderation/{correction['id']}",
        data={**fields, "phone": "705-555-0123", "version": row["version"], "decision": "accept", "csrf_token": etoken},
    )
    assert resp.status_code == 302
    assert store.get_asset(db, 7)["phone"] == "705-555-0123"
    statuses = {s["id"]: (s["status"], s["reason"]) for s in pending(db)}
    assert statuses == {correction["id"]: ("accepted", None), spam["id"]: ("rejected", "Not a community asset")}
    queue = editor.get("/moderation?status=rejected").get_data(as_text=True)
    assert "Not a community asset" in queue


def test_public_suggestion_pages_in_french(client):
    html = client.get("/suggest?lang=fr").get_data(as_text=True)
    assert "<h1>Suggérer une ressource</h1>" in html and "Envoyer la suggestion" in html
    token = csrf_token(client, "/suggest?lang=fr")
    resp = client.post(
        "/suggest?lang=fr", data={"csrf_token": token, "name": "Cercle de tricot", "category": "community_groups"}
    )
    assert resp.status_code == 201 and "<h1>Merci</h1>" in resp.get_data(as_text=True)
    missing = client.get("/nope?lang=fr").get_data(as_text=True)
    assert "Cette page n’existe pas." in missing
