"""Start a place from the official files a coalition downloads: `new-place` and the admin page.

Each file is optional and recognised by its own column names (formats.place_files), then checked
against the role it was given and the place's country:

    role         Canada (CA)                                  England (GB)
    boundaries   StatCan dissemination areas (DAUID ...)      ONS LSOA 2011/2021 (LSOA21CD ...)
    population   StatCan Census Profile (long CSV)            ONS mid-year estimates by LSOA
    deprivation  CIMD (scores and quintiles)                  IoD 2019/2025 File 7
    postcodes    -                                            ONSPD/NSPL, Code-Point Open

The areas (with population, age groups, statistics and every index: scores, ranks, bands, Core20)
are stored with their district outlines, the postcodes and place names the place's geocoder
answers from, and the place's settings (centre, bounds, zoom, time zone and holidays by province
or nation, attribution of the files used). What each file gave is reported in one line a person
can check ("139 areas, population 241,025, deprivation for 139 (11 in Core20) ...").
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from assetmap import store
from assetmap.errors import Conflict, InvalidParameter
from assetmap.formats import area_import, place_files, postcodes
from assetmap.formats.access_points import read_access_points
from assetmap.formats.place_records import PlaceData, PlaceFileError
from assetmap.geocoding import OfflineGeocoder
from assetmap.place import Place, load_place, save_place
from assetmap.services import place_rows
from assetmap.vocab.categories import ensure_default_categories

ROLES = ("boundaries", "population", "deprivation", "postcodes")
COUNTRIES = ("CA", "GB")
KINDS = {
    ("boundaries", "CA"): ("statcan_da_boundaries",),
    ("boundaries", "GB"): ("ons_lsoa_boundaries",),
    ("population", "CA"): ("statcan_census_profile",),
    ("population", "GB"): ("ons_population",),
    ("deprivation", "CA"): ("cimd",),
    ("deprivation", "GB"): ("iod_file7",),
    ("postcodes", "GB"): ("onspd", "codepoint_open", "postcodes_data_lab"),
}
OGL_CA = "Open Government Licence – Canada"
OGL_UK = "Open Government Licence v3.0"
ATTRIBUTION = {
    "statcan_da_boundaries": f"Statistics Canada, 2021 Census boundary files ({OGL_CA}).",
    "statcan_census_profile": f"Statistics Canada, 2021 Census of Population ({OGL_CA}).",
    "cimd": f"Statistics Canada, Canadian Index of Multiple Deprivation ({OGL_CA}).",
    "ons_lsoa_boundaries": f"Source: Office for National Statistics licensed under the {OGL_UK}. "
    "Contains OS data © Crown copyright and database right.",
    "iod_file7": f"English Indices of Deprivation, Ministry of Housing, Communities and Local Government ({OGL_UK}).",
    "ons_population": f"ONS mid-year population estimates ({OGL_UK}).",
    "onspd": "Postcodes: ONS Postcode Directory. Contains OS data © Crown copyright and database right; "
    "contains Royal Mail data © Royal Mail copyright and database right; source: Office for National "
    f"Statistics licensed under the {OGL_UK}.",
    "codepoint_open": "Postcodes: OS Code-Point Open. Contains OS data © Crown copyright and database right; "
    "contains Royal Mail data © Royal Mail copyright and database right.",
    "postcodes_data_lab": "Postcodes: ONS Postcode Directory, via Trafford Data Lab. Contains OS data © Crown "
    "copyright and database right; contains Royal Mail data © Royal Mail copyright and database right.",
}
GEONAMES = "Postal code locations © GeoNames (geonames.org), CC BY 4.0."
POSTCODE_SOURCES = {
    "onspd": "postcode centroid (ONS Postcode Directory)",
    "codepoint_open": "postcode centroid (OS Code-Point Open)",
    "postcodes_data_lab": "postcode centroid (ONS Postcode Directory, via Trafford Data Lab)",
}
Progress = Callable[[int, int, str], None]


class Steps:
    """Numbered progress: each step says what it starts ("[2/7] reading population.csv")."""

    def __init__(self, total: int, progress: Progress | None):
        self.total, self.done, self.progress = total, 0, progress

    def __call__(self, message: str) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, message)
        self.done += 1


@dataclass
class FileReport:
    """What one file was taken for and what it gave."""

    role: str
    kind: str
    label: str
    file: str
    summary: str
    errors: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PlaceReport:
    """What a place was built from and what it holds now."""

    place: Place
    files: list[FileReport]
    summary: str
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The report as lines a person reads."""
        out = [f"{self.place.name} ({self.place.country}): {self.summary}."]
        for f in self.files:
            out.append(f"  {f.role}: {f.file} — {f.label}: {f.summary}")
            out += [f"    note: {n}" for n in f.notes]
            out += [f"    row {n}: {reason}" for n, reason in f.errors[:20]]
            if len(f.errors) > 20:
                out.append(f"    … and {len(f.errors) - 20} more rejected rows")
        return out


def recognise_files(files: dict[str, str | Path | None], country: str) -> dict[str, place_files.Recognised]:
    """Each given file's kind, checked against its role and the country; InvalidParameter when wrong."""
    if country not in COUNTRIES:
        raise InvalidParameter(f"country must be one of {', '.join(COUNTRIES)}, not {country!r}")
    out = {}
    for role, path in files.items():
        if role not in ROLES:
            raise InvalidParameter(f"unknown file role {role!r}; roles: {', '.join(ROLES)}")
        if not path:
            continue
        found = place_files.recognise(path)
        allowed = KINDS.get((role, country), ())
        if found.kind not in allowed:
            want = ", ".join(place_files.KINDS[k] for k in allowed) or f"nothing (no {role} file for {country})"
            raise InvalidParameter(f"{Path(path).name} is {found.label}, not a {role} file for {country}: give {want}")
        out[role] = found
    return out


def _read(path: Path, **options) -> PlaceData:
    """Read a recognised file, passing only the options its reader takes."""
    reader = place_files.READERS[place_files.recognise(path).kind]
    accepted = set(inspect.signature(reader).parameters)
    return place_files.read_place_file(path, **{k: v for k, v in options.items() if k in accepted and v is not None})


def _extent(areas) -> tuple[float, float, float, float] | None:
    lons, lats = [], []
    for a in areas:
        coords = a.geometry["coordinates"]
        rings = coords if a.geometry["type"] == "Polygon" else [r for poly in coords for r in poly]
        for ring in rings:
            lons += [p[0] for p in ring]
            lats += [p[1] for p in ring]
    return (min(lons), min(lats), max(lons), max(lats)) if lons else None


def read_files(
    files: dict[str, str | Path | None],
    country: str,
    *,
    id_prefix: str = "",
    name_prefix: str = "",
    existing_ids: set[str] | None = None,
    say: Steps | None = None,
) -> dict[str, PlaceData]:
    """Read the given files, each cut to the boundary file's areas (or the prefixes, or the areas
    already stored); raises PlaceFileError or InvalidParameter."""
    recognised = recognise_files(files, country)
    say = say or Steps(len(recognised), None)
    out: dict[str, PlaceData] = {}
    ids = existing_ids or None
    if "boundaries" in recognised:
        say(f"reading {Path(files['boundaries']).name}")
        out["boundaries"] = data = _read(
            Path(files["boundaries"]), id_prefix=id_prefix, name_prefix=name_prefix, simplify_m=5.0
        )
        if not data.areas:
            raise PlaceFileError(f"{Path(files['boundaries']).name}: no areas selected (check the prefix)")
        ids = {a.id for a in data.areas}
    prefixes = {"id_prefix": id_prefix, "name_prefix": name_prefix} if ids is None else {}
    for role in ("population", "deprivation"):
        if role in recognised:
            say(f"reading {Path(files[role]).name}")
            out[role] = _read(Path(files[role]), ids=ids, **prefixes)
    if "postcodes" in recognised:
        say(f"reading {Path(files['postcodes']).name}")
        path = Path(files["postcodes"])
        bbox = _extent(out["boundaries"].areas) if "boundaries" in out else None
        if bbox:
            bbox = (bbox[0] - 0.01, bbox[1] - 0.01, bbox[2] + 0.01, bbox[3] + 0.01)
        try:
            out["postcodes"] = _read(path, ids=ids) if ids else _read(path)
        except PlaceFileError:  # no LSOA column (Code-Point Open): cut by the areas' extent instead
            out["postcodes"] = _read(path, bbox=bbox)
    return out


def _attribution(parts: dict[str, PlaceData], country: str, extra: list[str] | None) -> list[str]:
    lines = [ATTRIBUTION[p.kind] for p in parts.values() if p.kind in ATTRIBUTION]
    if country == "CA":
        lines.append(GEONAMES)
    return list(dict.fromkeys(lines + list(extra or [])))


def _examples(db: Database, country: str, center: tuple[float, float]) -> tuple[str, str, str] | None:
    lat, lon = center
    point = f"{lat:.2f},{lon:.2f}"
    if country == "GB":
        code = store.postcode_near(db, lon, lat)
        found = store.list_place_names(db)
        names = [r for r in found if r["kind"] in ("ward", "neighbourhood")] or [r for r in found if r["kind"] == "LAD"]
        town = min(names, key=lambda r: (r["longitude"] - lon) ** 2 * 0.4 + (r["latitude"] - lat) ** 2, default=None)
        return (code or "", town["name"] if town else "", point) if code else None
    found = OfflineGeocoder().nearest(lat, lon)
    return (found[0], found[1], point) if found else None


def build_place(
    db: Database,
    name: str,
    country: str,
    files: dict[str, str | Path | None],
    *,
    id_prefix: str = "",
    name_prefix: str = "",
    replace: bool = False,
    attribution: list[str] | None = None,
    progress: Progress | None = None,
) -> PlaceReport:
    """Build (or rebuild, with replace) the place from its official files; see the module docstring."""
    country = (country or "").upper()
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidParameter("give the place a name (up to 120 characters)")
    given = {role: path for role, path in files.items() if path}
    recognise_files(given, country)
    present = store.level_counts(db)
    if "boundaries" in given and present and not replace:
        described = ", ".join(f"{n:,} {level}" for level, n in sorted(present.items()))
        raise Conflict(f"this database already holds areas ({described}): use a new database, or replace them")
    existing = None if "boundaries" in given else set(store.area_ids(db))
    say = Steps(len(given) + 3, progress)
    parts = read_files(given, country, id_prefix=id_prefix, name_prefix=name_prefix, existing_ids=existing, say=say)
    say("storing areas and indices")
    counts = _store_areas(db, parts, replace)
    say("storing postcodes and place names")
    counts |= _store_postcodes(db, parts, given.get("postcodes"), existing if existing else None)
    if not store.category_slugs(db):
        counts["categories"] = ensure_default_categories(db)
    say("saving the place's settings")
    ids = [a.id for a in parts["boundaries"].areas] if "boundaries" in parts else sorted(store.area_ids(db))
    extent = store.sample_extent(db)
    settings = {
        "name": name,
        "country": country,
        "zoom": place_rows.zoom_for(extent),
        "attribution": _attribution(parts, country, attribution),
        **place_rows.settings_for(country, ids),
    }
    before = load_place(db)
    if "boundaries" not in parts and before.country == country:  # adding files to the same areas
        settings["attribution"] = list(dict.fromkeys(before.attribution + settings["attribution"]))
        settings |= {"population_source": before.population_source, "postcode_source": before.postcode_source}
    people = next((p for p in parts.values() if p.population), None)
    if people is not None:
        settings["population_source"] = f"{place_files.KINDS[people.kind].split(' (')[0]}: {people.source}"
    if "postcodes" in parts:
        settings["postcode_source"] = POSTCODE_SOURCES.get(parts["postcodes"].kind, "")
    place = Place(**settings).with_bounds(extent)
    examples = _examples(db, country, place.center)
    if examples:
        place = Place.from_dict({**place.to_dict(), "search_examples": examples})
    save_place(db, place)
    reports = [
        FileReport(role, p.kind, place_files.KINDS[p.kind], p.source, p.summary(), p.errors, p.notes)
        for role, p in parts.items()
    ]
    summary = place_files.summarise_place(list(parts.values())) if parts else "no files given"
    if progress is not None:
        progress(say.total, say.total, "done")
    return PlaceReport(place, reports, summary, counts)


def _store_areas(db: Database, parts: dict[str, PlaceData], replace: bool) -> dict[str, int]:
    """Areas with their population, indices, age groups and statistics; district outlines."""
    population = next((p.population for p in parts.values() if p.population), {})  # the first file giving it
    parents: dict[str, tuple[str, str]] = {}
    for p in parts.values():
        parents |= p.parents
    decls, values = [], {}
    for p in parts.values():
        source = f"{place_files.KINDS[p.kind].split(' (')[0]}: {p.source}"
        for found_decls, found_values in (
            place_rows.index_columns(p.indices, source),
            place_rows.age_columns(p.age_bands, source),
            place_rows.stat_columns(p.stats, source),
        ):
            decls += found_decls
            for area_id, vals in found_values.items():
                values.setdefault(area_id, {}).update(vals)
    counts = {"indexed": sum(1 for v in values.values() if any(k.endswith(("_decile", "_quintile")) for k in v))}
    counts["core20"] = sum(1 for v in values.values() if v.get(place_rows.CORE20) == 1)
    with store.transaction(db):
        if replace and "boundaries" in parts:
            counts["replaced"] = store.clear_areas(db)
        store.declare_indicators(db, decls)
        keep = set(store.AREA_COLUMNS_SET) | {d["key"] for d in decls}
        if "boundaries" in parts:
            b = parts["boundaries"]
            features = place_rows.area_features(b.areas, population, parents)
            rows, _, errors = area_import.area_records(features, b.level, source=b.source)
            if errors:
                raise PlaceFileError(f"{b.source}: {errors[0][1]} (feature {errors[0][0]})")
            for row in rows:
                row.update(values.get(row["id"], {}))
            outlines, _, _ = area_import.area_records(
                place_rows.parent_features(rows, parents), place_rows.PARENT_LEVEL, source="union of its areas"
            )
            store.upsert_areas(db, [{k: v for k, v in r.items() if k in keep} for r in rows + outlines])
            counts |= {"areas": len(rows), "districts": len(outlines)}
        else:
            known = store.area_ids(db)
            updates = {a: dict(v) for a, v in values.items() if a in known}
            for area_id, people in population.items():
                if area_id in known:
                    updates.setdefault(area_id, {})["population"] = people
            counts["areas_updated"] = store.update_area_values(db, updates)
    counts["population"] = sum(population.values())
    return counts


def _store_postcodes(
    db: Database, parts: dict[str, PlaceData], path: str | Path | None, ids: set[str] | None
) -> dict[str, int]:
    """The place's postcodes and the place names its geocoder answers."""
    counts = {}
    named = []
    if "postcodes" in parts:
        p = parts["postcodes"]
        counts["postcodes"] = store.replace_postcodes(
            db,
            (
                {"postcode": c.postcode, "outward": c.outward, "longitude": c.longitude, "latitude": c.latitude}
                | {"area_id": c.area_id}
                for c in p.postcodes
            ),
        )
        if "boundaries" in parts:
            ids = {a.id for a in parts["boundaries"].areas}
        named = postcodes.read_place_names(path, ids=ids)
    if "boundaries" in parts or named:
        source = parts["postcodes"].source if "postcodes" in parts else ""
        counts["place_names"] = store.replace_place_names(
            db, place_rows.place_name_rows(store.list_areas(db), named, source)
        )
    return counts


def import_access_points(db: Database, path: str | Path) -> tuple[int, list[tuple[int, str]]]:
    """Store the access points of a CSV (formats.access_points) for the assets they name; returns
    (points stored, problems: (row or 0, reason))."""
    by_external, problems = read_access_points(path)
    found = {}
    for external_id, points in sorted(by_external.items()):
        asset_id = store.id_for_external_id(db, external_id)
        if asset_id is None:
            problems.append((0, f"no asset with external_id {external_id!r} ({len(points)} points left out)"))
            continue
        found[asset_id] = points
    return store.set_access_points(db, found), problems
