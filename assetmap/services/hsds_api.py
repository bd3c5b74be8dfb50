"""Queries behind the HSDS 3.0 read API (/hsds/...): services, organizations, service_at_locations.

Follows the HSDS 3.0 OpenAPI description (app/hsds_schemas/schema/openapi.json): list endpoints are
paginated (`total_items, total_pages, page_number, size, first_page, last_page, empty, contents`) and
take `search`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`, `page`, `per_page`; the
service_at_locations list (and, as an extension, the services list) also takes `postcode` and
`proximity`. As the OpenAPI says, `proximity` is a distance in metres from the centroid of `postcode`
(geodesic distance on the WGS84 ellipsoid); without `proximity`, `postcode` matches the postal code of
the location's address (a 3-character FSA matches every code in it). Confidential sites never match a
postcode or proximity search, as they are published without either.

Each asset's HSDS ids are cheap to derive (app.unit_ids), so an index from ids to assets is built
per data version; HSDS documents are built only for the page returned.
"""

from __future__ import annotations

import json
import math
from threading import Lock

from pyproj import Geod
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter, NotFound
from assetmap.formats.hsds import package as hsds_io
from assetmap.formats.hsds.mapping import asset_unit
from assetmap.formats.hsds.objects import PARTS, service_document, uid
from assetmap.formats.hsds.terms import ABCD_TAXONOMY, CATEGORY_TAXONOMY, OUR_TAXONOMIES, Context, our_term
from assetmap.formats.hsds.unit import asset_extra, has_place, unit_ids
from assetmap.geocoding import FSA_RE, normalise_postal_code
from assetmap.privacy import public_asset
from assetmap.vocab import abcd

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_PROXIMITY_M = 500_000
_GEOD = Geod(ellps="WGS84")

_index_cache: dict[tuple, dict] = {}
_index_lock = Lock()


def id_index(db: Database, key: tuple) -> dict:
    """HSDS ids of every active asset: {part: {hsds id: [asset ids]}, "order": [asset ids]} (cached by key)."""
    with _index_lock:
        found = _index_cache.get(key)
    if found is not None:
        return found
    index: dict = {part: {} for part in PARTS}
    index["order"], index["ids"] = [], {}
    for row in store.public_rows_by_id(db):
        ids = unit_ids(row)
        index["order"].append(row["id"])
        index["ids"][row["id"]] = ids
        for part in PARTS:
            index[part].setdefault(ids[part], []).append(row["id"])
    with _index_lock:
        _index_cache.clear()  # one data version at a time
        _index_cache[key] = index
    return index


# --- parameters --------------------------------------------------------------------------------


def parse_positive_int(raw, name: str, default: int, maximum: int | None = None) -> int:
    """A whole number >= 1 (page, per_page)."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise InvalidParameter(f"{name} must be 1 or more")
    if maximum is not None and value > maximum:
        raise InvalidParameter(f"{name} must be at most {maximum}")
    return value


def parse_bool(raw, name: str) -> bool:
    """true/false (also 1/0)."""
    if raw is None or raw == "":
        return False
    word = str(raw).strip().lower()
    if word in ("true", "1"):
        return True
    if word in ("false", "0"):
        return False
    raise InvalidParameter(f"{name} must be true or false")


def parse_proximity(raw) -> float | None:
    """Metres from the postcode's centroid."""
    if raw is None or raw == "":
        return None
    try:
        metres = float(raw)
    except ValueError:
        raise InvalidParameter(f"proximity must be a distance in metres, not {raw!r}") from None
    if not math.isfinite(metres) or metres <= 0 or metres > MAX_PROXIMITY_M:
        raise InvalidParameter(f"proximity must be a distance in metres between 0 and {MAX_PROXIMITY_M:,}")
    return metres


def parse_postcode(raw) -> str | None:
    """'A1A 1A1' or an FSA 'A1A'; None when absent."""
    if raw is None or raw.strip() == "":
        return None
    code = normalise_postal_code(raw)
    if code and len(raw.replace(" ", "")) == 6:
        return code
    m = FSA_RE.match(raw)
    if m:
        return m.group(1).upper()
    raise InvalidParameter(f"postcode {raw!r} is not a Canadian postal code (A1A 1A1) or FSA (A1A)")


# --- filtering ---------------------------------------------------------------------------------


def _term_condition(ctx: Context, term_id: str) -> tuple[str, list]:
    """SQL condition for assets carrying a taxonomy term (ours, or a source's kept in extra)."""
    for cat in ctx.categories:
        if uid("taxonomy_term", CATEGORY_TAXONOMY, cat["slug"]) == term_id:
            return "category = ?", [cat["slug"]]
    for t in ctx.abcd_types:
        if uid("taxonomy_term", ABCD_TAXONOMY, t["code"]) == term_id:
            defaults = [c for c, code in abcd.category_defaults(ctx.abcd_types).items() if code == t["code"]]
            cond = "abcd_type = ?"
            params: list = [t["code"]]
            if defaults or t["code"] == abcd.FALLBACK_TYPE:
                known = list(abcd.category_defaults(ctx.abcd_types))
                if t["code"] == abcd.FALLBACK_TYPE:
                    default_cond = f"(category IN ({', '.join('?' * len(defaults))}) OR category NOT IN ({', '.join('?' * len(known))}))"
                    params += [*defaults, *known]
                else:
                    default_cond = f"category IN ({', '.join('?' * len(defaults))})"
                    params += defaults
                cond = f"(abcd_type = ? OR (abcd_type IS NULL AND {default_cond}))"
            return cond, params
    return "instr(COALESCE(extra, ''), ?) > 0", [f'"{term_id}"']


def _taxonomy_condition(ctx: Context, taxonomy_id: str) -> tuple[str, list]:
    ours = {uid("taxonomy", name) for name in (CATEGORY_TAXONOMY, ABCD_TAXONOMY)}
    if taxonomy_id in ours:
        return "1 = 1", []
    return "instr(COALESCE(extra, ''), ?) > 0", [f'"{taxonomy_id}"']  # public_assets.extra: none for confidential


def matching_assets(
    db: Database,
    ctx: Context,
    *,
    search: str | None = None,
    taxonomy_term_id: str | None = None,
    taxonomy_id: str | None = None,
    postcode: str | None = None,
    proximity_m: float | None = None,
    geocoder=None,
    with_location: bool = False,
) -> set[int]:
    """Ids of active assets that pass the filters."""
    found = store.public_filter(q=search)
    if found is None:
        return set()
    where, params = found
    if taxonomy_term_id:
        cond, more = _term_condition(ctx, taxonomy_term_id)
        where += f" AND {cond}"
        params += more
    if taxonomy_id:
        cond, more = _taxonomy_condition(ctx, taxonomy_id)
        where += f" AND {cond}"
        params += more
    if proximity_m is not None and not postcode:
        raise InvalidParameter("proximity is measured from a postcode: give postcode too")
    centre = None
    if postcode and proximity_m is not None:
        location = geocoder.geocode(postcode) if geocoder else None
        if location is None or "postal" not in location.raw.get("precision", ""):
            raise InvalidParameter(f"postcode {postcode!r} is not in the offline postal code table")
        centre = (location.longitude, location.latitude)
        where += " AND latitude IS NOT NULL"
    elif postcode:
        where += " AND confidential = 0 AND (postal_code = ? OR (length(?) = 3 AND substr(postal_code, 1, 3) = ?))"
        params += [postcode, postcode, postcode]
    rows = store.public_points(db, where, params)
    if centre is None:
        return {r["id"] for r in rows}
    rows = list(rows)
    if not rows:
        return set()
    n = len(rows)
    _, _, dist = _GEOD.inv(
        [centre[0]] * n, [centre[1]] * n, [r["longitude"] for r in rows], [r["latitude"] for r in rows]
    )
    return {r["id"] for r, d in zip(rows, dist, strict=True) if d <= proximity_m}


def page_of(items: list, page: int, per_page: int) -> dict:
    """An HSDS Page (without contents) and the slice of items it holds."""
    total = len(items)
    total_pages = max(1, math.ceil(total / per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(chunk),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not chunk,
        "contents": chunk,
    }


def _rows(db: Database, asset_ids: list[int]) -> dict[int, dict]:
    if not asset_ids:
        return {}
    out = {}
    for start in range(0, len(asset_ids), 500):
        part = asset_ids[start : start + 500]
        out.update(store.public_rows_for_ids(db, part))
    return out


def _scalars(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if not isinstance(v, (list, dict))}


def service_list(db: Database, key: tuple, params: dict, *, full: bool, geocoder=None) -> dict:
    """A page of services (one-to-one fields and organization, or fully nested with full=true)."""
    ctx = hsds_io.context(db)
    index = id_index(db, key)
    wanted = matching_assets(db, ctx, geocoder=geocoder, **params["filters"])
    order = []
    for sid, asset_ids in index["service"].items():
        hits = [a for a in asset_ids if a in wanted]
        if not hits:
            continue
        org = params.get("organization_id")
        if org and index["ids"][hits[0]]["organization"] != org:
            continue
        order.append((sid, hits))
    page = page_of(order, params["page"], params["per_page"])
    rows = _rows(db, [a for _, hits in page["contents"] for a in hits])
    contents = []
    for _sid, hits in page["contents"]:
        doc = service_document([asset_unit(rows[a], ctx) for a in hits])
        if not full:
            doc = {**_scalars(doc), "organization": _scalars(doc["organization"])}
        contents.append(doc)
    page["contents"] = contents
    return page


def service(db: Database, key: tuple, service_id: str) -> dict:
    """One fully nested service; raises NotFound."""
    asset_ids = id_index(db, key)["service"].get(service_id)
    if not asset_ids:
        raise NotFound(f"no service with id {service_id}")
    ctx = hsds_io.context(db)
    rows = _rows(db, asset_ids)
    return service_document([asset_unit(rows[a], ctx) for a in asset_ids])


def organization_list(db: Database, key: tuple, params: dict, *, full: bool, full_service: bool) -> dict:
    """A page of organizations, each with its services (ids and names, or full with full_service)."""
    ctx = hsds_io.context(db)
    index = id_index(db, key)
    wanted = matching_assets(db, ctx, **params["filters"])
    order = [(oid, [a for a in ids if a in wanted]) for oid, ids in index["organization"].items()]
    order = [(oid, hits) for oid, hits in order if hits]
    page = page_of(order, params["page"], params["per_page"])
    page["contents"] = [
        _organization(db, ctx, index, hits, full=full, full_service=full_service) for _, hits in page["contents"]
    ]
    return page


def organization(db: Database, key: tuple, organization_id: str, *, full_service: bool) -> dict:
    """One organization with its services; raises NotFound."""
    index = id_index(db, key)
    asset_ids = index["organization"].get(organization_id)
    if not asset_ids:
        raise NotFound(f"no organization with id {organization_id}")
    return _organization(db, hsds_io.context(db), index, asset_ids, full=True, full_service=full_service)


def _organization(db, ctx, index, asset_ids, *, full: bool, full_service: bool) -> dict:
    rows = _rows(db, asset_ids)
    units = [asset_unit(rows[a], ctx) for a in asset_ids]
    org = dict(units[0]["organization"])
    if not full:
        org = _scalars(org)
    groups: dict[str, list[dict]] = {}
    for unit in units:
        groups.setdefault(unit["service"]["id"], []).append(unit)
    services = [service_document(g) for g in groups.values()]
    if full_service:
        org["services"] = services
    else:
        org["services"] = [{"id": s["id"], "name": s["name"]} for s in services]
    return org


def service_at_location_list(db: Database, key: tuple, params: dict, *, full: bool, geocoder=None) -> dict:
    """A page of service_at_locations (with their location, and service when full=true)."""
    ctx = hsds_io.context(db)
    index = id_index(db, key)
    wanted = matching_assets(db, ctx, geocoder=geocoder, **params["filters"])
    org = params.get("organization_id")
    hits = [a for a in index["order"] if a in wanted and (not org or index["ids"][a]["organization"] == org)]
    rows = _rows(db, hits)
    units = []
    for a in hits:
        if not has_place(public_asset(rows[a])) and not (asset_extra(rows[a]).get("hsds") or {}).get("location"):
            continue
        units.append(a)
    page = page_of(units, params["page"], params["per_page"])
    page["contents"] = [_sal(asset_unit(rows[a], ctx), full=full) for a in page["contents"]]
    return page


def service_at_location(db: Database, key: tuple, sal_id: str) -> dict:
    """One fully nested service_at_location; raises NotFound."""
    asset_ids = id_index(db, key)["service_at_location"].get(sal_id)
    if not asset_ids:
        raise NotFound(f"no service_at_location with id {sal_id}")
    row = _rows(db, asset_ids[:1])[asset_ids[0]]
    unit = asset_unit(row, hsds_io.context(db))
    if unit["service_at_location"] is None:
        raise NotFound(f"no service_at_location with id {sal_id}")
    return _sal(unit, full=True)


def _sal(unit: dict, *, full: bool) -> dict:
    sal = dict(unit["service_at_location"])
    if full:
        sal["location"] = unit["location"]
        sal["service"] = {**unit["service"], "organization": unit["organization"]}
    else:
        sal["location"] = _scalars(unit["location"])
        sal["service"] = {"id": unit["service"]["id"], "name": unit["service"]["name"]}
    return sal


def taxonomies(db: Database) -> list[dict]:
    """Our taxonomies (category, ABCD type, field) as HSDS taxonomy objects."""
    return [{"id": uid("taxonomy", name), "name": name, "description": text} for name, text in OUR_TAXONOMIES.items()]


def taxonomy_terms(db: Database) -> list[dict]:
    """Terms of our category and ABCD taxonomies."""
    ctx = hsds_io.context(db)
    terms = [our_term(CATEGORY_TAXONOMY, c["slug"], c["label"], c.get("description") or "") for c in ctx.categories] + [
        our_term(ABCD_TAXONOMY, t["code"], t["label"], t["description"]) for t in ctx.abcd_types
    ]
    return [{k: v for k, v in t.items() if k != "taxonomy_detail"} for t in terms]


def dumps(obj) -> str:
    """JSON text (for ndjson lines)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
