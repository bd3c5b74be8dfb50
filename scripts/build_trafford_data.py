#!/usr/bin/env python3
"""Build the embedded Trafford place in assets_data/trafford/ from the shared source files.

Usage: python scripts/build_trafford_data.py [SOURCE_DIR] [OUT_DIR]

SOURCE_DIR defaults to ../shared/data/trafford (relative to the repository), OUT_DIR to
assets_data/trafford. The official files a coalition would download (LSOA boundaries, IoD 2025
File 7, ONS mid-2024 population, the postcode list) are copied unchanged, so the demo loads them
through the same readers (assetmap.formats.place_files) a coalition uses. The assets become one
CSV in the app's import format, plus park_entrances.csv.

Nothing is invented. Derived values, all stated in SOURCES.md: category mapping; the leading 0
CQC drops from phone numbers; "Jobcentre Plus <name>"; a venue added to food-bank names that
repeat; names for unnamed green spaces from the nearest postcode; a point inside each green space
polygon; pharmacy hours regrouped from the per-day columns; park entrances joined to sites by
geometry (the source drops OS's site reference).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import shapely
from _asset_rows import write_assets_csv
from pyproj import Transformer
from shapely.geometry import shape
from trafford_sources import place, sources_md

ROOT = Path(__file__).resolve().parent.parent
COPIED = (
    "trafford_lsoa_generalised.geojson",
    "trafford_imd2025_lsoa21_file7_columns.csv",
    "mid-year_2024_population_estimates_lsoa.csv",
    "trafford_postcodes.csv",
)
# OS Open Greenspace site types counted as parks: places anyone may walk into and play. Sports
# grounds, bowling greens, tennis courts and golf courses (often members only), allotments
# (rented plots), churchyards and cemeteries are left out.
PARK_TYPES = ("Public Park Or Garden", "Playing Field", "Play Space")
VERIFY = "Check it still runs, where and when, before relying on it."
CENTROID = "postcode centroid (ONS Postcode Directory), as the publisher matched it"
TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


def slugify(text: str) -> str:
    """Lowercase ASCII slug for stable external ids."""
    text = text.lower().replace("&", " and ").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]


def clean(value) -> str:
    """A source cell as text; the R exports' NA means empty."""
    text = "" if value is None else str(value).strip()
    return "" if text == "NA" else text


def phone(value: str) -> str:
    """CQC publishes numbers without their leading 0 (1619699907): put it back; others as found."""
    value = clean(value)
    return "0" + value if re.fullmatch(r"[1-9]\d{9}", value) else value


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def asset(**fields) -> dict:
    # The sources name no community: an empty cell (a missing column would load as none, not "")
    return {"municipality": "Trafford", "community": "", "confidential": "0", **fields}


def point_row(lon, lat, precision: str, precision_source: str) -> dict:
    return {
        "longitude": f"{float(lon):.6f}",
        "latitude": f"{float(lat):.6f}",
        "location_precision": precision,
        "precision_source": precision_source,
    }


def gp_practices(src: Path) -> list[dict]:
    url = "https://digital.nhs.uk/services/organisation-data-service/data-search-and-export/csv-downloads/gp-and-gp-practice-related-data"
    return [
        asset(
            external_id=f"trafford:gp:{slugify(r['name'])}",
            name=r["name"],
            category="health",
            subcategory="GP practice",
            address=r["address"],
            postal_code=r["postcode"],
            phone=phone(r["telephone"]),
            **point_row(r["lon"], r["lat"], "postal_code", CENTROID + " (November 2025)"),
            source="NHS Digital, Organisation Data Service (GP practices), via Trafford Data Lab",
            source_url=url,
            last_seen="2026-01-23",
            notes="The source gives no ODS practice code, so the id is the practice name.",
        )
        for r in read_csv(src / "trafford_general_practices.csv")
    ]


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_TEXT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_OSM = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def pharmacy_hours(props: dict) -> tuple[str, str]:
    """("Mon-Fri 09:00-18:00; Sat-Sun closed", "Mo-Fr 09:00-18:00; Sa-Su off") from NHSBSA's day columns."""
    values = [clean(props.get(f"opening_hours_{d}")).upper() for d in DAYS]
    if not all(re.fullmatch(r"CLOSED|\d\d:\d\d-\d\d:\d\d(,\d\d:\d\d-\d\d:\d\d)*", v) for v in values):
        return "", ""  # something other than times: leave it unknown rather than guess
    groups: list[tuple[int, int, str]] = []
    for i, v in enumerate(values):
        if groups and groups[-1][2] == v and groups[-1][1] == i - 1:
            groups[-1] = (groups[-1][0], i, v)
        else:
            groups.append((i, i, v))

    def days(names, a, b):
        return names[a] if a == b else f"{names[a]}-{names[b]}"

    text = "; ".join(
        f"{days(DAY_TEXT, a, b)} {'closed' if v == 'CLOSED' else v.replace(',', ', ')}" for a, b, v in groups
    )
    osm = "; ".join(f"{days(DAY_OSM, a, b)} {'off' if v == 'CLOSED' else v}" for a, b, v in groups)
    return text, osm


def pharmacies(src: Path) -> list[dict]:
    out = []
    for feat in features(src / "trafford_pharmacies.geojson"):
        p = feat["properties"]
        lon, lat = feat["geometry"]["coordinates"]
        hours_text, osm = pharmacy_hours(p)
        out.append(
            asset(
                external_id=f"trafford:pharmacy:{p['organisation_data_service_code']}",
                name=p["pharmacy_name"],
                category="health",
                subcategory="pharmacy",
                address=p["address"],
                postal_code=p["postcode"],
                hours_text=hours_text,
                opening_hours=osm,
                **point_row(lon, lat, "postal_code", CENTROID),
                source="NHS Business Services Authority, Consolidated Pharmaceutical List 2024-25 Q4, via Trafford Data Lab",
                source_url="https://opendata.nhsbsa.net/dataset/consolidated-pharmaceutical-list",
                last_seen="2025-03-31",
                notes=f"ODS code {p['organisation_data_service_code']}. Usual weekly hours; bank holidays differ.",
            )
        )
    return out


def dentists(src: Path) -> list[dict]:
    out, seen = [], set()
    for r in read_csv(src / "trafford_dentists.csv"):
        key = (r["name"], r["postcode"])
        if key in seen:
            continue  # the source lists Crescent Dental Care twice, identically
        seen.add(key)
        out.append(
            asset(
                external_id=f"trafford:dentist:{slugify(r['name'])}-{slugify(r['postcode'])}",
                name=r["name"],
                category="health",
                subcategory="dentist",
                address=r["address"],
                postal_code=r["postcode"],
                phone=phone(r["telephone"]),
                website=clean(r["website"]),
                **point_row(r["lon"], r["lat"], "postal_code", CENTROID),
                source="Care Quality Commission register, via Trafford Data Lab",
                source_url="https://www.cqc.org.uk/about-us/transparency/using-cqc-data",
                last_seen="2019-07-17",
                notes=f"Old record: CQC register of July 2019. {VERIFY}",
            )
        )
    return out


def care_homes(src: Path) -> list[dict]:
    return [
        asset(
            external_id=f"trafford:carehome:{r['cqc_id']}",
            name=r["name"],
            category="social_services",
            subcategory="care home",
            description=f"CQC service types: {r['type'].replace('|', ', ')}. Provider: {r['provider']}.",
            address=r["address"].replace(",", ", "),
            postal_code=r["postcode"],
            phone=phone(r["telephone"]),
            website=clean(r["website"]),
            **point_row(r["lon"], r["lat"], "postal_code", CENTROID),
            source="Care Quality Commission care directory, via Trafford Data Lab",
            source_url=r["cqc_webpage"],
            last_seen="2026-02-25",
            notes=f"CQC location {r['cqc_id']}; latest CQC inspection {r['inspection_date']}.",
        )
        for r in read_csv(src / "trafford_care_homes.csv")
    ]


def libraries(src: Path) -> list[dict]:
    return [
        asset(
            external_id=f"trafford:library:{slugify(r['name'])}",
            name=r["name"],
            category="culture",
            subcategory="library",
            description=r["type"],
            address=r["address"],
            postal_code=r["postcode"],
            email=clean(r["email"]),
            website=clean(r["website"]),
            **point_row(
                r["lon"], r["lat"], "address", "the site's point as Trafford Council gives it (not a postcode centroid)"
            ),
            source="Public libraries in England (DCMS), reviewed by Trafford Council, via Trafford Data Lab",
            source_url="https://www.trafforddatalab.io/open_data/libraries",
            last_seen="2023-11-21",
        )
        for r in read_csv(src / "trafford_libraries.csv")
    ]


def food_banks(src: Path) -> list[dict]:
    feats = features(src / "trafford_food_banks.geojson")
    names = [f["properties"]["Name"] for f in feats]
    out = []
    for feat in feats:
        p = feat["properties"]
        lon, lat = feat["geometry"]["coordinates"]
        venue = p["Address"].split(",")[0].strip()
        name = f"{p['Name']} food bank at {venue}" if names.count(p["Name"]) > 1 else p["Name"]
        contact = clean(p.get("Contact"))
        referral = clean(p.get("Referral method"))
        out.append(
            asset(
                external_id=f"trafford:foodbank:{slugify(p['Name'])}-{slugify(p['Postcode'])}",
                name=name,
                category="food",
                subcategory="food pantry" if "pantry" in p["Name"].lower() else "food bank",
                address=p["Address"],
                postal_code=p["Postcode"],
                email=contact if "@" in contact else "",
                website=clean(p.get("Website")),
                hours_text=clean(p.get("Opening times")),
                eligibility=f"Referral: {referral}" if referral and referral != "Not known" else "",
                **point_row(lon, lat, "postal_code", "postcode-level point as GM Poverty Action gives it"),
                source="GM Poverty Action food bank map (January 2018), via Trafford Data Lab",
                source_url="http://www.gmpovertyaction.org/maps/",
                last_seen="2018-01",
                notes=f"Old record: listed in January 2018. {VERIFY}",
            )
        )
    return out


def childrens_centres(src: Path) -> list[dict]:
    return [
        asset(
            external_id=f"trafford:childrens-centre:{r['unique_reference_number']}",
            name=r["name"],
            category="early_years",
            subcategory="children's centre",
            address=r["address"],
            postal_code=r["postcode"],
            phone=phone(r["telephone"]),
            **point_row(r["lon"], r["lat"], "address", "the site's point in DfE Get Information about Schools"),
            source="Department for Education, Get Information about Schools (URN "
            f"{r['unique_reference_number']}), via Trafford Data Lab",
            source_url="https://get-information-schools.service.gov.uk/",
            last_seen="2019-08",
            notes=f"Old record: correct as of August 2019. {VERIFY}",
        )
        for r in read_csv(src / "trafford_childrens_centres.csv")
    ]


def jobcentres(src: Path) -> list[dict]:
    return [
        asset(
            external_id=f"trafford:jobcentre:{slugify(r['name'])}",
            name=f"Jobcentre Plus {r['name']}",
            category="social_services",
            subcategory="Jobcentre Plus",
            address=r["address"],
            postal_code=r["postcode"],
            **point_row(r["lon"], r["lat"], "postal_code", CENTROID),
            source="Department for Work and Pensions, Jobcentre register, via Trafford Data Lab",
            source_url="https://www.gov.uk/government/publications/dwp-jobcentre-register",
            last_seen="2018-05",
            notes=f"Old record: DWP register of May 2018. {VERIFY}",
        )
        for r in read_csv(src / "trafford_jobcentreplus.csv")
    ]


def to_bng(geom):
    return shapely.transform(geom, lambda c: np.column_stack(TO_BNG.transform(c[:, 0], c[:, 1])))


def parks(src: Path) -> tuple[list[dict], list[dict], dict]:
    """Park assets (a point inside each site) and their entrances, joined by geometry in metres."""
    codes = [r for r in read_csv(src / "trafford_postcodes.csv")]
    postcode_tree = shapely.STRtree([to_bng(shapely.Point(float(r["lon"]), float(r["lat"]))) for r in codes])
    rows, sites = [], []
    for feat in features(src / "trafford_greenspace_sites.geojson"):
        p = feat["properties"]
        if p["site_type"] not in PARK_TYPES:
            continue
        site = to_bng(shape(feat["geometry"]))
        inside = site.representative_point()
        external_id = f"trafford:greenspace:{slugify(p['site_type'])}-{round(inside.x)}-{round(inside.y)}"
        lon, lat = TO_WGS84.transform(inside.x, inside.y)
        name, notes = clean(p.get("site_name")), ""
        if not name:
            near = codes[int(postcode_tree.nearest(inside))]["postcode"]
            name = f"{p['site_type'].capitalize()} near {near}"
            notes = (
                f"OS Open Greenspace gives no name; 'near {near}' is the nearest postcode centroid, added by the build."
            )
        rows.append(
            asset(
                external_id=external_id,
                name=name,
                category="parks",
                subcategory=p["site_type"].lower(),
                description=f"{site.area / 10_000:.1f} ha",
                **point_row(lon, lat, "exact", "a point inside the OS Open Greenspace site polygon"),
                source="OS Open Greenspace (October 2023), via Trafford Data Lab",
                source_url="https://www.ordnancesurvey.co.uk/products/os-open-greenspace",
                last_seen="2023-10",
                notes=notes,
            )
        )
        sites.append((external_id, site))
    boundaries = shapely.STRtree([s.boundary for _, s in sites])
    entrances, counts = [], {"access points": 0, "joined": 0, "to no park": 0}
    for feat in features(src / "trafford_greenspace_access_points.geojson"):
        counts["access points"] += 1
        lon, lat = feat["geometry"]["coordinates"]
        point = to_bng(shapely.Point(lon, lat))
        # An entrance belongs to every park whose edge it lies on (0.5 m): a gate on a shared edge
        # opens into both; a gate inside a park onto its play space belongs to the play space only.
        hits = sorted(int(i) for i in boundaries.query(point, predicate="dwithin", distance=0.5))
        counts["joined" if hits else "to no park"] += 1
        for i in hits:
            entrances.append(
                {
                    "park_external_id": sites[i][0],
                    "longitude": f"{lon:.6f}",
                    "latitude": f"{lat:.6f}",
                    "access_type": feat["properties"].get("access_type", ""),
                    "source": "OS Open Greenspace access points (October 2023), via Trafford Data Lab",
                }
            )
    with_entrance = {e["park_external_id"] for e in entrances}
    counts["parks without an entrance"] = sum(1 for sid, _ in sites if sid not in with_entrance)
    return rows, entrances, counts


def write_csv(path: Path, rows: list[dict], fields: list[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data" / "trafford"
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "assets_data" / "trafford"
    if not src.is_dir():
        print(f"source folder not found: {src}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(src / name, out / name)
    park_rows, entrances, counts = parks(src)
    assets = (
        gp_practices(src)
        + pharmacies(src)
        + dentists(src)
        + care_homes(src)
        + libraries(src)
        + food_banks(src)
        + childrens_centres(src)
        + jobcentres(src)
        + park_rows
    )
    ids = [a["external_id"] for a in assets]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"external ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    write_assets_csv(out / "assets.csv", assets)
    write_csv(out / "park_entrances.csv", entrances, list(entrances[0]))
    (out / "SOURCES.md").write_text(sources_md(assets, counts, len(entrances), PARK_TYPES), encoding="utf-8")
    (out / "place.json").write_text(
        json.dumps(place(features(src / COPIED[0]), COPIED), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(assets)} assets, {len(entrances)} park entrances ({counts}) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
