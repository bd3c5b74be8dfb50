"""place.json and SOURCES.md of the embedded Trafford place (used by build_trafford_data.py)."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)
# The licence statements the sources ask for (see SOURCES.md), shown in the app's footer.
ATTRIBUTION = [
    "Contains National Statistics and OS data © Crown copyright and database right 2025 "
    "(LSOA boundaries, population estimates, postcodes, green space).",
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(IoD 2025, NHS ODS, CQC, NHSBSA, Trafford Council).",
    "Postcode centroids: ONS Postcode Directory (February 2025), via Trafford Data Lab; "
    "Royal Mail and OS terms apply to its use.",
    "Green space: Contains Ordnance Survey data © Crown copyright and database right 2023.",
    "Dentists: uses information from the Care Quality Commission. Libraries: Trafford Council.",
]


def place(lsoa_features: list[dict], copied: tuple[str, ...]) -> dict:
    """place.json: what the app needs to open the place, derived from the LSOA outlines."""
    outline = shapely.union_all([shape(f["geometry"]) for f in lsoa_features])
    west, south, east, north = outline.bounds
    in_bng = shapely.transform(outline, lambda xy: np.column_stack(TO_BNG.transform(xy[:, 0], xy[:, 1])))
    centre_lon, centre_lat = TO_WGS84.transform(*in_bng.centroid.coords[0])
    return {
        "name": "Trafford",
        "country": "GB",
        "region": "England",
        "local_authority": {"code": "E08000009", "name": "Trafford"},
        "timezone": "Europe/London",
        "holidays": "GB-ENG",
        "centre": {"latitude": round(centre_lat, 5), "longitude": round(centre_lon, 5)},
        "bounds": {"south": round(south, 5), "west": round(west, 5), "north": round(north, 5), "east": round(east, 5)},
        "area_level": "LSOA21",
        "postcode_label": "postcode",
        "help_line": {"name": "", "phone": "", "url": ""},
        "help_line_note": "No general information-and-referral line (like 211) is documented in the source data.",
        "attribution": ATTRIBUTION,
        "assessment_template": "english_neighbourhood",
        "files": {
            "boundaries": copied[0],
            "deprivation": copied[1],
            "population": copied[2],
            "postcodes": copied[3],
            "assets": "assets.csv",
            "park_entrances": "park_entrances.csv",
        },
    }


SOURCES = """# Embedded place: Trafford (Greater Manchester, England)

Built by `python scripts/build_trafford_data.py` from the project's shared source folder
(`../shared/data/trafford/`, real open data republished by Trafford Data Lab; the IoD via the
`humaniverse/IMD` package; licences and dataset notes in its `provenance/` folder). Nothing here is
invented: every value comes from a source row.

## Licences and attribution (show these in the app)

All of it is under the Open Government Licence v3.0.

* "Contains National Statistics and OS data © Crown copyright and database right 2025"
  (LSOA boundaries, postcodes, green space).
* "Contains public sector information licensed under the Open Government Licence v3.0"
  (IoD 2025, NHS ODS, CQC, NHSBSA, Trafford Council).
* Postcode centroids come from the ONS Postcode Directory (February 2025), which also carries
  Royal Mail and OS terms for its use. Trafford Data Lab's attribution for its postcode list
  (`provenance/README_postcodes.md`, which names the November 2023 edition although the data is
  correct at 2025-02-13): "ONS Geography Open Data. Data Source: ONS Postcode Directory (November
  2023). Contains National Statistics data © Crown copyright and database right 2024."
* Green space: "Contains Ordnance Survey data © Crown copyright and database right 2023".
* Dentists: "Uses information from the Care Quality Commission." Libraries: "Trafford Council".

## Official files, copied unchanged (the demo reads them with the same readers a coalition uses)

| file | what | read by |
|---|---|---|
| `trafford_lsoa_generalised.geojson` | 139 LSOA 2021 polygons (ONS BGC, 20 m generalised), WGS84; `area_code` = LSOA21CD, `area_name` | `assetmap.formats.area_boundaries.read_lsoa_boundaries` |
| `trafford_imd2025_lsoa21_file7_columns.csv` | English Indices of Deprivation 2025, official File 7 columns: score, rank, decile of the IMD and its seven domains. Decile 1 = most deprived 10% of England; Core20 = deciles 1-2. The last column is the ONS mid-2024 population, not the IoD's mid-2022 denominator (its name says so). | `assetmap.formats.deprivation.read_iod` |
| `mid-year_2024_population_estimates_lsoa.csv` | ONS mid-2024 population per LSOA (Persons, Females, Males; single years 0 ... 90+): 241,025 people | `assetmap.formats.population.read_population` |
| `trafford_postcodes.csv` | 11,264 postcodes with LSOA and centroid (ONSPD February 2025) | `assetmap.formats.postcodes.read_postcodes` |

## Assets (`assets.csv`, the app's import format, plus `last_seen`)

{counts}

* `external_id` is stable: `trafford:<kind>:<ODS code, CQC id, URN or slug of the name>`. GP
  practices have no ODS code in the source, so theirs is the practice name. Green spaces have no
  OS id in the source: theirs is the site type and the British National Grid metre of the point
  inside the polygon.
* `last_seen` is the date the source was correct at. Old records (food banks January 2018,
  Jobcentre Plus May 2018, dentists July 2019, children's centres August 2019) say so in `notes`
  and ask to be verified.
* Location precision. GP practice, pharmacy, dentist, care home and Jobcentre Plus points are
  postcode centroids (the publisher matched postcodes to the ONS Postcode Directory): `postal_code`.
  Food-bank points coincide with postcode centroids (5 of 7 exactly, 2 within 7 m): `postal_code`.
  Library and children's centre points are the sites' own points, 4-210 m from their postcode
  centroids: `address`. Parks: a point inside the site polygon: `exact`.
* Derived values: phone numbers from CQC lose their leading 0 in the source (1619699907): the
  build puts it back. Jobcentre names get "Jobcentre Plus". Food-bank names that repeat
  ("Trussell Trust") get their venue ("at St Francis Church"). Pharmacy hours are regrouped from
  NHSBSA's per-day columns into `hours_text` and OpenStreetMap `opening_hours` (usual weekly
  hours; bank holidays differ). Dentists listed twice identically are listed once.
* Parks: OS Open Greenspace site types counted as parks are {park_types}: places anyone may
  walk into and play. Left out: sports grounds, bowling greens, tennis courts and golf courses
  (often members only), allotments (rented plots), churchyards and cemeteries. Unnamed sites are
  named after the nearest postcode centroid ("Play space near M32 0US"), said in `notes`.

## Park entrances (`park_entrances.csv`)

OS Open Greenspace access points, so reach can be measured from a park's gates rather than its
middle. The source drops OS's site reference, so each point is joined to every park whose edge it
lies on (within 0.5 m, in British National Grid metres). {entrance_counts}

## place.json

Name, country GB, time zone Europe/London, holidays GB-ENG, centre and bounds of the LSOA
outlines, the area level (LSOA21), the postcode label, the attribution lines above (the app's
footer shows them) and the files above. No general help line (like 211) is documented in the
source data, so `help_line` is empty.
"""


def sources_md(assets: list[dict], counts: dict, entrances: int, park_types: tuple[str, ...]) -> str:
    """SOURCES.md with this build's counts."""
    table = ["| category | subcategory | precision | rows |", "|---|---|---|---|"]
    seen: dict[tuple[str, str, str], int] = {}
    for a in assets:
        key = (a["category"], a["subcategory"], a["location_precision"])
        seen[key] = seen.get(key, 0) + 1
    table += [f"| {c} | {s} | {p} | {n} |" for (c, s, p), n in seen.items()]
    table.append(f"| **all** | | | **{len(assets)}** |")
    entrance_counts = (
        f"Of {counts['access points']} access points, {counts['joined']} lie on a park's edge "
        f"({entrances} rows: some open into two parks) and {counts['to no park']} belong to sites that are not "
        f"parks here; {counts['parks without an entrance']} parks have no access point."
    )
    return SOURCES.format(counts="\n".join(table), park_types=", ".join(park_types), entrance_counts=entrance_counts)
