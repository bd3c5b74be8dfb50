"""Public suggestions (no account, spam-limited) and the editors' moderation queue."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import actor, editor_required, rate_limited
from app.db import get_db
from app.i18n import N_
from app.views.assets import _with_located, form_values, geocoder, render_form, row_values
from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.formats import importers

bp = Blueprint("suggestions", __name__)

SUGGEST_LIMIT = (5, 3600)  # suggestions per client per hour
PUBLIC_FIELDS = [
    ("name", N_("Name of the place, group or service")),
    ("category", N_("Kind of asset")),
    ("address", N_("Street address")),
    ("community", N_("Community")),
    ("postal_code", N_("Postal code")),
    ("phone", N_("Phone")),
    ("website", N_("Website")),
    ("hours_text", N_("Hours")),
    ("description", N_("What it offers")),
]
MAX_PUBLIC_TEXT = 2000


@bp.app_context_processor
def _pending_count():
    from flask_login import current_user

    if getattr(current_user, "can_edit", False):
        return {
            "pending_suggestions": get_db()
            .execute("SELECT COUNT(*) FROM suggestions WHERE status = 'pending'")
            .fetchone()[0]
        }
    return {}


def _public_values(form) -> dict:
    return {name: form.get(name, "").strip()[:MAX_PUBLIC_TEXT] for name, _ in PUBLIC_FIELDS}


def _render_public(values, *, asset=None, errors=None, status=200):
    return (
        render_template(
            "suggestions/new.html",
            values=values,
            asset=asset,
            errors=errors or {},
            fields=PUBLIC_FIELDS,
            categories=store.list_categories(get_db()),
        ),
        status,
    )


def _accept_suggestion(kind: str, asset=None):
    """Validate and store a public suggestion (new asset, or a correction of `asset`)."""
    db = get_db()
    values = _public_values(request.form)
    if request.form.get("homepage"):  # a field people cannot see: only bots fill it
        return render_template("suggestions/thanks.html"), 200
    wait = rate_limited("suggest", *SUGGEST_LIMIT)
    if wait is not None:
        errors = {
            "form": f"Thank you, but we have had several suggestions from you recently. Please try again in {wait // 60 + 1} minutes."
        }
        return _render_public(values, asset=asset, errors=errors, status=429)
    message = request.form.get("message", "").strip()[:MAX_PUBLIC_TEXT]
    contact = request.form.get("contact", "").strip()[:254]
    errors = {}
    if kind == "new":
        # Located when an editor accepts it; here only the fields are checked.
        check = importers.validate_asset({**values, "location_precision": "none"}, store.list_categories(db))
        errors = check.errors
        payload = values
    else:
        current = row_values(asset)
        payload = {k: v for k, v in values.items() if v != (current.get(k) or "")}
        if not payload and not message:
            errors = {"form": gettext("Change at least one field, or tell us what is wrong in the message box.")}
        else:
            check = importers.validate_asset(
                {**current, **payload, "location_precision": "none"}, store.list_categories(db)
            )
            errors = {k: v for k, v in check.errors.items() if k in payload}
    if contact and not importers.EMAIL_RE.match(contact):
        errors["contact"] = gettext("That does not look like an email address (you can leave it empty).")
    if errors:
        return _render_public(values, asset=asset, errors=errors, status=400)
    db["suggestions"].insert(
        {
            "kind": kind,
            "asset_id": asset["id"] if asset else None,
            "payload": json.dumps(payload, ensure_ascii=False),
            "message": message,
            "contact": contact,
            "status": "pending",
            "created_at": store.now_iso(),
        }
    )
    return render_template("suggestions/thanks.html"), 201


@bp.route("/suggest", methods=["GET", "POST"])
def new():
    """Anyone can suggest an asset that is missing."""
    if request.method == "POST":
        return _accept_suggestion("new")
    return _render_public({name: "" for name, _ in PUBLIC_FIELDS})


@bp.route("/assets/<int:asset_id>/suggest", methods=["GET", "POST"])
def correct(asset_id: int):
    """Anyone can suggest a correction to an asset."""
    asset = store.get_asset(get_db(), asset_id)
    if asset["status"] != "active":
        raise InvalidParameter("this asset is no longer listed")
    if request.method == "POST":
        return _accept_suggestion("edit", asset)
    values = row_values(asset)
    if asset["confidential"]:
        values["address"] = ""
    return _render_public({name: values.get(name, "") for name, _ in PUBLIC_FIELDS}, asset=asset)


@bp.get("/moderation")
@editor_required
def queue():
    db = get_db()
    status = request.args.get("status", "pending")
    if status not in ("pending", "accepted", "rejected"):
        raise InvalidParameter("status must be pending, accepted or rejected")
    rows = list(db.query("SELECT * FROM suggestions WHERE status = ? ORDER BY id DESC LIMIT 200", [status]))
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return render_template("suggestions/queue.html", rows=rows, status=status)


def _suggestion(suggestion_id: int) -> dict:
    rows = list(get_db().query("SELECT * FROM suggestions WHERE id = ?", [suggestion_id]))
    if not rows:
        raise InvalidParameter(f"no suggestion {suggestion_id}")
    row = rows[0]
    row["payload"] = json.loads(row["payload"])
    return row


@bp.route("/moderation/<int:suggestion_id>", methods=["GET", "POST"])
@editor_required
def review(suggestion_id: int):
    """Accept a suggestion (after any changes in the full form) or reject it with a reason."""
    db = get_db()
    s = _suggestion(suggestion_id)
    asset = store.get_asset(db, s["asset_id"]) if s["asset_id"] else None
    if request.method == "GET":
        if s["kind"] == "edit" and asset:
            values = {**row_values(asset), **s["payload"], "version": asset["version"]}
        else:
            values = {**s["payload"], "location_precision": "", "confidential": "0", "source": "Public suggestion"}
        return _review_page(s, values, asset)
    if s["status"] != "pending":
        flash(f"Suggestion {suggestion_id} was already {s['status']}.")
        return redirect(url_for("suggestions.queue"))
    if request.form.get("decision") == "reject":
        reason = request.form.get("reason", "").strip()
        if not reason:
            values = {**(row_values(asset) if asset else {}), **s["payload"]}
            return _review_page(
                s,
                values,
                asset,
                errors={"reason": "Give a reason for rejecting (it is kept with the suggestion)."},
                status=400,
            )
        db["suggestions"].update(
            suggestion_id,
            {"status": "rejected", "reason": reason[:2000], "reviewed_by": actor(), "reviewed_at": store.now_iso()},
        )
        flash(f"Rejected suggestion {suggestion_id}.")
        return redirect(url_for("suggestions.queue"))
    values = form_values(request.form)
    check = importers.validate_asset(values, store.list_categories(db), geocoder())
    if check.errors:
        return _review_page(s, values, asset, errors=check.errors, status=400)
    note = f"accepted public suggestion {suggestion_id}"
    with db.atomic():
        if asset:
            expected = int(request.form.get("version") or asset["version"])
            store.update_asset(
                db, asset["id"], check.clean, actor(), expected_version=expected, action="suggestion", note=note
            )
            result_id = asset["id"]
        else:
            dupes = store.possible_duplicates(db, check.clean)
            if dupes and not request.form.get("confirm_new"):
                return _review_page(s, _with_located(values, check.clean), asset, duplicates=dupes)
            result_id = store.create_asset(db, check.clean, actor(), action="suggestion", note=note)
        db["suggestions"].update(
            suggestion_id,
            {
                "status": "accepted",
                "reviewed_by": actor(),
                "reviewed_at": store.now_iso(),
                "result_asset_id": result_id,
            },
        )
    flash(f"Accepted suggestion {suggestion_id}.")
    return redirect(url_for("assets.edit", asset_id=result_id))


def _review_page(s, values, asset, errors=None, duplicates=None, status=200):
    """The asset form, pre-filled with the suggestion, with accept and reject controls."""
    return render_form(values, asset=asset, errors=errors, duplicates=duplicates, status=status, suggestion=s)


@bp.app_template_filter("suggestion_summary")
def _summary(payload: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in payload.items() if v)[:300]
