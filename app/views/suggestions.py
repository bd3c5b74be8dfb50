"""Public suggestions (no account, spam-limited) and the editors' moderation queue."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import actor, editor_required, rate_limited
from app.context import geocoder, place
from app.db import get_db
from app.forms import form_values, render_form, row_values, with_located
from app.i18n import N_
from assetmap import fields, store, validation
from assetmap.errors import Conflict, InvalidParameter

bp = Blueprint("suggestions", __name__)

SUGGEST_LIMIT = (5, 3600)  # suggestions per client per hour
# The public form's fields come from the registry (suggest=True); these are friendlier labels.
PUBLIC_LABELS = {
    "name": N_("Name of the place, group or service"),
    "category": N_("Kind of asset"),
    "address": N_("Street address"),
    "community": N_("Community"),
    "postal_code": N_("Postal code"),
    "phone": N_("Phone"),
    "website": N_("Website"),
    "hours_text": N_("Hours"),
    "description": N_("What it offers"),
}
PUBLIC_FIELDS = [(name, PUBLIC_LABELS.get(name, fields.FIELD[name].label)) for name in fields.SUGGESTABLE]
MAX_PUBLIC_TEXT = 2000


def shown_fields(asset: dict | None) -> list[tuple[str, str]]:
    """The fields a suggester sees: for a confidential site, nothing that locates it."""
    if asset and asset.get("confidential"):
        return [(n, label) for n, label in PUBLIC_FIELDS if not fields.FIELD[n].locating]
    return PUBLIC_FIELDS


@bp.app_context_processor
def _pending_count():
    from flask_login import current_user

    if getattr(current_user, "can_edit", False):
        return {"pending_suggestions": store.count_pending_suggestions(get_db())}
    return {}


def _public_values(form, shown) -> dict:
    """The shown fields the form sent (a field the form did not send is not a change)."""
    return {name: form[name].strip()[:MAX_PUBLIC_TEXT] for name, _ in shown if name in form}


def _render_public(values, *, asset=None, errors=None, status=200):
    return (
        render_template(
            "suggestions/new.html",
            values=values,
            asset=asset,
            errors=errors or {},
            fields=shown_fields(asset),
            categories=store.list_categories(get_db()),
        ),
        status,
    )


def _accept_suggestion(kind: str, asset=None):
    """Validate and store a public suggestion (new asset, or a correction of `asset`, a public row).

    Only fields the suggester was shown are read and stored: a correction of a confidential site
    never carries (or compares) an address, so the form can be no oracle of where it is.
    """
    db = get_db()
    shown = shown_fields(asset)
    values = _public_values(request.form, shown)
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
    categories = store.list_categories(db)
    if kind == "new":
        # Located when an editor accepts it; here only the fields are checked.
        check = validation.validate_asset({**values, "location_precision": "none"}, categories)
        errors = check.errors
        payload = values
    else:
        current = {name: ("" if asset.get(name) is None else str(asset.get(name))) for name, _ in shown}
        payload = {k: v for k, v in values.items() if v != current.get(k)}
        if not payload and not message:
            errors = {"form": gettext("Change at least one field, or tell us what is wrong in the message box.")}
        else:
            check = validation.validate_asset({**current, **payload, "location_precision": "none"}, categories)
            errors = {k: v for k, v in check.errors.items() if k in payload}
    if contact and not validation.EMAIL_RE.match(contact):
        errors["contact"] = gettext("That does not look like an email address (you can leave it empty).")
    if errors:
        return _render_public(values, asset=asset, errors=errors, status=400)
    store.add_suggestion(db, kind, asset["id"] if asset else None, payload, message, contact)
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
    asset = store.get_public_asset(get_db(), asset_id)  # what the public may see, nothing more
    if request.method == "POST":
        return _accept_suggestion("edit", asset)
    values = {name: ("" if asset.get(name) is None else asset.get(name)) for name, _ in shown_fields(asset)}
    return _render_public(values, asset=asset)


@bp.get("/moderation")
@editor_required
def queue():
    db = get_db()
    status = request.args.get("status", "pending")
    if status not in ("pending", "accepted", "rejected"):
        raise InvalidParameter("status must be pending, accepted or rejected")
    rows = store.list_suggestions(db, status)
    return render_template("suggestions/queue.html", rows=rows, status=status)


@bp.route("/moderation/<int:suggestion_id>", methods=["GET", "POST"])
@editor_required
def review(suggestion_id: int):
    """Accept a suggestion (after any changes in the full form) or reject it with a reason."""
    db = get_db()
    s = store.get_suggestion(db, suggestion_id)
    asset = store.get_asset(db, s["asset_id"]) if s["asset_id"] else None
    if request.method == "GET":
        if s["kind"] == "edit" and asset:
            payload = s["payload"]
            if asset["confidential"]:  # the suggester never saw where it is: nothing there to change
                payload = {k: v for k, v in payload.items() if not fields.FIELD.get(k) or not fields.FIELD[k].locating}
            values = {**row_values(asset), **payload, "version": asset["version"]}
        else:
            values = {**s["payload"], "location_precision": "", "confidential": "0", "source": "Public suggestion"}
        return _review_page(s, values, asset)
    if s["status"] != "pending":  # someone decided it first: 409, and the moderator's input is kept
        message = f"Suggestion {suggestion_id} was already {s['status']} by {s['reviewed_by'] or 'someone else'}."
        return _review_page(s, form_values(request.form), asset, errors={"form": message}, status=409)
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
        try:
            store.decide_suggestion(db, suggestion_id, "rejected", actor(), reason=reason)
        except Conflict as exc:
            flash(str(exc))
            return redirect(url_for("suggestions.queue")), 303
        flash(f"Rejected suggestion {suggestion_id}.")
        return redirect(url_for("suggestions.queue"))
    values = form_values(request.form)
    check = validation.validate_asset(values, store.list_categories(db), geocoder(), region=place())
    if check.errors:
        return _review_page(s, values, asset, errors=check.errors, status=400)
    note = f"accepted public suggestion {suggestion_id}"
    try:
        with store.transaction(db):
            if asset:
                expected = int(request.form.get("version") or asset["version"])
                store.update_asset(
                    db, asset["id"], check.clean, actor(), expected_version=expected, action="suggestion", note=note
                )
                result_id = asset["id"]
            else:
                dupes = store.possible_duplicates(db, check.clean)
                if dupes and not request.form.get("confirm_new"):
                    return _review_page(s, with_located(values, check.clean), asset, duplicates=dupes)
                result_id = store.create_asset(db, check.clean, actor(), action="suggestion", note=note)
            store.decide_suggestion(db, suggestion_id, "accepted", actor(), result_asset_id=result_id)
    except Conflict as exc:
        # Someone else decided it, or changed the asset, first: nothing was saved; the form keeps the input.
        current = store.get_asset(db, asset["id"]) if asset else None
        if current is not None:
            values["version"] = current["version"]
        return _review_page(
            store.get_suggestion(db, suggestion_id), values, current, errors={"form": str(exc)}, status=409
        )
    flash(f"Accepted suggestion {suggestion_id}.")
    return redirect(url_for("assets.edit", asset_id=result_id))


def _review_page(s, values, asset, errors=None, duplicates=None, status=200):
    """The asset form, pre-filled with the suggestion, with accept and reject controls."""
    return render_form(values, asset=asset, errors=errors, duplicates=duplicates, status=status, suggestion=s)


@bp.app_template_filter("suggestion_summary")
def _summary(payload: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in payload.items() if v)[:300]
