"""The location-fixing queue: assets placed only roughly, most reach impact first, each one click
from a map to place its point (drag the marker, click the map, or find an address)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import actor, editor_required, safe_next
from app.context import place
from app.db import get_db
from app.i18n import category_label
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.services import locations
from needs_assessment.precision import PRECISE, PRECISION_WORDS

bp = Blueprint("locations", __name__, url_prefix="/assets")

GROUP_WORDS = {
    "all": "everything that needs a better point",
    "approximate": "approximate (town, municipality or rural postal code centre)",
    "unreliable": "known not to be the site",
    "none": "no point at all",
}


def _labels() -> dict[str, str]:
    return {c["slug"]: category_label(c) for c in store.list_categories(get_db())}


@bp.get("/locations")
@editor_required
def queue():
    """Assets whose point needs fixing, filtered by precision, most reach impact first."""
    group = request.args.get("precision", "all")
    if group not in locations.GROUPS:
        raise InvalidParameter(f"precision must be one of {', '.join(locations.GROUPS)}")
    db = get_db()
    items = locations.location_queue(db, group)
    categories = sorted({it.asset["category"] for it in items})
    return render_template(
        "locations/queue.html",
        items=items,
        group=group,
        groups=GROUP_WORDS,
        labels=_labels(),
        figures=locations.reach_figures(db, categories),
    )


@bp.route("/<int:asset_id>/place", methods=["GET", "POST"])
@editor_required
def place_point(asset_id: int):
    """A map to place one asset's point; saving records the precision and who placed it."""
    db = get_db()
    asset = store.get_asset(db, asset_id)
    if request.method == "GET":
        return _place_page(asset)
    try:
        lat, lon, precision, version = _placed(request.form, asset)
    except InvalidParameter as exc:
        return _place_page(asset, error=str(exc), status=400)
    found_by = request.form.get("found_by", "").strip()[:200]
    today = place().today().isoformat()
    who = current_user.email
    if precision == "exact":
        source = f"placed by hand on the map by {who} on {today}"
    else:
        source = f"found from “{found_by or 'an address'}” and confirmed on the map by {who} on {today}"
    before = locations.reach_figures(db, [asset["category"]]).get(asset["category"])
    try:
        store.update_asset(
            db,
            asset_id,
            {"latitude": lat, "longitude": lon, "location_precision": precision, "precision_source": source},
            actor(),
            expected_version=version,
            action="place",
        )
    except Conflict:
        return _place_page(
            store.get_asset(db, asset_id),
            error="Someone changed this asset meanwhile; its current point is shown. Place it again.",
            status=409,
        )
    after = locations.reach_figures(db, [asset["category"]]).get(asset["category"])
    words = PRECISION_WORDS[precision].split(":")[0]
    message = f"Placed “{asset['name']}” ({words})."
    label = _labels().get(asset["category"], asset["category"]).lower()
    if before is not None and after is not None:
        message += f" People beyond reach of {label}: {before:,.0f} → {after:,.0f}."
    elif after is not None:
        message += f" Reach of {label} can now be measured: {after:,.0f} people beyond reach."
    flash(message)
    return redirect(safe_next(request.form.get("back"), url_for("locations.queue")))


def _placed(form, asset: dict) -> tuple[float, float, str, int]:
    """(lat, lon, precision, version) from the form; InvalidParameter saying what is wrong.

    The page's script says how the point was set (placed by hand: exact; found: the geocoder's
    precision). Without the script, numbers typed by hand that move the point mean the exact site;
    saving the old rough point unchanged fixes nothing and is refused."""
    try:
        lat, lon = float(form.get("latitude", "")), float(form.get("longitude", ""))
    except ValueError:
        raise InvalidParameter("Place the marker on the map (or type the latitude and longitude).") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidParameter("The latitude must be within ±90 and the longitude within ±180.")
    if not place().in_region(lat, lon):
        raise InvalidParameter(f"That point is outside the area this map covers ({place().name}).")
    precision = form.get("location_precision") or "none"
    moved = (round(lat, 6), round(lon, 6)) != (
        round(asset["latitude"] or 0.0, 6),
        round(asset["longitude"] or 0.0, 6),
    )
    if precision not in PRECISE and moved:
        precision = "exact"
    if precision not in PRECISE:
        raise InvalidParameter(
            f"That point is still approximate ({PRECISION_WORDS.get(precision, precision)}). "
            "Drag the marker to the site, or find its street address."
        )
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise InvalidParameter("The form has no version; reload the page.") from None
    return round(lat, 6), round(lon, 6), precision, version


def _place_page(asset: dict, *, error: str | None = None, status: int = 200):
    p = place()
    point = [asset["latitude"], asset["longitude"]] if asset["latitude"] is not None else None
    query = ", ".join(
        v
        for v in (
            asset["address"] if asset.get("address_kind") != "mailing" else "",
            asset["community"] or asset["municipality"],
            asset["postal_code"] if asset.get("address_kind") != "mailing" else "",
        )
        if v
    )
    config = {
        "point": point,
        "center": list(p.center),
        "zoom": 15 if point else p.zoom,
        "tileUrl": current_app.config["TILE_URL"],
        "tileAttribution": current_app.config["TILE_ATTRIBUTION"],
        "geocodeUrl": url_for("assets.geocode"),
    }
    return render_template(
        "locations/place.html",
        asset=asset,
        label=_labels().get(asset["category"], asset["category"]),
        error=error,
        config=config,
        query=request.form.get("found_by", query) if error else query,
        back=safe_next(request.args.get("back") or request.form.get("back"), url_for("locations.queue")),
    ), status
