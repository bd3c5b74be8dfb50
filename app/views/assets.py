"""Editing the inventory: list, add, edit (with optimistic locking), archive, history, staleness."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import actor, admin_required, editor_required, safe_next
from app.context import geocoder, place
from app.db import get_db
from app.forms import form_values, render_form, row_values, with_located
from app.i18n import category_label
from assetmap import store, validation
from assetmap.errors import Conflict, InvalidParameter
from needs_assessment.precision import describe

bp = Blueprint("assets", __name__, url_prefix="/assets")


@bp.get("")
@editor_required
def index():
    """The inventory for editors: search, filter by category and status."""
    db = get_db()
    q = request.args.get("q", "").strip()
    category = request.args.get("category", "")
    status = request.args.get("status", "active")
    if status not in ("active", "archived", "all"):
        raise InvalidParameter("status must be active, archived or all")
    rows = store.editor_list(db, q=q or None, category=category or None, status=status)
    categories = store.list_categories(db)
    return render_template(
        "assets/list.html",
        rows=rows,
        q=q,
        category=category,
        status=status,
        categories=categories,
        labels={c["slug"]: category_label(c) for c in categories},
        to_fix=_to_fix(db),
    )


def _to_fix(db) -> dict[str, int]:
    """Counts for the dashboard: active assets placed approximately, at a wrong point, or nowhere."""
    counts = store.count_by_precision(db)
    out = {
        "approximate": sum(counts.get(p, 0) for p in ("rural_postal_code", "community", "municipality")),
        "unreliable": counts.get("unreliable", 0),
        "none": counts.get("none", 0),
    }
    out["total"] = sum(out.values())
    return out


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    """Add an asset. Warns about likely duplicates before saving."""
    db = get_db()
    if request.method == "GET":
        return render_form({"location_precision": "", "confidential": "0"})
    values = form_values(request.form)
    check = validation.validate_asset(values, store.list_categories(db), geocoder(), region=place())
    if check.errors:
        return render_form(values, errors=check.errors, status=400)
    dupes = store.possible_duplicates(db, check.clean)
    if dupes and not request.form.get("confirm_new"):
        return render_form(with_located(values, check.clean), duplicates=dupes, warnings=check.warnings)
    asset_id = store.create_asset(db, check.clean, actor())
    flash(f"Added “{check.clean['name']}”." + (" " + " ".join(check.warnings) if check.warnings else ""))
    return redirect(url_for("assets.edit", asset_id=asset_id))


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(asset_id: int):
    """Edit an asset. A save over someone else's newer change is refused and both versions shown."""
    db = get_db()
    row = store.get_asset(db, asset_id)
    if request.method == "GET":
        values = row_values(row)
        values["version"] = row["version"]
        return render_form(values, asset=row)
    values = form_values(request.form)
    try:
        expected = int(request.form.get("version", ""))
    except ValueError:
        raise InvalidParameter("the form has no version; reload the page") from None
    check = validation.validate_asset(values, store.list_categories(db), geocoder(), region=place())
    values["version"] = expected
    if check.errors:
        return render_form(values, asset=row, errors=check.errors, status=400)
    dupes = [d for d in store.possible_duplicates(db, check.clean, exclude_id=asset_id)]
    if dupes and not request.form.get("confirm_new") and _moved_or_renamed(row, check.clean):
        return render_form(with_located(values, check.clean), asset=row, duplicates=dupes, warnings=check.warnings)
    try:
        changed, _ = store.update_asset(db, asset_id, check.clean, actor(), expected_version=expected)
    except Conflict as exc:
        current = exc.current or store.get_asset(db, asset_id)
        theirs = [h for h in store.asset_history(db, asset_id) if h["version"] > expected]
        mine = dict(values)
        mine["version"] = current["version"]  # resubmitting means: my values win, knowingly
        return render_form(
            mine, asset=current, conflict={"current": row_values(current), "changes": theirs}, status=409
        )
    flash("Saved." if changed else "No changes to save.")
    return redirect(url_for("assets.edit", asset_id=asset_id))


def _moved_or_renamed(row: dict, clean: dict) -> bool:
    return (
        row["name"] != clean["name"]
        or row["latitude"] != clean["latitude"]
        or row["postal_code"] != clean["postal_code"]
    )


@bp.post("/<int:asset_id>/archive")
@editor_required
def archive(asset_id: int):
    db = get_db()
    row = store.get_asset(db, asset_id)
    if row["status"] == "archived":
        store.unarchive_asset(db, asset_id, actor())
        flash(f"“{row['name']}” is back on the map.")
    else:
        store.archive_asset(db, asset_id, actor(), note=request.form.get("note", ""))
        flash(f"Archived “{row['name']}”: it is off the map and lists, and its history is kept.")
    return redirect(url_for("assets.edit", asset_id=asset_id))


@bp.post("/<int:asset_id>/purge")
@admin_required
def purge(asset_id: int):
    """Delete for good (admins only; deleting means archiving for everyone else)."""
    db = get_db()
    row = store.get_asset(db, asset_id)
    if request.form.get("confirm") != row["name"]:
        flash("To purge, type the asset's exact name.")
        return redirect(url_for("assets.edit", asset_id=asset_id))
    store.purge_asset(db, asset_id, actor(), note=request.form.get("note", ""))
    flash(f"Purged “{row['name']}”. Its history remains.")
    return redirect(url_for("assets.index"))


@bp.get("/<int:asset_id>/history")
@editor_required
def history(asset_id: int):
    db = get_db()
    rows = store.asset_history(db, asset_id)
    asset = store.get_asset(db, asset_id) if store.asset_exists(db, asset_id) else None  # purged: history remains
    if not rows and asset is None:
        raise InvalidParameter(f"no asset with id {asset_id}")
    return render_template("assets/history.html", rows=rows, asset=asset, asset_id=asset_id)


@bp.post("/<int:asset_id>/restore/<int:version>")
@editor_required
def restore(asset_id: int, version: int):
    db = get_db()
    expected = request.form.get("version")
    store.restore_version(db, asset_id, version, actor(), expected_version=int(expected) if expected else None)
    flash(f"Restored version {version} (saved as a new version).")
    return redirect(url_for("assets.history", asset_id=asset_id))


@bp.post("/<int:asset_id>/verify")
@editor_required
def verify(asset_id: int):
    """Mark the details as checked today by the signed-in editor."""
    db = get_db()
    store.update_asset(
        db,
        asset_id,
        {"verified_date": place().today().isoformat(), "verified_by": current_user.email},
        actor(),
        action="verify",
    )
    flash("Marked as verified today.")
    return redirect(safe_next(request.form.get("back"), url_for("assets.edit", asset_id=asset_id)))


@bp.get("/stale")
@editor_required
def stale():
    """Assets not verified in the last N months (or never)."""
    try:
        months = int(request.args.get("months", "12"))
    except ValueError:
        raise InvalidParameter("months must be a whole number") from None
    if not 1 <= months <= 120:
        raise InvalidParameter("months must be between 1 and 120")
    cutoff = (place().today() - timedelta(days=round(months * 30.44))).isoformat()
    db = get_db()
    rows = store.stale_assets(db, cutoff)
    labels = {c["slug"]: category_label(c) for c in store.list_categories(db)}
    return render_template("assets/stale.html", rows=rows, months=months, cutoff=cutoff, labels=labels)


@bp.get("/geocode")
@editor_required
def geocode():
    """Locate an address, postal code or community name: {found, lat, lon, precision, ...}."""
    q = request.args.get("q", "").strip()
    if not q:
        raise InvalidParameter("type an address, postal code or community name")
    if len(q) > 200:
        raise InvalidParameter("that is too long to be an address")
    geo = geocoder()
    found = geo.geocode(q)
    if found is None:
        note = getattr(getattr(geo, "online", None), "unavailable", None)
        return jsonify(
            found=False,
            message=f"We couldn't find {q!r}. Try a full postal code or a town name." + (f" ({note})" if note else ""),
        )
    precision = found.raw["precision"]
    return jsonify(
        found=True,
        lat=round(found.latitude, 6),
        lon=round(found.longitude, 6),
        label=found.address,
        precision=precision,
        precision_text=describe(precision),
        source=found.raw.get("source", ""),
        postal_code=found.raw.get("postal_code", ""),
        community=found.raw.get("community", ""),
    )
