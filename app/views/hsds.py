"""HSDS 3.0 read API (/hsds/...), following Open Referral's OpenAPI description, so HSDS clients can
read the inventory. Bad parameters get HTTP 400 with {"error": "..."}; unknown ids 404 (app.errorpages
answers JSON under /hsds/)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.context import external_url, offline_geocoder
from app.db import get_db
from assetmap import store
from assetmap.formats.hsds import schema as hsds_schema
from assetmap.services import hsds_api
from assetmap.values import parse_choice, parse_query

bp = Blueprint("hsds", __name__, url_prefix="/hsds")


def _key(db) -> tuple:
    return (current_app.config["DATABASE"], store.data_version(db))


def _list_params(with_place: bool) -> dict:
    args = request.args
    filters = {
        "search": parse_query(args.get("search")),
        "taxonomy_term_id": args.get("taxonomy_term_id") or None,
        "taxonomy_id": args.get("taxonomy_id") or None,
    }
    if with_place:
        filters["postcode"] = hsds_api.parse_postcode(args.get("postcode"))
        filters["proximity_m"] = hsds_api.parse_proximity(args.get("proximity"))
    return {
        "filters": filters,
        "organization_id": args.get("organization_id") or None,
        "page": hsds_api.parse_positive_int(args.get("page"), "page", 1),
        "per_page": hsds_api.parse_positive_int(
            args.get("per_page"), "per_page", hsds_api.DEFAULT_PER_PAGE, hsds_api.MAX_PER_PAGE
        ),
    }


def _format() -> str:
    return parse_choice(request.args.get("format"), "format", ["json", "ndjson"], default="json")


def _geocoder():
    return offline_geocoder()


def _respond(page: dict, fmt: str):
    if fmt == "ndjson":
        body = "".join(hsds_api.dumps(item) + "\n" for item in page["contents"])
        return Response(body, mimetype="application/x-ndjson")
    return jsonify(page)


def _all_pages(params: dict) -> dict:
    # ndjson streams every result without pagination (HSDS OpenAPI, parameter `format`).
    return {**params, "page": 1, "per_page": 10**9}


@bp.get("/")
def meta():
    """What this API is: HSDS version and where its OpenAPI description is."""
    return jsonify(
        version=hsds_schema.HSDS_VERSION,
        profile="https://docs.openreferral.org/en/latest/hsds/",
        openapi_url=external_url("hsds.openapi"),
    )


@bp.get("/openapi.json")
def openapi():
    """The HSDS 3.0 OpenAPI description this API follows."""
    return Response((hsds_schema.SCHEMA_DIR / "schema" / "openapi.json").read_bytes(), mimetype="application/json")


def _place_list(lister):
    """A paginated list that can be filtered by place (postcode, proximity); ndjson means all pages, full."""
    db = get_db()
    fmt = _format()
    params = _list_params(with_place=True)
    full = hsds_api.parse_bool(request.args.get("full"), "full") or fmt == "ndjson"
    if fmt == "ndjson":
        params = _all_pages(params)
    return _respond(lister(db, _key(db), params, full=full, geocoder=_geocoder()), fmt)


@bp.get("/services")
def services():
    """Paginated services: search, taxonomy_term_id, taxonomy_id, organization_id, postcode, proximity."""
    return _place_list(hsds_api.service_list)


@bp.get("/services/<service_id>")
def service(service_id: str):
    """One fully nested service."""
    db = get_db()
    return jsonify(hsds_api.service(db, _key(db), service_id))


@bp.get("/organizations")
def organizations():
    """Paginated organizations with their services (full_service=true for whole services)."""
    db = get_db()
    fmt = _format()
    params = _list_params(with_place=False)
    if fmt == "ndjson":
        params = _all_pages(params)
    page = hsds_api.organization_list(
        db,
        _key(db),
        params,
        full=hsds_api.parse_bool(request.args.get("full"), "full"),
        full_service=hsds_api.parse_bool(request.args.get("full_service"), "full_service"),
    )
    return _respond(page, fmt)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    """One organization with its services."""
    db = get_db()
    full_service = hsds_api.parse_bool(request.args.get("full_service"), "full_service")
    return jsonify(hsds_api.organization(db, _key(db), organization_id, full_service=full_service))


@bp.get("/service_at_locations")
def service_at_locations():
    """Paginated service_at_locations: search, taxonomy_term_id, taxonomy_id, organization_id, postcode, proximity."""
    return _place_list(hsds_api.service_at_location_list)


@bp.get("/service_at_locations/<sal_id>")
def service_at_location(sal_id: str):
    """One fully nested service_at_location (its location and service)."""
    db = get_db()
    return jsonify(hsds_api.service_at_location(db, _key(db), sal_id))


@bp.get("/taxonomies")
def taxonomies():
    """The taxonomies our data uses for categories, ABCD types and fields."""
    items = hsds_api.taxonomies(get_db())
    return jsonify(hsds_api.page_of(items, 1, max(1, len(items))))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    """Terms of our category and ABCD taxonomies (their ids work as taxonomy_term_id)."""
    items = hsds_api.taxonomy_terms(get_db())
    return jsonify(hsds_api.page_of(items, 1, max(1, len(items))))
