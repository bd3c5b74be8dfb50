"""OpenStreetMap amenities as assets: from an .osm.pbf (or .osm/.osm.bz2) extract through PyPI
`osmium`, or from Overpass API JSON or GeoJSON.

Which features become which category is an editable file (assets_data/osm_tag_map.csv): each row
lists tags that must all match (`amenity=social_facility;social_facility=food_bank`, `club=*` for
any value), and the first matching row wins. Each asset keeps its OSM id (`osm:node/123`,
`osm:way/45`, `osm:relation/6`) in external_id, so a newer extract updates the same assets; its
`opening_hours` tag in the opening_hours column; all its tags in extra["osm"]; and the ODbL
attribution in `source`, with the feature's page as `source_url`.

Points: a node is exact. A way or multipolygon is placed at its centroid computed in projected
metres (or a point inside it when the centroid falls outside), with precision `landmark` ("near the
site") and the outline's area stated in precision_source: the centroid of a big park is not its
entrance. Features tagged access=private or access=no are skipped and counted.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import LineString, Point, Polygon, shape
from sqlite_utils import Database

from assetmap import (
    DATA_DIR,  # noqa: E402
    store,
    validation,
)
from assetmap.formats.tables import ImportFileError
from assetmap.geocoding import normalise_postal_code
from assetmap.vocab import abcd
from needs_assessment.geo import LocalProjection

TAG_MAP_FILE = DATA_DIR / "osm_tag_map.csv"
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
PRIVATE = {"private", "no"}


def read_tag_map(path: str | Path = TAG_MAP_FILE) -> list[dict]:
    """Rows of the tag -> category mapping, each with its tags as a list of (key, value or '*')."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not {"tags", "category"} <= set(reader.fieldnames or []):
            raise ImportFileError(f"{path.name}: needs the columns tags and category")
        rows = []
        for number, row in enumerate(reader, start=2):
            pairs = []
            for part in (row.get("tags") or "").split(";"):
                key, sep, value = part.strip().partition("=")
                if not sep or not key:
                    raise ImportFileError(f"{path.name} row {number}: tags must be key=value pairs separated by ';'")
                pairs.append((key, value))
            rows.append({**{k: (v or "").strip() for k, v in row.items() if k}, "pairs": pairs, "row": number})
    return rows


def match_tags(tags: dict, tag_map: list[dict]) -> dict | None:
    """The first mapping row whose tags all match."""
    for row in tag_map:
        if all(k in tags and (v == "*" or tags[k] == v) for k, v in row["pairs"]):
            return row
    return None


def element_point(kind: str, geometry) -> tuple[float, float, str, str]:
    """(lon, lat, precision, precision source) for an OSM element's geometry (lon/lat shapely)."""
    if geometry.geom_type == "Point":
        return geometry.x, geometry.y, "exact", f"OpenStreetMap {kind} position"
    proj = LocalProjection(geometry.centroid.x, geometry.centroid.y)
    metric = proj.geometry(geometry)
    point = metric.centroid
    how = "centroid"
    if metric.geom_type in ("Polygon", "MultiPolygon"):
        if not metric.contains(point):
            point, how = metric.representative_point(), "a point inside"
        size = f"of a {metric.area / 1e6:.3g} km² outline"
    else:
        point, how = metric.interpolate(0.5, normalized=True), "middle"
        size = f"of a {metric.length / 1000:.3g} km line"
    lons, lats = proj.inverse([point.x], [point.y])
    return float(lons[0]), float(lats[0]), "landmark", f"OpenStreetMap {kind}: {how} {size} (projected)"


@dataclass
class OsmElement:
    kind: str  # node, way, relation
    osm_id: int
    tags: dict
    geometry: object | None  # shapely, lon/lat
    version: int | None = None
    center_only: bool = False  # Overpass gave only a centre point


# --- readers -----------------------------------------------------------------------------------


def read_pbf(path: Path, keys: set[str]) -> list[OsmElement]:
    """Tagged nodes, ways and multipolygon relations with one of keys, from an OSM file (osmium)."""
    import osmium

    out = []
    fp = osmium.FileProcessor(str(path)).with_locations().with_areas().with_filter(osmium.filter.KeyFilter(*keys))
    try:
        for obj in fp:
            tags = dict(obj.tags)
            if obj.is_node():
                if obj.location.valid():
                    out.append(OsmElement("node", obj.id, tags, Point(obj.location.lon, obj.location.lat), obj.version))
            elif obj.is_way():
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                if len(coords) < 2:
                    out.append(OsmElement("way", obj.id, tags, None, obj.version))
                elif obj.is_closed() and len(coords) >= 4:
                    out.append(OsmElement("way", obj.id, tags, Polygon(coords), obj.version))
                else:
                    out.append(OsmElement("way", obj.id, tags, LineString(coords), obj.version))
            elif obj.is_area() and not obj.from_way():
                polygons = [
                    Polygon(
                        [(n.lon, n.lat) for n in outer],
                        [[(n.lon, n.lat) for n in inner] for inner in obj.inner_rings(outer)],
                    )
                    for outer in obj.outer_rings()
                ]
                geometry = shapely.MultiPolygon(polygons) if len(polygons) > 1 else (polygons[0] if polygons else None)
                out.append(OsmElement("relation", obj.orig_id(), tags, geometry, obj.version))
    except RuntimeError as exc:
        raise ImportFileError(f"{path.name}: cannot read it as an OSM file ({exc})") from None
    return out


def read_overpass_json(doc: dict) -> list[OsmElement]:
    """Elements of an Overpass API JSON answer (use `out center;` or `out geom;` for ways)."""
    out = []
    for el in doc.get("elements", []):
        if not isinstance(el, dict) or el.get("type") not in ("node", "way", "relation") or not el.get("tags"):
            continue
        geometry = None
        if el["type"] == "node" and "lat" in el:
            geometry = Point(el["lon"], el["lat"])
        elif isinstance(el.get("geometry"), list) and len(el["geometry"]) >= 2 and el["type"] == "way":
            coords = [(p["lon"], p["lat"]) for p in el["geometry"]]
            closed = len(coords) >= 4 and coords[0] == coords[-1]
            geometry = Polygon(coords) if closed else LineString(coords)
        center_only = False
        if geometry is None and isinstance(el.get("center"), dict):
            geometry, center_only = Point(el["center"]["lon"], el["center"]["lat"]), True
        out.append(OsmElement(el["type"], int(el["id"]), dict(el["tags"]), geometry, el.get("version"), center_only))
    return out


_OSM_ID = re.compile(r"^(node|way|relation)/(\d+)$")


def read_geojson(doc: dict) -> list[OsmElement]:
    """Features of an OSM GeoJSON export (e.g. overpass turbo): id 'node/123' in `id` or `@id`."""
    out = []
    for feat in doc.get("features", []):
        if not isinstance(feat, dict):
            continue
        props = dict(feat.get("properties") or {})
        tags = props.pop("tags", None) or {k: v for k, v in props.items() if not k.startswith("@") and k != "id"}
        ident = str(feat.get("id") or props.get("@id") or props.get("id") or "")
        m = _OSM_ID.match(ident)
        if not m:
            out.append(OsmElement("unknown", 0, {"__id__": ident}, None))
            continue
        geometry = shape(feat["geometry"]) if isinstance(feat.get("geometry"), dict) else None
        out.append(OsmElement(m.group(1), int(m.group(2)), {k: str(v) for k, v in tags.items()}, geometry))
    return out


def read_elements(path: str | Path, keys: set[str]) -> list[OsmElement]:
    """OSM elements from a .osm.pbf/.osm/.osm.bz2 extract, Overpass JSON or GeoJSON."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".o5m")):
        return read_pbf(path, keys)
    if name.endswith((".json", ".geojson")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(doc, dict) and isinstance(doc.get("elements"), list):
            return read_overpass_json(doc)
        if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
            return read_geojson(doc)
        raise ImportFileError(f"{path.name}: expected Overpass JSON (with 'elements') or a GeoJSON FeatureCollection")
    raise ImportFileError(f"{path.name}: give an .osm.pbf (or .osm) extract, Overpass .json or .geojson")


# --- import ------------------------------------------------------------------------------------


@dataclass
class OsmImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.inserted} added, {self.updated} updated, {self.unchanged} unchanged, {len(self.errors)} rejected, "
            f"{sum(self.skipped.values())} skipped, {self.unmatched} tagged features matched no mapping"
        )


def _address(tags: dict) -> str:
    number, street = tags.get("addr:housenumber", ""), tags.get("addr:street", "")
    return f"{number} {street}".strip() if street else tags.get("addr:full", "")


def element_record(el: OsmElement, row: dict, source_label: str) -> tuple[dict, list[str]]:
    """An asset record (for validation.clean_asset) from a matched OSM element; raises ValueError."""
    tags = el.tags
    ident = f"{el.kind}/{el.osm_id}"
    if el.geometry is None or el.geometry.is_empty:
        raise ValueError("no coordinates (for Overpass, ask for 'out center;' or 'out geom;')")
    lon, lat, precision, precision_source = element_point(el.kind, el.geometry)
    if el.center_only:
        precision, precision_source = "landmark", f"OpenStreetMap {el.kind}: centre given by Overpass"
    warnings = []
    name = tags.get("name") or tags.get("official_name")
    if not name:
        label = row.get("subcategory") or row["category"]
        name = (
            f"{label[:1].upper()}{label[1:]} ({tags['ref']})"
            if tags.get("ref")
            else f"{label[:1].upper()}{label[1:]} (unnamed, OSM {ident})"
        )
    record = {
        "external_id": f"osm:{ident}",
        "name": name,
        "category": row["category"],
        "subcategory": row.get("subcategory", ""),
        "description": tags.get("description", ""),
        "address": _address(tags),
        "community": tags.get("addr:city", ""),
        "phone": tags.get("phone") or tags.get("contact:phone", ""),
        "email": tags.get("email") or tags.get("contact:email", ""),
        "website": tags.get("website") or tags.get("contact:website", ""),
        "opening_hours": tags.get("opening_hours", ""),
        "accessibility": f"wheelchair={tags['wheelchair']}" if tags.get("wheelchair") else "",
        "latitude": round(lat, 7),
        "longitude": round(lon, 7),
        "location_precision": precision,
        "precision_source": precision_source,
        "source": f"{ATTRIBUTION}; {source_label}",
        "source_url": f"https://www.openstreetmap.org/{ident}",
    }
    postcode = tags.get("addr:postcode", "")
    if postcode and not (normalise_postal_code(postcode) or validation.UK_POSTCODE_RE.match(postcode)):
        warnings.append(f"addr:postcode {postcode!r} is not a Canadian or UK postcode; kept in the tags only")
    elif postcode:
        record["postal_code"] = postcode
    for key, check in (("email", validation.EMAIL_RE), ("website", None)):
        value = record[key]
        if not value:
            continue
        ok = check.match(value) if check else validation.URL_RE.match(value if "://" in value else "https://" + value)
        if not ok:
            warnings.append(f"{key} {value!r} is not valid; kept in the tags only")
            record[key] = ""
    if record["phone"] and len(re.sub(r"\D", "", record["phone"])) < 7:
        warnings.append(f"phone {record['phone']!r} has fewer than 7 digits; kept in the tags only")
        record["phone"] = ""
    return record, warnings


def import_osm(
    db: Database,
    path: str | Path,
    *,
    tag_map_path: str | Path | None = None,
) -> OsmImportReport:
    """Import mapped amenities of an OSM extract, Overpass JSON or GeoJSON; one transaction."""
    path = Path(path)
    tag_map = read_tag_map(tag_map_path or TAG_MAP_FILE)
    categories = store.list_categories(db)
    slugs = {c["slug"] for c in categories}
    for row in tag_map:
        if row["category"] not in slugs:
            raise ImportFileError(f"tag map row {row['row']}: unknown category {row['category']!r}")
    keys = {k for row in tag_map for k, _ in row["pairs"]}
    elements = read_elements(path, keys)
    types = abcd.load_types()
    report = OsmImportReport()
    label = f"OSM extract {path.name}"
    with store.transaction(db):
        for el in elements:
            ident = f"{el.kind}/{el.osm_id}"
            if el.kind == "unknown":
                report.errors.append(
                    (el.tags.get("__id__") or "feature", "no OSM id (expected node/123, way/45 or relation/6)")
                )
                continue
            row = match_tags(el.tags, tag_map)
            if row is None:
                report.unmatched += 1
                continue
            if el.tags.get("access") in PRIVATE:
                report.skipped[f"access={el.tags['access']}"] += 1
                continue
            try:
                record, warnings = element_record(el, row, label)
                clean, more = validation.clean_asset(record, categories, complete=True)
            except ValueError as exc:
                report.errors.append((ident, str(exc)))
                continue
            abcd_code = abcd.resolve_type(row["abcd_type"], types) if row.get("abcd_type") else None
            clean["abcd_type"] = abcd.stored_type(abcd_code, clean["category"], types)
            clean["extra"] = {"osm": {"tags": el.tags, **({"version": el.version} if el.version else {})}}
            outcome, _ = store.save_asset(db, clean)
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.warnings += [(ident, w) for w in warnings + more]
    return report
