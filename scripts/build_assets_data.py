#!/usr/bin/env python3
"""Build the embedded Muskoka dataset in assets_data/ from the shared source files.

Usage: python scripts/build_assets_data.py [SOURCE_DIR]

SOURCE_DIR defaults to ../shared/data/muskoka (relative to the repository). The output files are
committed, so the app never needs the source folder at run time. Nothing is invented here: every
value comes from a source row; the only derived values are category mapping, normalised precision
codes, a https:// scheme added to bare web addresses, and points looked up for a postal code in the
GeoNames table shipped beside the sources.
"""

from __future__ import annotations

import csv
import json
import re
import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets_data"

# Source category -> (our category slug, subcategory when the source has none)
CATEGORY_MAP = {
    "park": ("parks", None),
    "food_bank": ("food", "food bank"),
    "meal_program": ("food", "meal program"),
    "food": ("food", None),
    "transport": ("transport", None),
    "volunteer_group": ("community_groups", None),
    "health_service": ("health", None),
    "hospital": ("health", "hospital"),
    "clinic": ("health", "clinic"),
    "social_service": ("social_services", None),
    "recreation": ("recreation", None),
    "education": ("early_years", None),
}

# Source precision code -> our precision vocabulary (see app/precision.py for the plain words).
PRECISION_MAP = {
    "exact_from_page": "exact",
    "postal_code_point_geonames": "postal_code",
    "landmark_point_adjacent": "landmark",
    "landmark_point_reserve_point": "landmark",
    "landmark_point_same_village": "landmark",
    "town_point_geonames": "community",
    "town_fsa_centroid_geonames": "community",
    "community_post_office_code_geonames_UNRELIABLE": "community",
    "rural_postal_code_point_geonames_UNRELIABLE": "rural_postal_code",
    "municipality_point_wikipedia": "municipality",
    "none": "none",
}

# Sites the source README says must never be pinned (shelters, youth housing). Matched on the
# source notes/address so a renamed row still fails closed: see is_confidential().
CONFIDENTIAL_MARKERS = (
    "deliberately not pinned",
    "confidential location",
    "street address omitted deliberately",
    "residential site for vulnerable youth",
)

# Rows whose point the source itself says is not the site: kept, but never used for distances.
UNRELIABLE_POINTS = {
    "Manna Food Bank": "the point is the PO box's postal code, not the food bank premises (source notes)",
    "Huntsville District Memorial Hospital (Muskoka Algonquin Healthcare)": (
        "the GeoNames point of P1H 1H7 lies about 7 km south-west of the hospital (source notes)"
    ),
}

ASSET_FIELDS = [
    "external_id",
    "name",
    "category",
    "subcategory",
    "description",
    "address",
    "community",
    "municipality",
    "postal_code",
    "phone",
    "email",
    "website",
    "hours_text",
    "languages",
    "accessibility",
    "eligibility",
    "cost",
    "latitude",
    "longitude",
    "location_precision",
    "precision_source",
    "confidential",
    "source",
    "source_url",
    "notes",
]

ODCAF_URL = "https://www.statcan.gc.ca/en/lode/databases/odcaf"


def slugify(text: str) -> str:
    """Return a lowercase ASCII slug of text for stable external ids."""
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-")[:80]


def normalise_website(url: str) -> str:
    """Add https:// to a bare web address; leave anything else as found."""
    url = url.strip()
    if url and not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I) and re.match(r"^[\w.-]+\.[a-z]{2,}", url, re.I):
        return "https://" + url
    return url


def is_confidential(row: dict) -> bool:
    """True when the source marks the row's location as one that must not be pinned."""
    text = " ".join(row.get(k, "") for k in ("notes", "address", "name")).lower()
    return any(marker in text for marker in CONFIDENTIAL_MARKERS)


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def page_assets(src: Path) -> list[dict]:
    """Assets from the two page-derived CSVs, mapped to our fields."""
    out = []
    for filename in ("muskoka_seed_assets_from_pages.csv", "muskoka_assets_more.csv"):
        for row in read_csv(src / filename):
            category, default_sub = CATEGORY_MAP[row["category"]]
            confidential = is_confidential(row)
            precision = PRECISION_MAP[row["location_precision"]]
            notes = row.get("notes", "")
            if row["name"] in UNRELIABLE_POINTS:
                precision = "unreliable"
                notes = f"Point marked unreliable: {UNRELIABLE_POINTS[row['name']]}. {notes}".strip()
            lat, lon = row.get("lat", ""), row.get("lon", "")
            if precision == "none":
                lat = lon = ""
            address = row.get("address", "")
            out.append(
                {
                    "external_id": "muskoka:" + slugify(row["name"]),
                    "name": row["name"],
                    "category": category,
                    "subcategory": row.get("subcategory") or default_sub or "",
                    "description": "",
                    "address": address,
                    "community": row.get("community", ""),
                    "municipality": row.get("municipality", ""),
                    "postal_code": row.get("postal_code", ""),
                    "phone": row.get("phone", ""),
                    "email": "",
                    "website": normalise_website(row.get("website", "")),
                    "hours_text": row.get("hours", ""),
                    "languages": row.get("languages", ""),
                    "accessibility": "",
                    "eligibility": "",
                    "cost": "",
                    "latitude": lat,
                    "longitude": lon,
                    "location_precision": precision,
                    "precision_source": row["location_precision"],
                    "confidential": "1" if confidential else "0",
                    "source": f"Public web page (compiled in {filename})",
                    "source_url": row.get("source_url", ""),
                    "notes": notes,
                }
            )
    return out


def odcaf_assets(src: Path, postal_points: dict[str, tuple[str, str]]) -> list[dict]:
    """Libraries, museums and heritage sites from Statistics Canada's ODCAF."""
    out = []
    for row in read_csv(src / "muskoka_odcaf_cultural_facilities.csv"):
        clean = {k: ("" if v == ".." else v) for k, v in row.items()}
        name = clean["Facility_Name"]
        ftype = clean["ODCAF_Facility_Type"]
        if ftype == "library or archives" and "library" not in name.lower():
            name = f"{name} (library)"
        street = " ".join(p for p in (clean["Street_No"], string.capwords(clean["Street_Name"])) if p)
        city = string.capwords(clean["City"])
        address = street
        lat, lon = clean["Latitude"], clean["Longitude"]
        precision, precision_source = "address", "odcaf_geocode"
        notes = f"ODCAF index {clean['Index']}; provider: {clean['Provider']}."
        if not lat:
            point = postal_points.get(clean["Postal_Code"].upper())
            if point and clean["Postal_Code"][1] != "0":
                lat, lon = point
                precision, precision_source = "postal_code", "postal_code_point_geonames"
                notes += " ODCAF has no coordinates; point is the GeoNames point of its urban postal code."
            else:
                precision, precision_source = "none", "none"
                notes += " ODCAF has no coordinates."
        out.append(
            {
                "external_id": f"odcaf:{clean['Index']}",
                "name": name,
                "category": "culture",
                "subcategory": ftype,
                "description": "",
                "address": address,
                "community": city,
                "municipality": clean["CSD_Name"],
                "postal_code": clean["Postal_Code"].upper(),
                "phone": "",
                "email": "",
                "website": "",
                "hours_text": "",
                "languages": "",
                "accessibility": "",
                "eligibility": "",
                "cost": "",
                "latitude": lat,
                "longitude": lon,
                "location_precision": precision,
                "precision_source": precision_source,
                "confidential": "0",
                "source": "Statistics Canada, Open Database of Cultural and Art Facilities (ODCAF)",
                "source_url": ODCAF_URL,
                "notes": notes,
            }
        )
    return out


def unique_ids(rows: list[dict]) -> None:
    """Make external ids unique by suffixing repeats (-2, -3 ...)."""
    seen: dict[str, int] = {}
    for row in rows:
        base = row["external_id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            row["external_id"] = f"{base}-{seen[base]}"


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def round_coords(coords, ndigits: int = 5):
    """Round nested GeoJSON coordinates (5 decimals is ~1 m)."""
    if isinstance(coords[0], (int, float)):
        return [round(c, ndigits) for c in coords]
    return [round_coords(c, ndigits) for c in coords]


def build_areas(src: Path) -> None:
    """DA polygons (approximate) with their representative points, and municipality outlines."""
    polys = json.loads((src / "muskoka_da_2021_approx_voronoi.geojson").read_text())
    points = {row["dauid"]: row for row in read_csv(src / "muskoka_da_2021.csv")}
    features = []
    for feat in polys["features"]:
        props = dict(feat["properties"])
        rep = points[props["dauid"]]
        props["rep_lon"] = float(rep["rep_lon"])
        props["rep_lat"] = float(rep["rep_lat"])
        geom = feat["geometry"]
        geom = {"type": geom["type"], "coordinates": round_coords(geom["coordinates"])}
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    features.sort(key=lambda f: f["properties"]["dauid"])
    (OUT / "dissemination_areas.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=None) + "\n"
    )
    outlines = []
    for filename, in_muskoka in (
        ("muskoka_csd_2011geom_2021pop.geojson", True),
        ("almaguin_csd_2011geom.geojson", False),
    ):
        for feat in json.loads((src / filename).read_text())["features"]:
            props = dict(feat["properties"])
            props["in_muskoka"] = in_muskoka
            outlines.append({"type": "Feature", "properties": props, "geometry": feat["geometry"]})
    (OUT / "municipalities.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": outlines}, ensure_ascii=False) + "\n"
    )


def build_gazetteer(src: Path) -> None:
    """Community names with a point and its precision, for offline geocoding of place names.

    Towns use GeoNames' place point for their urban FSA; townships use the representative point
    of their (coarse) outline. Rural post-office points are left out: they are often 20-40 km off.
    """
    rows = []
    towns = {r["name"]: r for r in read_csv(src / "muskoka_fsa_centroids_geonames.csv") if r["fsa"][1] != "0"}
    for fact in read_csv(src / "muskoka_csd_facts_2021.csv"):
        name = fact["name"].split(" (")[0]
        if name in towns:
            town = towns[name]
            rows.append(
                {
                    "name": name,
                    "kind": "town",
                    "latitude": town["lat"],
                    "longitude": town["lon"],
                    "precision": "community",
                    "municipality": name,
                    "source": f"GeoNames place point of FSA {town['fsa']} (CC BY 4.0)",
                }
            )
        elif fact["rep_lat"]:
            rows.append(
                {
                    "name": name,
                    "kind": "municipality",
                    "latitude": fact["rep_lat"],
                    "longitude": fact["rep_lon"],
                    "precision": "municipality",
                    "municipality": name,
                    "source": f"Statistics Canada census subdivision {fact['csduid']}: {fact['rep_point_source']}",
                }
            )
    write_csv(
        OUT / "gazetteer.csv", rows, ["name", "kind", "latitude", "longitude", "precision", "municipality", "source"]
    )


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data" / "muskoka"
    if not src.is_dir():
        print(f"source folder not found: {src}", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    postal_rows = read_csv(src / "muskoka_almaguin_postal_codes_geonames.csv")
    postal_points = {r["postal_code"].upper(): (r["lat"], r["lon"]) for r in postal_rows}
    assets = page_assets(src) + odcaf_assets(src, postal_points)
    unique_ids(assets)
    write_csv(OUT / "assets.csv", assets, ASSET_FIELDS)
    build_areas(src)
    build_gazetteer(src)
    for name, target in (
        ("muskoka_csd_facts_2021.csv", "municipality_facts.csv"),
        ("cimd_2021_quintile_cutpoints.csv", "cimd_quintile_cutpoints.csv"),
        ("comparators_2021.csv", "comparators.csv"),
        ("muskoka_almaguin_postal_codes_geonames.csv", "postal_codes_geonames.csv"),
        ("muskoka_fsa_centroids_geonames.csv", "fsa_centroids_geonames.csv"),
    ):
        (OUT / target).write_bytes((src / name).read_bytes())
    print(f"wrote {len(assets)} assets and the area files to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
