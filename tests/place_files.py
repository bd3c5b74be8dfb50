"""Small official place files with the publishers' exact headers, for new-place tests.

An English neighbourhood of four LSOAs, 600 m squares in British National Grid (a GeoPackage, as
ONS publishes LSOA boundaries), with IoD 2025 File 7 deciles 1, 2, 5 and 10, ONS single-year
population estimates (141 people each) and an ONS Postcode Directory (2025 layout) with one
postcode at the middle of each LSOA. Test fixtures, not real places: the codes and postcodes are
only shaped like real ones.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import shapely
from pyproj import Transformer

from tests.test_place_files import (
    AGES,
    CIMD_HEADER,
    ONSPD_2025,
    PROFILE_HEADER,
    SAPE_HEADER,
    STATCAN_ORIGIN,
    STATCAN_PRJ,
    file7_header,
    file7_row,
    onspd_row,
    profile_row,
    sape_row,
    square,
    write_csv,
    write_geopackage,
)

BNG_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)
ORIGIN = (383000, 396000)  # British National Grid metres, south-west corner of the first LSOA
SIDE_M = 600
# (code, name, south-west corner in BNG, IMD decile, postcode at its middle)
LSOAS = [
    ("E01099001", "Testford 001A", (0, 0), 1, "M15 4AB"),
    ("E01099002", "Testford 001B", (SIDE_M, 0), 2, "M15 4AD"),
    ("E01099003", "Testford 002A", (0, SIDE_M), 5, "M16 7AA"),
    ("E01099004", "Testford 002B", (SIDE_M, SIDE_M), 10, "M16 7AB"),
]


def middle_lonlat(index: int) -> tuple[float, float]:
    """(lon, lat) of the middle of LSOA number index."""
    dx, dy = LSOAS[index][2]
    lon, lat = BNG_TO_WGS84.transform(ORIGIN[0] + dx + SIDE_M / 2, ORIGIN[1] + dy + SIDE_M / 2)
    return round(lon, 6), round(lat, 6)


def english_files(folder: Path) -> dict[str, Path]:
    """Boundaries (GeoPackage, BNG), deprivation (IoD 2025 File 7), population (ONS), postcodes (ONSPD)."""
    folder.mkdir(parents=True, exist_ok=True)
    boundaries = write_geopackage(
        folder / "LSOA_2021_EW_BGC_V5.gpkg",
        [
            (code, name, shapely.Polygon(square(ORIGIN[0] + dx, ORIGIN[1] + dy, SIDE_M)), True)
            for code, name, (dx, dy), _, _ in LSOAS
        ],
    )
    deprivation = write_csv(
        folder / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
        file7_header("2021", "2024", "Total population: mid 2022"),
        [file7_row(code, name, (40.0 - 4 * decile, 1000 * decile, decile), 150) for code, name, _, decile, _ in LSOAS],
    )
    population = write_csv(
        folder / "sapelsoasyoa20222024.csv", SAPE_HEADER, [sape_row(code, name) for code, name, *_ in LSOAS]
    )
    rows = []
    for k, (code, _, _, _, postcode) in enumerate(LSOAS):
        lon, lat = middle_lonlat(k)
        rows.append(onspd_row(ONSPD_2025, pcds=postcode, dointr="198001", lat=lat, long=lon, lsoa21cd=code))
    postcodes = write_csv(folder / "ONSPD_FEB_2025_UK.csv", ONSPD_2025, rows)
    return {"boundaries": boundaries, "deprivation": deprivation, "population": population, "postcodes": postcodes}


def english_assets(folder: Path) -> tuple[Path, Path]:
    """An asset CSV (categories by slug and by label) and a park entrance CSV for the English place.

    The GP is at the middle of LSOA 1, the food bank at the middle of LSOA 4; the park's point is
    the middle of LSOA 2 and its one gate the middle of LSOA 3.
    """
    (gp, food, park, gate) = (middle_lonlat(0), middle_lonlat(3), middle_lonlat(1), middle_lonlat(2))
    assets = folder / "assets.csv"
    with assets.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "name", "category", "latitude", "longitude", "location_precision", "last_seen"])
        w.writerow(["test:gp:1", "Testford Surgery", "health", gp[1], gp[0], "exact", "2025-11"])
        w.writerow(["test:food:1", "Testford Food Bank", "Food", food[1], food[0], "exact", "2018-01"])
        w.writerow(["test:park:1", "Testford Park", "Parks and green space", park[1], park[0], "exact", "2023-10"])
    entrances = folder / "park_entrances.csv"
    with entrances.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["park_external_id", "longitude", "latitude", "access_type", "source"])
        w.writerow(["test:park:1", gate[0], gate[1], "Pedestrian", "test fixture"])
    return assets, entrances


def canadian_files(folder: Path) -> dict[str, Path]:
    """A StatCan DA shapefile (Lambert, two DAs in British Columbia), a Census Profile (population, ages,
    low income; the second DA's ages copied from the first) and the national CIMD file."""
    import shapefile

    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / "lda_000b21a_e.shp"
    with shapefile.Writer(str(shp), shapeType=shapefile.POLYGON) as w:
        w.field("DAUID", "C", 8)
        w.field("DGUID", "C", 21)
        w.field("LANDAREA", "N", 19, 4)
        w.field("PRUID", "C", 2)
        w.poly([square(*STATCAN_ORIGIN, 1000)])
        w.record("59150001", "2021S051259150001", 1.0, "59")
        w.poly([square(STATCAN_ORIGIN[0] + 1000, STATCAN_ORIGIN[1], 1000)])
        w.record("59150002", "2021S051259150002", 1.0, "59")
    shp.with_suffix(".prj").write_text(STATCAN_PRJ)
    cimd = write_csv(
        folder / "can_scores_quintiles_EN.csv",
        CIMD_HEADER,
        [
            ["59150001", "British Columbia", 744, 2, -0.325, 5, 0.945, 1, -0.853, 2, -0.577],
            ["59150002", "British Columbia", 500, 5, 1.2, 1, -1.1, 5, 2.3, 4, 0.6],
        ],
    )
    profile = []
    for dauid, people, low_income in (("59150001", 745, 12.5), ("59150002", 505, 20.0)):
        da = f"2021S0512{dauid}"
        profile.append(profile_row(da, "Dissemination area", dauid, 1, "Population, 2021", people))
        profile += [profile_row(da, "Dissemination area", dauid, cid, n, c) for cid, (n, c) in AGES.items()]
        name = "Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)"
        profile.append(profile_row(da, "Dissemination area", dauid, 345, name, "", low_income))
    census = write_csv(
        folder / "98-401-X2021006_English_CSV_data_BritishColumbia.csv",
        PROFILE_HEADER,
        [r + [""] * 4 for r in profile],
        encoding="cp1252",
    )
    return {"boundaries": shp, "population": census, "deprivation": cimd}


def polygons_geojson(path: Path) -> Path:
    """Two square areas with a population (WGS84), as a coalition's own area file."""
    features = []
    for k, (code, name, *_rest) in enumerate(LSOAS[:2]):
        lon, lat = middle_lonlat(k)
        ring = [[lon - 0.004, lat - 0.0027], [lon + 0.004, lat - 0.0027], [lon + 0.004, lat + 0.0027]]
        ring += [[lon - 0.004, lat + 0.0027], [lon - 0.004, lat - 0.0027]]
        features.append(
            {
                "type": "Feature",
                "properties": {"id": code, "name": name, "population": 1000 * (k + 1)},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path
