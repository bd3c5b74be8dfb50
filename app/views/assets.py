"""Editing the inventory: list, add, edit (with optimistic locking), archive, history, staleness."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import actor, admin_required, editor_required, safe_next
from app.db import get_db
from app.maps import build_map
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats import importers
from assetmap.geocoding import make_geocoder
from needs_assessment.precision import PRECISION_WORDS, describe

bp = Blueprint("assets", __name__, url_prefix="/assets")

# Form fields in display order, grouped. (name, label, kind, help)
FORM_GROUPS = [
    (
        "About",
        [
            ("name", "Name", "text", ""),
            ("category", "Category", "category", ""),
            ("subcategory", "Kind of place or service", "text", "e.g. food bank, arena, EarlyON centre"),
            ("description", "Description", "textarea", ""),
        ],
    ),
    (
        "Where",
        [
            ("address", "Street address", "text", ""),
            ("community", "Community", "text", "Town or village"),
            ("municipality", "Municipality", "text", ""),
            ("postal_code", "Postal code", "text", "A1A 1A1 (or a UK postcode)"),
            ("latitude", "Latitude", "number", "Decimal degrees, e.g. 45.0334"),
            ("longitude", "Longitude", "number", "Decimal degrees, e.g. -79.3163"),
            ("location_precision", "How exact is the point?", "precision", ""),
            ("confidential", "Confidential location (never mapped or exported with its address)", "checkbox", ""),
        ],
    ),
    (
        "Contact",
        [
            ("phone", "Phone", "tel", ""),
            ("email", "Email", "email", ""),
            ("website", "Website", "url", ""),
        ],
    ),
    (
        "Service",
        [
            ("hours_text", "Hours (as published)", "text", "Copy the wording of the source"),
            ("opening_hours", "Hours (OpenStreetMap syntax)", "text", "e.g. Mo-Fr 09:00-17:00; leave empty if unsure"),
            ("languages", "Languages offered", "text", "e.g. English, French"),
            ("accessibility", "Accessibility", "text", "e.g. wheelchair accessible entrance"),
            ("eligibility", "Who can use it", "text", ""),
            ("cost", "Cost", "text", "e.g. free, sliding scale"),
            ("capacity", "Capacity", "number", "Hours open per week, seats or staff; used to weigh access (default 1)"),
        ],
    ),
    (
        "Source",
        [
            ("source", "Source", "text", "Where this information comes from"),
            ("source_url", "Source web page", "url", ""),
            ("notes", "Notes for editors", "textarea", ""),
        ],
    ),
]
FIELD_NAMES = [f[0] for _, fields in FORM_GROUPS for f in fields]


def geocoder():
    """The app's geocoder (offline, plus Nominatim for street addresses when configured)."""
    key = "assetmap.geocoder"
    if key not in current_app.extensions:
        current_app.extensions[key] = make_geocoder(
            current_app.config, current_app.config["DATABASE"], current_app.config.get("GEOCODER_ADAPTER_FACTORY")
        )
    return current_app.extensions[key]


def form_values(form) -> dict:
    """Text values of every asset field from a submitted form (unchecked box = not confidential)."""
    values = {name: form.get(name, "").strip() for name in FIELD_NAMES if name != "confidential"}
    values["confidential"] = "1" if form.get("confidential") else "0"
    if form.get("verified_now"):
        values["verified_date"] = date.today().isoformat()
        values["verified_by"] = current_user.email
    else:
        values["verified_date"] = form.get("verified_date", "").strip()
        values["verified_by"] = form.get("verified_by", "").strip()
    if form.get("external_id"):
        values["external_id"] = form["external_id"].strip()
    return values


def row_values(row: dict) -> dict:
    """Form values of a stored asset."""
    values = {
        k: ("" if row.get(k) is None else row.get(k))
        for k in FIELD_NAMES + ["verified_date", "verified_by", "external_id"]
    }
    values["confidential"] = "1" if row.get("confidential") else "0"
    return values


def _form_map(values: dict) -> dict:
    cfg = current_app.config
    lat, lon = (float(v) for v in str(cfg["MAP_CENTER"]).split(","))
    try:
        point = [float(values["latitude"]), float(values["longitude"])]
    except (TypeError, ValueError, KeyError):
        point = None
    return build_map(
        center=tuple(point) if point else (lat, lon),
        zoom=15 if point else int(cfg["MAP_ZOOM"]),
        tile_url=cfg["TILE_URL"],
        tile_attribution=cfg["TILE_ATTRIBUTION"],
        layer_config={"point": point, "geocodeUrl": url_for("assets.geocode")},
        static_url=url_for("static", filename=""),
        init="AssetForm.init",
        scripts=("js/assetform.js",),
    )


def render_form(
    values: dict, *, asset=None, errors=None, warnings=None, duplicates=None, status=200, conflict=None, suggestion=None
):
    return (
        render_template(
            "assets/form.html",
            values=values,
            asset=asset,
            errors=errors or {},
            warnings=warnings or [],
            duplicates=duplicates or [],
            conflict=conflict,
            suggestion=suggestion,
            groups=FORM_GROUPS,
            categories=store.list_categories(get_db()),
            precision_words=PRECISION_WORDS,
            map=_form_map(values),
        ),
        status,
    )


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
    where, params = ["1 = 1"], []
    if status != "all":
        where.append("status = ?")
        params.append(status)
    if category:
        where.append("category = ?")
        params.append(category)
    if q:
        match = store.fts_query(q)
        where.append("id IN (SELECT rowid FROM assets_fts WHERE assets_fts MATCH ?)" if match else "0")
        if match:
            params.append(match)
    rows = list(
        db.query(
            f"SELECT id, name, category, community, location_precision, confidential, status, verified_date, updated_at "
            f"FROM assets WHERE {' AND '.join(where)} ORDER BY name COLLATE NOCASE LIMIT 500",
            params,
        )
    )
    return render_template(
        "assets/list.html", rows=rows, q=q, category=category, status=status, categories=store.list_categories(db)
    )


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    """Add an asset. Warns about likely duplicates before saving."""
    db = get_db()
    if request.method == "GET":
        return render_form({"location_precision": "", "confidential": "0"})
    values = form_values(request.form)
    check = importers.validate_asset(values, store.list_categories(db), geocoder())
    if check.errors:
        return render_form(values, errors=check.errors, status=400)
    dupes = store.possible_duplicates(db, check.clean)
    if dupes and not request.form.get("confirm_new"):
        return render_form(_with_located(values, check.clean), duplicates=dupes, warnings=check.warnings)
    asset_id = store.create_asset(db, check.clean, actor())
    flash(f"Added “{check.clean['name']}”." + (" " + " ".join(check.warnings) if check.warnings else ""))
    return redirect(url_for("assets.edit", asset_id=asset_id))


def _with_located(values: dict, clean: dict) -> dict:
    """Keep what geocoding found in the form when it is shown again."""
    out = dict(values)
    for key in ("latitude", "longitude", "location_precision", "postal_code", "website"):
        if clean.get(key) is not None:
            out[key] = clean[key]
    return out


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
    values["version"] = expected
    check = importers.validate_asset(values, store.list_categories(db), geocoder())
    if check.errors:
        return render_form(values, asset=row, errors=check.errors, status=400)
    dupes = [d for d in store.possible_duplicates(db, check.clean, exclude_id=asset_id)]
    if dupes and not request.form.get("confirm_new") and _moved_or_renamed(row, check.clean):
        return render_form(_with_located(values, check.clean), asset=row, duplicates=dupes, warnings=check.warnings)
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
    try:
        asset = store.get_asset(db, asset_id)
    except Exception:  # noqa: BLE001 - a purged asset still has its history
        asset = None
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
        {"verified_date": date.today().isoformat(), "verified_by": current_user.email},
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
    cutoff = (date.today() - timedelta(days=round(months * 30.44))).isoformat()
    rows = list(
        get_db().query(
            "SELECT id, name, category, community, verified_date, verified_by, source_url FROM assets "
            "WHERE status = 'active' AND (verified_date IS NULL OR verified_date = '' OR verified_date < ?) "
            "ORDER BY COALESCE(verified_date, ''), name COLLATE NOCASE",
            [cutoff],
        )
    )
    return render_template("assets/stale.html", rows=rows, months=months, cutoff=cutoff)


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
