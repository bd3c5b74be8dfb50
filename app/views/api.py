"""JSON API: assets and areas as GeoJSON, categories. Bad parameters get a 400 with a message."""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from threading import Lock

from flask import Blueprint, Response, current_app, jsonify, request

from app.auth import actor, editor_required
from app.db import get_db
from app.params import parse_bbox, parse_categories, parse_choice, parse_query
from assetmap import store
from assetmap.errors import Conflict, InvalidParameter, NotFound
from assetmap.formats import exports, geojson, importers
from assetmap.services import analysis

bp = Blueprint("api", __name__, url_prefix="/api")

_CACHE_SIZE = 64
_cache: OrderedDict[tuple, dict] = OrderedDict()
_cache_lock = Lock()


def _cached_json(key: tuple, build) -> Response:
    """Serve JSON bytes cached per (data version, parameters), with an ETag and gzip on request."""
    with _cache_lock:
        entry = _cache.get(key)
        if entry is not None:
            _cache.move_to_end(key)
    if entry is None:
        body = build()
        entry = {"body": body, "etag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"'}
        with _cache_lock:
            _cache[key] = entry
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    headers = {"ETag": entry["etag"], "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if entry["etag"] in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(entry["body"]) > 1024:
        if "gzip" not in entry:  # compressed once, on first demand
            entry["gzip"] = gzip.compress(entry["body"], compresslevel=5)
        headers["Content-Encoding"] = "gzip"
        return Response(entry["gzip"], mimetype="application/geo+json", headers=headers)
    return Response(entry["body"], mimetype="application/geo+json", headers=headers)


@bp.errorhandler(InvalidParameter)
def _bad_parameter(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(NotFound)
def _not_found(exc):
    return jsonify(error=str(exc)), 404


@bp.get("/categories")
def categories():
    """All categories with colour, symbol and active asset count."""
    return jsonify(categories=store.list_categories(get_db()))


@bp.get("/assets")
def assets():
    """Active assets as a GeoJSON FeatureCollection, filtered by bbox, category and q."""
    db = get_db()
    bbox = parse_bbox(request.args.get("bbox"))
    cats = parse_categories(request.args.getlist("category"), store.category_slugs(db))
    q = parse_query(request.args.get("q"))
    mapped = parse_choice(request.args.get("mapped"), "mapped", ["0", "1"])
    key = ("assets", store.data_version(db), bbox, tuple(cats or ()), q, mapped, current_app.config["DATABASE"])

    def build() -> bytes:
        return store.assets_feature_collection(
            db, bbox=bbox, categories=cats, q=q, mapped=None if mapped is None else mapped == "1"
        )

    return _cached_json(key, build)


def _export_rows(args) -> list[dict]:
    """Active assets filtered like the map (bbox, category, q, mapped), all columns."""
    db = get_db()
    bbox = parse_bbox(args.get("bbox"))
    cats = parse_categories(args.getlist("category"), store.category_slugs(db))
    q = parse_query(args.get("q"))
    mapped = parse_choice(args.get("mapped"), "mapped", ["0", "1"])
    found = store.asset_filter(bbox=bbox, categories=cats, q=q)
    if found is None:
        return []
    where, params = found
    if mapped is not None:
        where += f" AND {'' if mapped == '1' else 'NOT '}({geojson.PUBLIC_POINT_SQL})"
    return list(db.query(f"SELECT * FROM assets WHERE {where} {store.ORDER_BY}", params))


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/assets.csv")
def assets_csv():
    """Active assets as CSV (import-assets' columns), same filters as /api/assets."""
    return _download(exports.assets_csv(_export_rows(request.args)), "text/csv", "assets.csv")


@bp.get("/assets.geojson")
def assets_geojson():
    """Active assets as GeoJSON with every public field, same filters as /api/assets."""
    body = geojson.dumps(exports.assets_geojson(_export_rows(request.args)))
    return _download(body, "application/geo+json", "assets.geojson")


@bp.get("/assets/<int:asset_id>")
def asset(asset_id: int):
    """One active asset with all its public fields."""
    row = store.get_asset(get_db(), asset_id)
    if row["status"] != "active":
        raise NotFound(f"no asset with id {asset_id}")
    return Response(geojson.dumps(geojson.asset_feature(row, detail=True)), mimetype="application/geo+json")


@bp.get("/areas")
def areas():
    """Areas as GeoJSON with population, density and indicator columns; level= filters; format=csv."""
    db = get_db()
    level = parse_choice(request.args.get("level"), "level", store.area_levels(db))
    if parse_choice(request.args.get("format"), "format", ["geojson", "csv"], default="geojson") == "csv":
        body = exports.areas_csv(store.list_areas(db, level), store.indicator_keys(db))
        return _download(body, "text/csv", f"areas{'-' + level if level else ''}.csv")
    key = ("areas", store.data_version(db), level, current_app.config["DATABASE"])

    def build() -> bytes:
        keys = store.indicator_keys(db)
        features = [geojson.area_feature(r, keys) for r in store.list_areas(db, level)]
        return geojson.feature_collection(features, indicators=store.list_indicators(db))

    return _cached_json(key, build)


# --- reach and access -------------------------------------------------------------------------


def _analysis_args(args) -> dict:
    db = get_db()
    return {
        "circuity": analysis.parse_circuity(args.get("circuity")),
        "include_imprecise": analysis.parse_flag(args.get("include_imprecise"), "include_imprecise"),
        "level": parse_choice(args.get("level"), "level", store.area_levels(db)),
    }


@bp.get("/reach")
def reach():
    """Who isn't reached by a category: totals, areas (most unreached first), group breakdowns.

    format=geojson returns the areas as GeoJSON features carrying the same properties; format=csv a table.
    """
    db = get_db()
    fmt = parse_choice(request.args.get("format"), "format", ["json", "geojson", "csv"], default="json")
    report = analysis.reach_report(
        db,
        request.args.get("category"),
        threshold_m=analysis.parse_distance(request.args.get("threshold_m"), "threshold_m"),
        **_analysis_args(request.args),
    )
    if fmt == "geojson":
        return Response(geojson.dumps(analysis.reach_geojson(db, report)), mimetype="application/geo+json")
    if fmt == "csv":
        return _download(exports.reach_csv(report), "text/csv", f"reach-{report['category']}.csv")
    return jsonify(report)


@bp.get("/access")
def access():
    """2SFCA / E2SFCA access scores per area, 1.0 = district average."""
    report = analysis.access_report(
        get_db(),
        request.args.get("category"),
        catchment_m=analysis.parse_distance(request.args.get("catchment_m"), "catchment_m", required=True),
        method=parse_choice(request.args.get("method"), "method", ["2sfca", "e2sfca"], default="2sfca"),
        **_analysis_args(request.args),
    )
    return jsonify(report)


@bp.post("/reach/scenario")
def reach_scenario():
    """What if: hypothetical additions/removals, before/after totals and per-area deltas. Saves nothing."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter('send a JSON object, e.g. {"category": "food", "add": [{"lon": -79.3, "lat": 45.0}]}')
    scenario = analysis.parse_scenario(body)
    report = analysis.scenario_report(
        get_db(),
        body.get("category"),
        scenario,
        threshold_m=analysis.parse_distance(body.get("threshold_m"), "threshold_m"),
        catchment_m=analysis.parse_distance(body.get("catchment_m"), "catchment_m"),
        method=parse_choice(body.get("method"), "method", ["2sfca", "e2sfca"], default="2sfca"),
        **_analysis_args(body),
    )
    return jsonify(report)


@bp.get("/reach/suggest")
def reach_suggest():
    """The area centre where one new asset of the category would reach the most unreached people."""
    report = analysis.suggest_site(
        get_db(),
        request.args.get("category"),
        threshold_m=analysis.parse_distance(request.args.get("threshold_m"), "threshold_m"),
        weight=request.args.get("weight") or None,
        **_analysis_args(request.args),
    )
    return jsonify(report)


# --- editing (editors and admins; session cookie + X-CSRFToken header) ------------------------


def _validated(body: dict, base: dict | None = None):
    from app.views.assets import geocoder

    record = {**(base or {}), **{k: v for k, v in body.items() if k not in ("version", "confirm_duplicate")}}
    check = importers.validate_asset(record, store.list_categories(get_db()), geocoder())
    if check.errors:
        return None, (jsonify(error="; ".join(check.errors.values()), fields=check.errors), 400)
    return check, None


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("send the asset's fields as a JSON object")
    return body


@bp.post("/assets")
@editor_required
def create_asset():
    """Add an asset. 409 with the likely duplicates unless confirm_duplicate is true."""
    db = get_db()
    body = _json_body()
    check, error = _validated(body)
    if error:
        return error
    dupes = store.possible_duplicates(db, check.clean)
    if dupes and body.get("confirm_duplicate") is not True:
        return jsonify(
            error="this may already be in the inventory; send confirm_duplicate: true to add it anyway",
            duplicates=[geojson.asset_feature(d) for d in dupes],
        ), 409
    asset_id = store.create_asset(db, check.clean, actor())
    return Response(
        geojson.dumps(geojson.asset_feature(store.get_asset(db, asset_id), detail=True)),
        status=201,
        mimetype="application/geo+json",
    )


@bp.patch("/assets/<int:asset_id>")
@editor_required
def patch_asset(asset_id: int):
    """Change fields; `version` (the version you read) is required: 409 with the current record if stale."""
    db = get_db()
    body = _json_body()
    if not isinstance(body.get("version"), int):
        raise InvalidParameter("version (the asset version you are changing) is required")
    row = store.get_asset(db, asset_id)
    base = {k: row.get(k) for k in store.ASSET_FIELDS}
    if "latitude" in body or "longitude" in body:
        base.pop("location_precision", None)  # a new point: precision from the body or 'exact'
    check, error = _validated(body, base)
    if error:
        return error
    try:
        store.update_asset(db, asset_id, check.clean, actor(), expected_version=body["version"])
    except Conflict as exc:
        current = exc.current or store.get_asset(db, asset_id)
        return jsonify(
            error=str(exc), current=geojson.asset_feature(current, detail=True), version=current["version"]
        ), 409
    return Response(
        geojson.dumps(geojson.asset_feature(store.get_asset(db, asset_id), detail=True)),
        mimetype="application/geo+json",
    )


@bp.delete("/assets/<int:asset_id>")
@editor_required
def delete_asset(asset_id: int):
    """Archive (deleting never destroys: only an admin can purge, from the asset's page)."""
    db = get_db()
    version = request.args.get("version")
    try:
        row = store.archive_asset(db, asset_id, actor(), expected_version=int(version) if version else None)
    except ValueError:
        raise InvalidParameter("version must be a whole number") from None
    except Conflict as exc:
        return jsonify(error=str(exc)), 409
    return jsonify(id=asset_id, status=row["status"], version=row["version"])
