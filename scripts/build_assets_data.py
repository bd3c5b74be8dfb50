#!/usr/bin/env python3
"""Build the embedded Muskoka dataset in assets_data/ from the shared source files.

Usage: python scripts/build_assets_data.py [SOURCE_DIR]

SOURCE_DIR defaults to ../shared/data/muskoka (relative to the repository). The output files are
committed, so the app never needs the source folder at run time. Nothing is invented here: every
value comes from a source row; the only derived values are category mapping, normalised precision
codes, a https:// scheme added to bare web addresses, an `address_kind` (street / mailing / empty)
read off the address text, and (only for an older source without a precision column) points looked
up for a postal code in the GeoNames table shipped beside the sources. Values are moved, never made
up: a PO box found in an address field goes to `notes`, and a row the source marks as out of the
study area is left out (and named in the build output).
"""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

from _asset_rows import write_assets_csv  # scripts/: assets.csv in the registry's column order
from _muskoka_areas import build_areas, build_gazetteer, read_csv  # scripts/: areas, CSV files

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets_data"

# Source category -> (our category slug, subcategory when the source has none), from a table beside
# this script (like assets_data/osm_tag_map.csv for OpenStreetMap): an unknown category stops the build.
CATEGORY_MAP = {
    r["source_category"]: (r["category"], r["default_subcategory"] or None)
    for r in read_csv(Path(__file__).resolve().parent / "muskoka_category_map.csv")
}

# Source precision code -> our precision vocabulary (see needs_assessment/precision.py for the plain
# words). Every label found in the source must be here: an unknown label stops the build.
PRECISION_MAP = {
    # the site itself, from a page (or a Wikipedia infobox for a reserve)
    "exact_from_page": "exact",
    # Statistics Canada's own geocode of the ODCAF street address: an address point, not checked on
    # a page. The geocodes the source found wrong are labelled `unreliable` there instead.
    "odcaf_geocode": "address",
    "postal_code_point_geonames": "postal_code",
    # a landmark next to the site (for two rows: the ODCAF geocode of the library next door)
    "landmark_point_adjacent": "landmark",
    "landmark_point_reserve_point": "landmark",
    "landmark_point_same_village": "landmark",
    "town_point_geonames": "community",
    "town_fsa_centroid_geonames": "community",
    # the GeoNames point of a rural (P0x) post-office code chosen when compiling the source (not the
    # site's own code). These points lie 9-22 km from the village they are named for (Dwight; Dorset's
    # point for a pantry in Baysville; MacTier), so "town centre" would be untrue: a rural postal point.
    "community_post_office_code_geonames_UNRELIABLE": "rural_postal_code",
    "rural_postal_code_point_geonames_UNRELIABLE": "rural_postal_code",
    "municipality_point_wikipedia": "municipality",
    # the source says the point is not the site (e.g. Port Severn Food Bank: a village landmark)
    "unreliable": "unreliable",
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
# (Manna Food Bank is now labelled `unreliable` by the source itself.)
UNRELIABLE_POINTS = {
    "Huntsville District Memorial Hospital (Muskoka Algonquin Healthcare)": (
        "the GeoNames point of P1H 1H7 lies about 7 km south-west of the hospital (source notes)"
    ),
}


# Rows the source marks as outside the study area are left out of the embedded dataset.
OUT_OF_AREA_MARKERS = ("out of study area",)

# ODCAF rows whose CSD the source notes say is wrong: the municipality the notes name instead.
ODCAF_MUNICIPALITY_FIX = {
    "9560": ("Parry Sound", "the museum is in the Town of Parry Sound"),
    "2834": ("Nipissing", "4077 Highway 522 is in the Township of Nipissing"),
    "6071": ("McKellar", "the library is in the Township of McKellar"),
}

# Municipality cells carrying a caveat: the municipality, and the caveat (kept in notes).
MUNICIPALITY_CAVEATS = {
    "Georgian Bay (per township news column; verify)": ("Georgian Bay", "per township news column; verify"),
}

# ODCAF street addresses the source notes call a former site: kept in notes, not as the address.
ODCAF_FORMER_ADDRESS = {"1893"}

PO_BOX_RE = re.compile(r"\b(?:p\.?\s?o\.?\s*box|box)\s+\d+\b", re.I)
# a civic number and a street name, at the start or after one leading "Building name, " part
STREET_RE = re.compile(r"^(?:[^,;()\d]+,\s*)?\d+[a-z]?(?:-\d+)?\s+[A-Za-z]", re.I)

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
    """True when the source marks the row's location as one that must not be pinned, or the row is a
    shelter: the project treats every shelter as a confidential site (the brief: "never let a
    confidential site (shelters) be located"), whatever its source says."""
    text = " ".join(row.get(k, "") for k in ("notes", "address", "name")).lower()
    if row.get("category") in ("social_service", "social_services") and "shelter" in (
        f"{row.get('name', '')} {row.get('subcategory', '')}".lower()
    ):
        return True
    return any(marker in text for marker in CONFIDENTIAL_MARKERS)


def is_out_of_area(row: dict) -> bool:
    """True when the source notes say the row lies outside the study area."""
    return any(marker in row.get("notes", "").lower() for marker in OUT_OF_AREA_MARKERS)


def split_address(address: str) -> tuple[str, str, str]:
    """(address, address_kind, moved-out text) for an address cell.

    `street`: a civic number and street; `mailing`: only a PO box or an address the source marks as
    mailing; empty: a description ("Trinity United Church (street number not found)"). A PO box
    after a street address is moved out, so the address can be used for directions.
    """
    address = address.strip()
    if not address:
        return "", "", ""
    if address.startswith("(") and address.endswith(")"):
        return "", "", address  # a remark such as "(street address not found)": no address, kept in notes
    po = PO_BOX_RE.search(address)
    if "(mailing" in address.lower() or (po and po.start() == 0) or "mailing p.o. box" in address.lower():
        return address, "mailing", ""
    if po:
        street = address[: po.start()].rstrip(" ,;") + address[po.end() :]
        if STREET_RE.match(street):
            return street.replace(" ,", ",").strip(" ,"), "street", po.group(0)
        return address, "mailing", ""
    return address, ("street" if STREET_RE.match(address) else ""), ""


def join_notes(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def map_precision(label: str, where: str) -> str:
    """Our precision code for a source label; an unknown label stops the build."""
    try:
        return PRECISION_MAP[label]
    except KeyError:
        raise SystemExit(f"{where}: unknown location_precision {label!r}: add it to PRECISION_MAP") from None


def provenance(row: dict) -> dict:
    """The dated/URL columns the 2026-11-29 enrichment added, as given (several URLs stay ' ; '-joined)."""
    return {
        "last_seen": row.get("last_seen", "").strip(),
        "address_source_url": row.get("street_address_source_url", "").strip(),
        "contact_source_url": row.get("contact_source_url", "").strip(),
        "coordinate_source_url": row.get("coordinate_source_url", "").strip(),
    }


def page_assets(src: Path, excluded: list[str]) -> list[dict]:
    """Assets from the two page-derived CSVs, mapped to our fields."""
    out = []
    for filename in ("muskoka_seed_assets_from_pages.csv", "muskoka_assets_more.csv"):
        for line, row in enumerate(read_csv(src / filename), start=2):
            if is_out_of_area(row):
                excluded.append(f"{filename} row {line}: {row['name']} (source notes: out of study area)")
                continue
            category, default_sub = CATEGORY_MAP[row["category"]]
            confidential = is_confidential(row)
            precision = map_precision(row["location_precision"], f"{filename} row {line}")
            notes = row.get("notes", "")
            if row["name"] in UNRELIABLE_POINTS:
                precision = "unreliable"
                notes = f"Point marked unreliable: {UNRELIABLE_POINTS[row['name']]}. {notes}".strip()
            municipality = row.get("municipality", "").strip()
            if municipality in MUNICIPALITY_CAVEATS:
                municipality, caveat = MUNICIPALITY_CAVEATS[municipality]
                notes = join_notes(f"Municipality {municipality}: {caveat} (source).", notes)
            lat, lon = row.get("lat", ""), row.get("lon", "")
            if precision == "none":
                lat = lon = ""
            address, address_kind, moved = split_address(row.get("address", ""))
            if moved:
                label = "Address field" if moved.startswith("(") else "Mailing"
                notes = join_notes(notes, f"{label}: {moved} (moved from the source address field).")
            if confidential and (
                address_kind == "street"
                or precision not in ("community", "municipality", "none")
                or row.get("street_address_source_url")
                or row.get("coordinate_source_url")
            ):
                # fail closed: a confidential site may carry a town point and contact details only
                raise SystemExit(
                    f"{filename} row {line}: confidential {row['name']!r} has a street address or site point"
                )
            out.append(
                {
                    "external_id": "muskoka:" + slugify(row["name"]),
                    "name": row["name"],
                    "category": category,
                    "subcategory": row.get("subcategory") or default_sub or "",
                    "description": "",
                    "address": address,
                    "community": row.get("community", ""),
                    "municipality": municipality,
                    "postal_code": row.get("postal_code", ""),
                    "phone": row.get("phone", ""),
                    "email": row.get("email", "").strip(),
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
                    "address_kind": address_kind,
                    **provenance(row),
                }
            )
    return out


def odcaf_assets(src: Path, postal_points: dict[str, tuple[str, str]], excluded: list[str]) -> list[dict]:
    """Libraries, museums and heritage sites from Statistics Canada's ODCAF."""
    out = []
    filename = "muskoka_odcaf_cultural_facilities.csv"
    for line, row in enumerate(read_csv(src / filename), start=2):
        clean = {k: ("" if v == ".." else v) for k, v in row.items()}
        name = clean["Facility_Name"]
        if is_out_of_area(clean):
            excluded.append(f"{filename} row {line}: ODCAF {clean['Index']} {name} (source notes: out of study area)")
            continue
        ftype = clean["ODCAF_Facility_Type"]
        if ftype == "library or archives" and "library" not in name.lower():
            name = f"{name} (library)"
        street = " ".join(p for p in (clean["Street_No"], string.capwords(clean["Street_Name"])) if p)
        city = string.capwords(clean["City"])
        lat, lon = clean["Latitude"], clean["Longitude"]
        notes = f"ODCAF index {clean['Index']}; provider: {clean['Provider']}."
        municipality = clean["CSD_Name"]
        if clean["Index"] in ODCAF_MUNICIPALITY_FIX:
            municipality, why = ODCAF_MUNICIPALITY_FIX[clean["Index"]]
            notes += f" Municipality {municipality}: {why} (source notes); ODCAF's CSD {clean['CSD_Name']!r} is wrong."
        address = street
        if clean["Index"] in ODCAF_FORMER_ADDRESS and street:
            address = ""
            notes += f" ODCAF address {street} is the former site (source notes), so it is not given as the address."
        label = clean.get("location_precision", "").strip()
        if label:
            precision_source = label
            precision = map_precision(label, f"{filename} row {line}")
            if precision == "none":
                lat = lon = ""
            elif not lat:
                raise SystemExit(f"{filename} row {line}: precision {label!r} but no coordinates")
        elif lat:  # an older source without the precision column
            precision, precision_source = "address", "odcaf_geocode"
        else:
            point = postal_points.get(clean["Postal_Code"].upper())
            if point and clean["Postal_Code"][1] != "0":
                lat, lon = point
                precision, precision_source = "postal_code", "postal_code_point_geonames"
                notes += " ODCAF has no coordinates; point is the GeoNames point of its urban postal code."
            else:
                precision, precision_source = "none", "none"
                notes += " ODCAF has no coordinates."
        if precision == "address":
            notes += " Point: ODCAF's own geocode of the address, not checked on a page."
        notes = join_notes(notes, clean.get("notes", ""))
        out.append(  # fields ODCAF has no column for (phone, hours, ...) are written empty
            {
                "external_id": f"odcaf:{clean['Index']}",
                "name": name,
                "category": "culture",
                "subcategory": ftype,
                "description": "",
                "address": address,
                "community": city,
                "municipality": municipality,
                "postal_code": clean["Postal_Code"].upper(),
                "email": clean.get("email", "").strip(),
                "latitude": lat,
                "longitude": lon,
                "location_precision": precision,
                "precision_source": precision_source,
                "confidential": "0",
                "source": "Statistics Canada, Open Database of Cultural and Art Facilities (ODCAF)",
                "source_url": ODCAF_URL,
                "notes": notes,
                "address_kind": "street" if address else "",
                **provenance(clean),
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


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data" / "muskoka"
    if not src.is_dir():
        print(f"source folder not found: {src}", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    postal_rows = read_csv(src / "muskoka_almaguin_postal_codes_geonames.csv")
    postal_points = {r["postal_code"].upper(): (r["lat"], r["lon"]) for r in postal_rows}
    excluded: list[str] = []
    assets = page_assets(src, excluded) + odcaf_assets(src, postal_points, excluded)
    unique_ids(assets)
    write_assets_csv(OUT / "assets.csv", assets)
    build_areas(src, OUT)
    build_gazetteer(src, OUT)
    for name, target in (
        ("muskoka_csd_facts_2021.csv", "municipality_facts.csv"),
        ("cimd_2021_quintile_cutpoints.csv", "cimd_quintile_cutpoints.csv"),
        ("comparators_2021.csv", "comparators.csv"),
        ("muskoka_almaguin_postal_codes_geonames.csv", "postal_codes_geonames.csv"),
        ("muskoka_fsa_centroids_geonames.csv", "fsa_centroids_geonames.csv"),
    ):
        (OUT / target).write_bytes((src / name).read_bytes())
    print(f"wrote {len(assets)} assets and the area files to {OUT}")
    for line in excluded:
        print(f"left out: {line}")
    by_label: dict[tuple[str, str], int] = {}
    for a in assets:
        key = (a["precision_source"], a["location_precision"])
        by_label[key] = by_label.get(key, 0) + 1
    for (label, code), n in sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"precision {label} -> {code}: {n}")
    no_municipality = [a["name"] for a in assets if not a["municipality"]]
    if no_municipality:
        print(f"no municipality in the source ({len(no_municipality)}): {'; '.join(no_municipality)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
