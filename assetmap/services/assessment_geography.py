"""Where an assessment is about: the district, a municipality, chosen areas or a drawn polygon."""

from __future__ import annotations

import json
import math
import re

from shapely.geometry import shape
from sqlite_utils import Database

from assetmap import store
from assetmap.errors import InvalidParameter
from needs_assessment.geo import areas_in_polygon

GEOGRAPHY_KINDS = ("district", "municipality", "areas", "polygon")


def municipality_options(db: Database, level: str) -> list[dict]:
    """Municipalities that own areas of the level: id, name, areas, people (largest first)."""
    names = {r["id"]: r["name"] for r in store.other_level_areas(db, level)}
    out: dict[str, dict] = {}
    for r in store.list_areas(db, level):
        pid = r["parent_id"]
        if not pid:
            continue
        entry = out.setdefault(pid, {"id": pid, "name": names.get(pid) or _in_brackets(r["name"]) or pid})
        entry["areas"] = entry.get("areas", 0) + 1
        entry["population"] = entry.get("population", 0) + (r["population"] or 0)
    return sorted(out.values(), key=lambda e: (-e["population"], e["name"]))


def _in_brackets(name: str) -> str | None:
    m = re.search(r"\(([^)]+)\)\s*$", name or "")
    return m.group(1) if m else None


def parse_geography(raw: dict) -> dict:
    """Validate a geography definition into its canonical form (InvalidParameter when malformed).

    {"kind": "district"} | {"kind": "municipality", "id": "3544042"} |
    {"kind": "areas", "ids": ["35440163", ...]} | {"kind": "polygon", "geometry": GeoJSON Polygon, lon/lat}
    """
    kind = (raw or {}).get("kind")
    if kind not in GEOGRAPHY_KINDS:
        raise InvalidParameter(f"choose a geography: {', '.join(GEOGRAPHY_KINDS)}")
    if kind == "district":
        return {"kind": "district"}
    if kind == "municipality":
        mid = str(raw.get("id") or "").strip()
        if not re.fullmatch(r"[\w.-]{1,40}", mid):
            raise InvalidParameter("choose a municipality")
        return {"kind": "municipality", "id": mid}
    if kind == "areas":
        ids = sorted({str(i).strip() for i in raw.get("ids") or [] if str(i).strip()})
        if not ids:
            raise InvalidParameter("choose at least one area")
        if len(ids) > 5000 or not all(re.fullmatch(r"[\w.-]{1,40}", i) for i in ids):
            raise InvalidParameter("area ids must be up to 5,000 codes of letters and digits")
        return {"kind": "areas", "ids": ids}
    geom = raw.get("geometry")
    if isinstance(geom, str) and not geom.strip():
        geom = None
    if isinstance(geom, str):
        try:
            geom = json.loads(geom)
        except ValueError:
            raise InvalidParameter("the drawn polygon is not valid GeoJSON") from None
    if not isinstance(geom, dict) or geom.get("type") != "Polygon" or not isinstance(geom.get("coordinates"), list):
        raise InvalidParameter("draw a polygon on the map (at least three points)")
    try:
        ring = [(round(float(x), 6), round(float(y), 6)) for x, y in geom["coordinates"][0]]
    except (TypeError, ValueError, IndexError):
        raise InvalidParameter("the polygon's points must be [longitude, latitude] pairs") from None
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4 or len(ring) > 1001:
        raise InvalidParameter("a polygon needs 3 to 1,000 points")
    if not all(-180 <= x <= 180 and -90 <= y <= 90 and math.isfinite(x + y) for x, y in ring):
        raise InvalidParameter("polygon points must be longitude -180..180 and latitude -90..90")
    poly = shape({"type": "Polygon", "coordinates": [ring]})
    if not poly.is_valid or poly.area == 0:
        raise InvalidParameter("the polygon crosses itself or has no area: draw it again")
    return {"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}}


def geography_key(geo: dict) -> str:
    """Canonical text of a geography definition: two runs of the same place have the same key."""
    return json.dumps(geo, sort_keys=True, separators=(",", ":"))


def resolve_geography(db: Database, geo: dict, level: str) -> tuple[str, list[dict]]:
    """(label, area rows) of a geography; InvalidParameter when it holds no area."""
    all_rows = store.list_areas(db, level)
    if geo["kind"] == "district":
        return "the whole district", all_rows
    if geo["kind"] == "municipality":
        rows = [r for r in all_rows if r["parent_id"] == geo["id"]]
        if not rows:
            raise InvalidParameter(f"no areas belong to municipality {geo['id']!r}")
        names = {m["id"]: m["name"] for m in municipality_options(db, level)}
        return names.get(geo["id"], geo["id"]), rows
    if geo["kind"] == "areas":
        wanted = set(geo["ids"])
        rows = [r for r in all_rows if r["id"] in wanted]
        unknown = sorted(wanted - {r["id"] for r in rows})
        if unknown:
            raise InvalidParameter(f"unknown area(s): {', '.join(unknown[:10])}")
        return f"{len(rows)} chosen area{'s' if len(rows) != 1 else ''}", rows
    ids = set(areas_in_polygon(shape(geo["geometry"]), {r["id"]: (r["rep_lon"], r["rep_lat"]) for r in all_rows}))
    rows = [r for r in all_rows if r["id"] in ids]
    if not rows:
        raise InvalidParameter("no area's centre lies inside the drawn polygon: draw a larger one")
    return f"drawn area ({len(rows)} area{'s' if len(rows) != 1 else ''})", rows
