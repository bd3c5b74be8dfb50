"""Read asset and area files (CSV, GeoJSON), validate them row by row and store the good rows.

A bad row never stops an import: it is reported with its row number and reason and the good rows
are kept. Row numbers are as a spreadsheet shows them (the header is row 1, the first data row is
row 2); GeoJSON features are numbered from 1. Each import runs in one transaction, so a crash
leaves either all of its rows or none.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import Geod
from sqlite_utils import Database

from assetmap import store
from assetmap.formats.csvsafe import restore
from assetmap.geocoding import normalise_postal_code
from assetmap.vocab import abcd, supports
from needs_assessment.precision import is_known as is_known_precision

# Accepted spellings of our columns in incoming files (lowercased, spaces/dashes as underscores).
ASSET_ALIASES = {
    "lat": "latitude",
    "y": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "x": "longitude",
    "hours": "hours_text",
    "url": "website",
    "web": "website",
    "telephone": "phone",
    "tel": "phone",
    "postcode": "postal_code",
    "postal": "postal_code",
    "zip": "postal_code",
    "city": "community",
    "town": "community",
    "precision": "location_precision",
    "id": "external_id",
    "source_id": "external_id",
}

# Source vocabularies seen in real files -> our category slugs.
CATEGORY_ALIASES = {
    "park": "parks",
    "parks_and_green_space": "parks",
    "green_space": "parks",
    "food_bank": "food",
    "meal_program": "food",
    "volunteer_group": "community_groups",
    "community_group": "community_groups",
    "health_service": "health",
    "hospital": "health",
    "clinic": "health",
    "social_service": "social_services",
    "library": "culture",
    "museum": "culture",
    "education": "early_years",
    "child_care": "early_years",
}

TRUE_WORDS = {"1", "true", "yes", "y", "t", "oui"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "non", ""}
UK_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, broken JSON, no header...)."""


@dataclass
class ImportReport:
    """What an import did: counts, and every rejected row with its reason."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary(self) -> str:
        return f"{self.inserted} added, {self.updated} updated, {self.unchanged} unchanged, {len(self.errors)} rejected"


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


SUPPORTED_SUFFIXES = (".csv", ".txt", ".geojson", ".json", ".xlsx")


@dataclass
class Table:
    """A file's rows keyed by its own column names; `unit` is 'row' or 'feature'."""

    headers: list[str]
    records: list[tuple[int, dict]]
    unit: str


def read_table(path: str | Path) -> Table:
    """Read a CSV, XLSX or GeoJSON file. GeoJSON Point geometries become latitude/longitude columns."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_table(path)
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportFileError(f"{path.name}: unsupported file type {suffix or '(none)'}; use .csv, .xlsx or .geojson")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text; save it as UTF-8 CSV or GeoJSON") from None
    if suffix in (".geojson", ".json"):
        return _geojson_table(text, path.name)
    return _csv_table(text, path.name)


def read_records(path: str | Path) -> tuple[list[tuple[int, dict]], str]:
    """Read a file into (row number, record) pairs with our normalised column names."""
    table = read_table(path)
    return [
        (n, {(k if k.startswith("__") else _key(k)): v for k, v in rec.items()}) for n, rec in table.records
    ], table.unit


def _csv_table(text: str, name: str) -> Table:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportFileError(f"{name}: the file is empty or has no header row")
    out = []
    for index, row in enumerate(reader, start=2):
        rec = {}
        for k, v in row.items():
            if k is None:  # more cells than header columns
                rec["__extra_cells__"] = v
                continue
            rec[k] = restore((v or "").strip())
        out.append((index, rec))
    return Table([h for h in reader.fieldnames if h is not None], out, "row")


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return (
            value.isoformat()[:10]
            if getattr(value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0
            else value.isoformat()
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_table(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise ImportFileError(f"{path.name}: not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(h not in (None, "") for h in header):
            raise ImportFileError(f"{path.name}: the first sheet is empty or has no header row")
        headers = [_cell(h) or f"column {i + 1}" for i, h in enumerate(header)]
        out = []
        for index, row in enumerate(rows, start=2):
            if row is None or all(v in (None, "") for v in row):
                continue
            out.append((index, {h: _cell(v) for h, v in zip(headers, row, strict=False)}))
        return Table(headers, out, "row")
    finally:
        wb.close()


def _geojson_table(text: str, name: str) -> Table:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ImportFileError(f"{name}: expected a GeoJSON FeatureCollection")
    out, headers = [], {}
    for index, feat in enumerate(doc["features"], start=1):
        if not isinstance(feat, dict):
            out.append((index, {"__error__": "not a GeoJSON feature"}))
            continue
        props = feat.get("properties") or {}
        rec = {str(k): ("" if v is None else v) for k, v in props.items()} if isinstance(props, dict) else {}
        geom = feat.get("geometry")
        if isinstance(geom, dict):
            if geom.get("type") != "Point":
                rec["__error__"] = f"geometry must be a Point, not {geom.get('type')}"
            else:
                coords = geom.get("coordinates")
                if isinstance(coords, list) and len(coords) >= 2:
                    rec["longitude"], rec["latitude"] = coords[0], coords[1]  # GeoJSON is (lon, lat)
                else:
                    rec["__error__"] = "Point geometry without two coordinates"
        headers.update(dict.fromkeys(k for k in rec if not k.startswith("__")))
        out.append((index, rec))
    return Table(list(headers), out, "feature")


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our field -> the file's column, matched on name or a known alias (case, spaces ignored)."""
    from assetmap.store.schema import ASSET_COLUMNS

    mapping: dict[str, str] = {}
    for header in headers:
        field_name = ASSET_ALIASES.get(_key(header), _key(header))
        if field_name in ASSET_COLUMNS and field_name not in (
            "id",
            "status",
            "version",
            "created_at",
            "updated_at",
            "extra",
        ):
            mapping.setdefault(field_name, header)
    return mapping


def apply_mapping(record: dict, mapping: dict[str, str]) -> dict:
    """A record with our field names; unmapped columns are kept (as extra attributes)."""
    used = set(mapping.values())
    out = {field_name: record.get(column, "") for field_name, column in mapping.items() if column}
    extra = {}
    for k, v in record.items():
        if k.startswith("__"):
            out[k] = v
        elif k not in used and v not in ("", None):
            extra[k] = v
    if extra:
        out["__extra__"] = extra
    return out


def resolve_category(value: str, categories: list[dict]) -> str | None:
    """Map a slug, a label or a known source term to a category slug."""
    k = _key(str(value))
    by_slug = {c["slug"]: c["slug"] for c in categories}
    if k in by_slug:
        return k
    for c in categories:
        if _key(c["label"]) == k or _key(c.get("label_fr") or "") == k:
            return c["slug"]
    alias = CATEGORY_ALIASES.get(k)
    return alias if alias in by_slug else None


def _float(value, label: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{label} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{label} {value!r} is not a finite number")
    return number


def _bool(value, label: str) -> int:
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return 1
    if word in FALSE_WORDS:
        return 0
    raise ValueError(f"{label} {value!r} is not yes/no")


TEXT_FIELDS = (
    "description",
    "subcategory",
    "address",
    "community",
    "municipality",
    "hours_text",
    "opening_hours",
    "languages",
    "accessibility",
    "eligibility",
    "cost",
    "source",
    "source_url",
    "notes",
    "verified_date",
    "verified_by",
)
MAX_TEXT = 5000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class AssetCheck:
    """Result of validate_asset(): clean fields (when valid), errors by field, warnings."""

    clean: dict | None
    errors: dict[str, str]
    warnings: list[str]


def validate_asset(record: dict, categories: list[dict], geocoder=None) -> AssetCheck:
    """Validate one incoming record (a form or a file row), collecting every field's error.

    Coordinates missing but an address or postal code given: geocoded with `geocoder` (offline
    by default) and the precision set from what was found.
    """
    if record.get("__error__"):
        return AssetCheck(None, {"geometry": record["__error__"]}, [])
    rec = {ASSET_ALIASES.get(k, k): v for k, v in record.items() if not k.startswith("__")}
    text = {k: (str(v).strip() if v is not None else "") for k, v in rec.items()}
    errors: dict[str, str] = {}
    warnings: list[str] = []
    name = text.get("name", "")
    if not name:
        errors["name"] = "name is required"
    elif len(name) > 300:
        errors["name"] = "name is longer than 300 characters"
    category = None
    if not text.get("category"):
        errors["category"] = "category is required"
    else:
        category = resolve_category(text["category"], categories)
        if category is None:
            known = ", ".join(c["slug"] for c in categories)
            errors["category"] = f"unknown category {text['category']!r} (known: {known})"
    lat = lon = None
    try:
        lat = _float(rec.get("latitude"), "latitude")
    except ValueError as exc:
        errors["latitude"] = str(exc)
    try:
        lon = _float(rec.get("longitude"), "longitude")
    except ValueError as exc:
        errors["longitude"] = str(exc)
    if "latitude" not in errors and "longitude" not in errors:
        if (lat is None) != (lon is None):
            errors["latitude"] = "give both latitude and longitude, or neither"
        elif lat is not None and not (-90 <= lat <= 90):
            errors["latitude"] = f"latitude {lat} is outside -90..90"
        elif lon is not None and not (-180 <= lon <= 180):
            errors["longitude"] = f"longitude {lon} is outside -180..180"
    postal = text.get("postal_code", "")
    if postal:
        ca = normalise_postal_code(postal)
        if ca and len(postal.replace(" ", "")) == 6:
            postal = ca
        elif UK_POSTCODE_RE.match(postal):
            postal = postal.upper()
        else:
            errors["postal_code"] = f"postal code {postal!r} is not a Canadian (A1A 1A1) or UK postcode"
    website = text.get("website", "")
    if website and not re.match(r"^[a-z][a-z0-9+.-]*://", website, re.I):
        website = "https://" + website
    if website and not URL_RE.match(website):
        errors["website"] = f"website {text['website']!r} is not a web address"
    email = text.get("email", "")
    if email and not EMAIL_RE.match(email):
        errors["email"] = f"email {email!r} is not an email address"
    phone = text.get("phone", "")
    if phone and len(re.sub(r"\D", "", phone)) < 7:
        errors["phone"] = f"phone {phone!r} has fewer than 7 digits"
    precision = text.get("location_precision", "")
    if precision and not is_known_precision(precision):
        errors["location_precision"] = f"unknown location_precision {precision!r}"
    source_url = text.get("source_url", "")
    if source_url and not URL_RE.match(source_url):
        errors["source_url"] = f"source_url {source_url!r} is not a web address (http or https)"
    if text.get("verified_date") and not DATE_RE.match(text["verified_date"]):
        errors["verified_date"] = f"verified_date {text['verified_date']!r} is not a date (YYYY-MM-DD)"
    for key in TEXT_FIELDS:
        if len(text.get(key, "")) > MAX_TEXT and key not in errors:
            errors[key] = f"{key} is longer than {MAX_TEXT} characters"
    confidential = 0
    try:
        confidential = _bool(rec.get("confidential", ""), "confidential")
    except ValueError as exc:
        errors["confidential"] = str(exc)
    capacity = None
    try:
        capacity = _float(rec.get("capacity"), "capacity")
        if capacity is not None and capacity < 0:
            errors["capacity"] = "capacity must not be negative"
    except ValueError as exc:
        errors["capacity"] = str(exc)
    precision_source = text.get("precision_source", "")
    location_errors = {"latitude", "longitude", "postal_code", "location_precision"} & set(errors)
    if not location_errors:
        if lat is None and precision == "none":
            pass  # the record states the location is unknown: keep the asset, unmapped
        elif lat is None:
            address = text.get("address", "")
            if not (address or postal):
                errors["latitude"] = "give latitude/longitude, or an address or postal code to locate it"
            else:
                found = geocoder.geocode(postal or address) if geocoder else None
                if found is None and postal and address and geocoder:
                    found = geocoder.geocode(address)
                if found is not None:
                    lat, lon = round(found.latitude, 6), round(found.longitude, 6)
                    precision = found.raw["precision"]
                    precision_source = f"geocoded: {found.raw['source']}"
                    if precision not in ("exact", "address", "postal_code"):
                        warnings.append(f"located only approximately ({precision}) from {found.address!r}")
                else:
                    precision = "none"
                    warnings.append("could not locate it offline; imported without a point")
        elif not precision:
            precision = "exact"
    finder_fields: dict = {}
    try:
        finder_fields = supports.clean_fields(text)
    except ValueError as exc:
        errors[str(exc).split(" ", 1)[0]] = str(exc)
    abcd_code = abcd_types = None
    if text.get("abcd_type"):
        abcd_types = abcd.load_types()
        abcd_code = abcd.resolve_type(text["abcd_type"], abcd_types)
        if abcd_code is None:
            known_types = ", ".join(t["code"] for t in abcd_types)
            errors["abcd_type"] = f"unknown abcd_type {text['abcd_type']!r} (known: {known_types})"
    if errors:
        return AssetCheck(None, errors, warnings)
    if precision == "none":
        lat = lon = None
    clean = {
        "external_id": text.get("external_id") or None,
        "name": name,
        "category": category,
        "latitude": lat,
        "longitude": lon,
        "location_precision": precision,
        "precision_source": precision_source,
        "postal_code": postal,
        "website": website,
        "email": email,
        "phone": phone,
        "confidential": confidential,
        "capacity": capacity,
    }
    for key in TEXT_FIELDS:
        clean[key] = text.get(key, "")
    clean.update(finder_fields)  # finder attributes; opening_hours derived from hours_text where exact
    if abcd_code is not None:
        clean["abcd_type"] = abcd.stored_type(abcd_code, category, abcd_types)
    known = set(clean) | {"__extra_cells__", "abcd_type"}
    extra = {k: v for k, v in rec.items() if k not in known and v not in ("", None)}
    extra.update(record.get("__extra__") or {})
    if extra:
        clean["extra"] = extra
    return AssetCheck(clean, {}, warnings)


def clean_asset(record: dict, categories: list[dict], geocoder=None) -> tuple[dict, list[str]]:
    """Validate one record; returns (clean fields, warnings) or raises ValueError naming every problem."""
    check = validate_asset(record, categories, geocoder)
    if check.errors:
        raise ValueError("; ".join(check.errors.values()))
    return check.clean, check.warnings


def import_assets(
    db: Database, path: str | Path, geocoder=None, default_source: str | None = None, actor: str = "system"
) -> ImportReport:
    """Import assets from a CSV or GeoJSON file; bad rows are reported, good rows stored."""
    records, unit = read_records(path)
    categories = store.list_categories(db)
    report = ImportReport()
    if not categories:
        raise ImportFileError("no categories defined yet: run init-db and load-demo (or add categories) first")
    with db.atomic():
        for number, record in records:
            try:
                clean, warnings = clean_asset(record, categories, geocoder)
            except ValueError as exc:
                report.errors.append((number, str(exc)))
                continue
            if not clean["source"] and default_source:
                clean["source"] = default_source
            outcome, _ = store.save_asset(db, clean, actor=actor, action="import")
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.warnings += [(number, w) for w in warnings]
    return report


# --- areas ------------------------------------------------------------------------------------

AREA_ID_FIELDS = ("id", "dauid", "dguid", "csduid", "lsoa21cd", "lsoa11cd", "geo_code", "code")
AREA_NAME_FIELDS = ("name", "csd_name_full", "lsoa21nm", "lsoa11nm", "label")
AREA_POPULATION_FIELDS = ("population", "pop", "pop_2021", "population_2021", "total_population")
AREA_KNOWN = {
    "land_area_km2": ("land_area_km2", "land_area_km2_2021", "area_km2", "landarea"),
    "parent_id": ("parent_id", "csduid", "parent"),
    "rep_lon": ("rep_lon",),
    "rep_lat": ("rep_lat",),
    "geometry_note": ("geometry_note",),
}


@dataclass
class AreaImportReport:
    written: int = 0
    indicators: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.written} areas written, {len(self.indicators)} indicators, {len(self.errors)} rejected"


def _pick(props: dict, wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted:
        return wanted if wanted in props else None
    for c in candidates:
        if c in props:
            return c
    return None


def _check_lonlat(geometry: dict) -> None:
    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            lon, lat = coords[0], coords[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(
                    f"coordinate ({lon}, {lat}) is not longitude/latitude; reproject to WGS84 (EPSG:4326) first"
                )
            return
        for c in coords:
            walk(c)

    walk(geometry.get("coordinates") or [])


_GEOD = Geod(ellps="WGS84")


def area_records(
    features: list,
    level: str,
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    population_field: str | None = None,
    source: str = "",
) -> tuple[list[dict], list[str], list[tuple[int, str]]]:
    """Turn GeoJSON polygon features into area rows; other numeric properties become indicators."""
    from shapely.geometry import shape

    rows, indicator_keys, errors = [], [], []
    for index, feat in enumerate(features, start=1):
        try:
            if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
                raise ValueError("feature has no geometry")
            props = {_key(k): v for k, v in (feat.get("properties") or {}).items()}
            geom = feat["geometry"]
            if geom.get("type") not in ("Polygon", "MultiPolygon", "Point"):
                raise ValueError(f"geometry must be a Polygon, MultiPolygon or Point, not {geom.get('type')}")
            _check_lonlat(geom)
            shp = shape(geom)
            if shp.is_empty:
                raise ValueError("geometry is empty")
            id_key = _pick(props, id_field, AREA_ID_FIELDS)
            if id_key is None or props.get(id_key) in (None, ""):
                raise ValueError(f"no id property (looked for {id_field or ', '.join(AREA_ID_FIELDS)})")
            area_id = str(props[id_key])
            name_key = _pick(props, name_field, AREA_NAME_FIELDS)
            name = str(props[name_key]) if name_key and props.get(name_key) else f"{level} {area_id}"
            pop_key = _pick(props, population_field, AREA_POPULATION_FIELDS)
            population = props.get(pop_key) if pop_key else None
            if population not in (None, ""):
                population = _float(population, "population")
                if population < 0:
                    raise ValueError("population must not be negative")
                population = int(round(population))
            else:
                population = None
            rep = shp.representative_point() if shp.geom_type != "Point" else shp
            row = {
                "id": area_id,
                "name": name,
                "level": level,
                "population": population,
                "geometry": json.dumps(geom, separators=(",", ":")),
                "source": source,
                "rep_lon": round(rep.x, 6),
                "rep_lat": round(rep.y, 6),
            }
            if shp.geom_type != "Point":
                # Geodesic area, so densities are right whatever the source's latitude.
                row["land_area_km2"] = round(abs(_GEOD.geometry_area_perimeter(shp)[0]) / 1e6, 4)
            used = {id_key, name_key, pop_key}
            for col, aliases in AREA_KNOWN.items():
                for alias in aliases:
                    if alias in props and props[alias] not in (None, ""):
                        row[col] = props[alias] if col in ("parent_id", "geometry_note") else _float(props[alias], col)
                        if col == "parent_id":
                            row[col] = str(row[col])
                        used.add(alias)
                        break
            for k, v in props.items():
                if k in used or k in store.AREA_COLUMNS_SET:
                    continue
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    continue
                k = re.sub(r"[^a-z0-9_]+", "_", k).strip("_")
                if not k or k in store.AREA_COLUMNS_SET or k[0].isdigit():
                    continue
                row[k] = float(v)
                if k not in indicator_keys:
                    indicator_keys.append(k)
            rows.append(row)
        except ValueError as exc:
            errors.append((index, str(exc)))
    return rows, indicator_keys, errors


def import_areas(
    db: Database,
    path: str | Path,
    level: str = "area",
    *,
    id_field: str | None = None,
    name_field: str | None = None,
    population_field: str | None = None,
    source: str | None = None,
    crs: str | None = None,
) -> AreaImportReport:
    """Import area polygons with an id, a name and a population: GeoJSON, a .shp or a zipped
    shapefile, in any coordinate system (from the file's .prj or GeoJSON crs member, or `crs`),
    reprojected to WGS84 (app.boundaries)."""
    from assetmap.formats.boundaries import read_features

    path = Path(path)
    if not re.fullmatch(r"[A-Za-z0-9_]{1,20}", level):
        raise ImportFileError("level must be 1-20 letters, digits or underscores (for example DA, CSD, LSOA)")
    features = read_features(path, crs)
    rows, keys, errors = area_records(
        features,
        level,
        id_field=id_field,
        name_field=name_field,
        population_field=population_field,
        source=source or path.name,
    )
    report = AreaImportReport(errors=errors, indicators=keys)
    with db.atomic():
        store.declare_indicators(db, [{"key": k} for k in keys if k not in store.indicator_keys(db)])
        report.written = store.upsert_areas(db, rows)
    return report
