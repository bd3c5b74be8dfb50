"""JSON API: assets and areas as GeoJSON, categories, reach and access; editing for editors.
Bad parameters get a 400 with a message."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context

from app.auth import actor, editor_required
from app.context import geocoder, place
from app.db import get_db
from app.params import analysis_args, asset_filters, travel_analysis_args, travel_args
from assetmap import fields, store, validation, values
from assetmap.errors import Conflict, InvalidParameter, NotFound
from assetmap.formats import exports, geojson
from assetmap.services import areadata, scenario, travel, travel_whatif
from assetmap.services import reach as reach_service
from assetmap.services.published import MemoryCache, Published, gzip_stream, key_etag

bp = Blueprint("api", __name__, url_prefix="/api")
_published = MemoryCache(64)


def send_streamed(
    key: tuple, chunks: Callable[[], Iterator[bytes]], mimetype: str = "application/geo+json"
) -> Response:
    """A body made chunk by chunk while it is sent (memory stays flat), gzip when asked for, with an
    ETag from its key (database, data version, parameters): a client that has it gets 304 at once."""
    etag = key_etag(key)
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    body = chunks()
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = gzip_stream(body)
    return Response(stream_with_context(body), mimetype=mimetype, headers=headers)


def send_published(entry: Published, mimetype: str = "application/geo+json") -> Response:
    """A cached body with its ETag (304 when the client has it), gzip when asked for."""
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if entry.etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(entry.body) > 1024:
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gzipped, mimetype=mimetype, headers=headers)
    return Response(entry.body, mimetype=mimetype, headers=headers)


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
    """Active assets as a GeoJSON FeatureCollection, filtered by bbox, category, q and mapped.

    Without a bbox (the whole layer: 27 MB at 100k assets) it is streamed as it is read, never held;
    a bbox's few features are kept per data version."""
    db = get_db()
    filters = asset_filters(db, request.args)
    key = ("assets", current_app.config["DATABASE"], store.data_version(db), repr(sorted(filters.items())))
    if filters.get("bbox") is None:
        return send_streamed(key, lambda: store.public_features(db, **filters))
    return send_published(_published.get_or_build(key, lambda: store.public_feature_collection(db, **filters)))


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/assets.csv")
def assets_csv():
    """Active assets as CSV (import-assets' columns), same filters as /api/assets."""
    db = get_db()
    return _download(
        exports.assets_csv(store.public_rows(db, **asset_filters(db, request.args))), "text/csv", "assets.csv"
    )


@bp.get("/assets.geojson")
def assets_geojson():
    """Active assets as GeoJSON with every public field, same filters as /api/assets."""
    db = get_db()
    rows = store.public_rows(db, **asset_filters(db, request.args))
    return _download(geojson.dumps(exports.assets_geojson(rows)), "application/geo+json", "assets.geojson")


@bp.get("/assets/<int:asset_id>")
def asset(asset_id: int):
    """One active asset with all its public fields."""
    row = store.get_public_asset(get_db(), asset_id)
    return Response(geojson.dumps(geojson.asset_feature(row, detail=True)), mimetype="application/geo+json")


@bp.get("/areas")
def areas():
    """Areas as GeoJSON with population, density and indicator columns; level= filters; format=csv."""
    db = get_db()
    level = values.parse_choice(request.args.get("level"), "level", areadata.area_levels(db))
    if values.parse_choice(request.args.get("format"), "format", ["geojson", "csv"], default="geojson") == "csv":
        body = exports.areas_csv(store.list_areas(db, level), store.indicator_keys(db))
        return _download(body, "text/csv", f"areas{'-' + level if level else ''}.csv")
    key = ("areas", current_app.config["DATABASE"], store.data_version(db), level)

    def build() -> bytes:
        keys = store.indicator_keys(db)
        flags = frozenset(b["key"] for b in store.deprivation_bands(db) if b["role"] == "flag")
        features = [geojson.area_feature(r, keys, flags) for r in store.list_areas(db, level)]
        return geojson.feature_collection(features, indicators=store.list_indicators(db))

    return send_published(_published.get_or_build(key, build))


# --- reach and access -------------------------------------------------------------------------


@bp.get("/reach")
def reach():
    """Who isn't reached by a category: totals, areas (most unreached first), group breakdowns.

    format=geojson returns the areas as GeoJSON features carrying the same properties; format=csv a table.
    """
    db = get_db()
    fmt = values.parse_choice(request.args.get("format"), "format", ["json", "geojson", "csv"], default="json")
    by_time = travel_args(request.args)
    if by_time:  # mode=car|transit|walk|bicycle: minutes from a matrix or along a road network
        query = travel.TravelQuery(**by_time, **travel_analysis_args(db, request.args))
        report = travel.reach_report(db, request.args.get("category"), query)
        report = reach_service.published(report, current_app.config["SMALL_COUNT_THRESHOLD"])
        return _reach_response(db, report, fmt)
    report = reach_service.reach_report(
        db,
        request.args.get("category"),
        threshold_m=values.parse_distance(request.args.get("threshold_m"), "threshold_m"),
        **analysis_args(db, request.args),
    )
    report = reach_service.published(report, current_app.config["SMALL_COUNT_THRESHOLD"])
    if fmt == "geojson":
        return Response(geojson.dumps(reach_service.reach_geojson(db, report)), mimetype="application/geo+json")
    if fmt == "csv":
        return _download(exports.reach_csv(report), "text/csv", f"reach-{report['category']}.csv")
    return jsonify(report)


def _reach_response(db, report: dict, fmt: str) -> Response:
    if fmt == "geojson":
        return Response(geojson.dumps(reach_service.reach_geojson(db, report)), mimetype="application/geo+json")
    if fmt == "csv":
        return _download(exports.reach_csv(report), "text/csv", f"reach-{report['category']}-{report['mode']}.csv")
    return jsonify(report)


@bp.get("/access")
def access():
    """2SFCA / E2SFCA access scores per area, 1.0 = district average."""
    db = get_db()
    by_time = travel_args(request.args, "catchment_min")
    if by_time:  # a catchment in minutes of travel by the mode
        if by_time["catchment_min"] is None:
            raise InvalidParameter("catchment_min is required (minutes) when a mode is given")
        report = travel_whatif.access_report(
            db,
            request.args.get("category"),
            **by_time,
            method=values.parse_choice(request.args.get("method"), "method", ["2sfca", "e2sfca"], default="2sfca"),
            **travel_analysis_args(db, request.args),
        )
        return jsonify(report)
    report = reach_service.access_report(
        db,
        request.args.get("category"),
        catchment_m=values.parse_distance(request.args.get("catchment_m"), "catchment_m", required=True),
        method=values.parse_choice(request.args.get("method"), "method", ["2sfca", "e2sfca"], default="2sfca"),
        **analysis_args(db, request.args),
    )
    return jsonify(report)


@bp.post("/reach/scenario")
def reach_scenario():
    """What if: hypothetical additions/removals, before/after totals and per-area deltas. Saves nothing."""
    db = get_db()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter('send a JSON object, e.g. {"category": "food", "add": [{"lon": -79.3, "lat": 45.0}]}')
    by_time = travel_args(body)
    if by_time:  # matrix: closures only, new sites on the road network when one is loaded
        query = travel.TravelQuery(**by_time, **travel_analysis_args(db, body))
        report = travel_whatif.scenario_report(db, body.get("category"), values.parse_scenario(body), query)
        return jsonify(scenario.published_scenario(report, current_app.config["SMALL_COUNT_THRESHOLD"]))
    report = scenario.scenario_report(
        db,
        body.get("category"),
        values.parse_scenario(body),
        threshold_m=values.parse_distance(body.get("threshold_m"), "threshold_m"),
        catchment_m=values.parse_distance(body.get("catchment_m"), "catchment_m"),
        method=values.parse_choice(body.get("method"), "method", ["2sfca", "e2sfca"], default="2sfca"),
        **analysis_args(db, body),
    )
    return jsonify(scenario.published_scenario(report, current_app.config["SMALL_COUNT_THRESHOLD"]))


@bp.get("/reach/suggest")
def reach_suggest():
    """The area centre where one new asset of the category would reach the most unreached people."""
    db = get_db()
    if travel_args(request.args):
        raise InvalidParameter(SUGGEST_BY_TIME)
    report = scenario.suggest_site(
        db,
        request.args.get("category"),
        threshold_m=values.parse_distance(request.args.get("threshold_m"), "threshold_m"),
        weight=request.args.get("weight") or None,
        **analysis_args(db, request.args),
    )
    return jsonify(report)


SUGGEST_BY_TIME = (
    "suggesting a site is measured by straight-line distance only (a travel time needs a route to every candidate); "
    "choose straight line to get a suggestion, then place it on the map to measure it by travel time"
)


# --- editing (editors and admins; session cookie + X-CSRFToken header) ------------------------

BODY_KEYS = frozenset(fields.NAMES) | {"extra"}


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("send the asset's fields as a JSON object")
    return body


def _fields_of(body: dict) -> dict:
    """The asset fields of a request body; unknown keys are refused (they would be lost silently)."""
    record = {k: v for k, v in body.items() if k not in ("version", "confirm_duplicate")}
    unknown = sorted(k for k in record if k not in BODY_KEYS)
    if unknown:
        raise InvalidParameter(
            f'unknown field(s) {", ".join(unknown)}; put other attributes in "extra" (an object). '
            f"Fields: {', '.join(fields.NAMES)}"
        )
    if "extra" in record and record["extra"] is not None and not isinstance(record["extra"], dict):
        raise InvalidParameter('"extra" must be an object of attribute names and values')
    return record


def _validated(record: dict):
    extra = record.pop("extra", None)
    check = validation.validate_asset(record, store.list_categories(get_db()), geocoder(), region=place())
    if check.errors:
        return None, (jsonify(error="; ".join(check.errors.values()), fields=check.errors), 400)
    if extra is not None:
        check.clean["extra"] = extra
    return check, None


def _feature(db, asset_id: int, status: int = 200) -> Response:
    body = geojson.dumps(geojson.asset_feature(store.get_asset(db, asset_id), detail=True))
    return Response(body, status=status, mimetype="application/geo+json")


@bp.post("/assets")
@editor_required
def create_asset():
    """Add an asset. 409 with the likely duplicates unless confirm_duplicate is true."""
    db = get_db()
    body = _json_body()
    check, error = _validated(_fields_of(body))
    if error:
        return error
    dupes = store.possible_duplicates(db, check.clean)
    if dupes and body.get("confirm_duplicate") is not True:
        return jsonify(
            error="this may already be in the inventory; send confirm_duplicate: true to add it anyway",
            duplicates=[geojson.asset_feature(d) for d in dupes],
        ), 409
    return _feature(db, store.create_asset(db, check.clean, actor()), 201)


@bp.patch("/assets/<int:asset_id>")
@editor_required
def patch_asset(asset_id: int):
    """Change fields; `version` (the version you read) is required: 409 with the current record if stale.
    `extra` is merged into the stored extra attributes (a null value removes one)."""
    db = get_db()
    body = _json_body()
    if not isinstance(body.get("version"), int) or isinstance(body.get("version"), bool):
        raise InvalidParameter("version (the asset version you are changing) is required")
    changes = _fields_of(body)
    row = store.get_asset(db, asset_id)
    base = {k: row.get(k) for k in fields.NAMES}
    if "latitude" in changes or "longitude" in changes:
        base.pop("location_precision", None)  # a new point: precision from the body or 'exact'
    extra = changes.pop("extra", None)
    check, error = _validated({**base, **changes})
    if error:
        return error
    if extra is not None:
        merged = {**store.extra_of(row), **extra}
        check.clean["extra"] = {k: v for k, v in merged.items() if v is not None}
    else:
        check.clean.pop("extra", None)
    try:
        store.update_asset(db, asset_id, check.clean, actor(), expected_version=body["version"])
    except Conflict as exc:
        current = exc.current or store.get_asset(db, asset_id)
        return jsonify(
            error=str(exc), current=geojson.asset_feature(current, detail=True), version=current["version"]
        ), 409
    return _feature(db, asset_id)


@bp.delete("/assets/<int:asset_id>")
@editor_required
def delete_asset(asset_id: int):
    """Archive (deleting never destroys: only an admin can purge, from the asset's page)."""
    db = get_db()
    version = request.args.get("version")
    if version is not None and not (version.isascii() and version.isdigit() and len(version) <= 12):
        raise InvalidParameter("version must be a whole number")
    try:
        row = store.archive_asset(db, asset_id, actor(), expected_version=int(version) if version else None)
    except Conflict as exc:
        return jsonify(error=str(exc)), 409
    return jsonify(id=asset_id, status=row["status"], version=row["version"])
