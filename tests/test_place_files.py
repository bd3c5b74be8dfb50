"""Readers of official place files (assetmap.formats): small files with the publishers' exact
headers, written in tmp_path, and the embedded Trafford place built from real files.

Reference coordinates: the ONS Postcode Directory publishes AB1 0AA at easting 385386, northing
801193 and lat 57.101474, long -2.242851; Statistics Canada Lambert (EPSG:3347) has its false
origin (6200000, 3000000) at 63.390675 N, 91.866667 W. Tolerances are stated per assertion.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import struct
import zipfile
from pathlib import Path

import pytest
import shapefile
import shapely
from pyproj import Geod

from assetmap.formats import place_files
from assetmap.formats.place_files import read_place_file, recognise
from assetmap.formats.place_records import PlaceFileError

GEOD = Geod(ellps="WGS84")
AB10AA_BNG = (385386, 801193)
AB10AA_WGS84 = (-2.242851, 57.101474)
STATCAN_ORIGIN = (6200000, 3000000)
STATCAN_ORIGIN_WGS84 = (-91.866667, 63.390675)
# The .prj Statistics Canada ships with its 2021 boundary files (ESRI WKT, no EPSG code).
STATCAN_PRJ = (
    'PROJCS["PCS_Lambert_Conformal_Conic",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",'
    'SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
    'PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",6200000.0],'
    'PARAMETER["False_Northing",3000000.0],PARAMETER["Central_Meridian",-91.86666666666666],'
    'PARAMETER["Standard_Parallel_1",49.0],PARAMETER["Standard_Parallel_2",77.0],'
    'PARAMETER["Latitude_Of_Origin",63.390675],UNIT["Meter",1.0]]'
)


def metres(a, b) -> float:
    """Geodesic distance between two (lon, lat) points."""
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def square(x: float, y: float, size: float) -> list[tuple[float, float]]:
    """A clockwise square ring (a shapefile's outer ring) from its south-west corner."""
    return [(x, y), (x, y + size), (x + size, y + size), (x + size, y), (x, y)]


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- Statistics Canada dissemination areas --------------------------------------------------


def write_da_shapefile(shp: Path, das: list[tuple[list, tuple]]) -> Path:
    """A StatCan DA boundary shapefile with the publisher's fields and Lambert .prj; das are
    (ring, (DAUID, DGUID, LANDAREA, PRUID))."""
    with shapefile.Writer(str(shp), shapeType=shapefile.POLYGON) as w:
        w.field("DAUID", "C", 8)
        w.field("DGUID", "C", 21)
        w.field("LANDAREA", "N", 19, 4)
        w.field("PRUID", "C", 2)
        for ring, record in das:
            w.poly([ring])
            w.record(*record)
    shp.with_suffix(".prj").write_text(STATCAN_PRJ)
    return shp


@pytest.fixture
def da_shapefile(tmp_path) -> Path:
    x, y = STATCAN_ORIGIN
    return write_da_shapefile(
        tmp_path / "lda_000b21a_e.shp",
        [
            (square(x, y, 1000), ("35440163", "2021S051235440163", 267.6121, "35")),
            (square(x + 5000, y, 500), ("35440164", "2021S051235440164", 61.8838, "35")),
            (square(x - 5000, y, 500), ("24660001", "2021S051224660001", 0.25, "24")),
        ],
    )


def test_statcan_da_shapefile_reprojects_from_lambert_and_keeps_land_area(da_shapefile):
    assert recognise(da_shapefile).kind == "statcan_da_boundaries"
    data = read_place_file(da_shapefile, id_prefix="3544")
    assert [(a.id, a.level, a.name, a.land_area_km2) for a in data.areas] == [
        ("35440163", "DA", "DA 35440163", 267.6121),
        ("35440164", "DA", "DA 35440164", 61.8838),
    ]
    assert data.areas[0].codes == {"dguid": "2021S051235440163", "pruid": "35"}
    corner = data.areas[0].geometry["coordinates"][0][0]
    assert metres(corner, STATCAN_ORIGIN_WGS84) < 1.0
    # the other corners lie on the central meridian (x = 6,200,000) or east of it
    ring = data.areas[0].geometry["coordinates"][0]
    assert len(ring) == 5 and ring[1][0] == pytest.approx(STATCAN_ORIGIN_WGS84[0], abs=1e-6) and ring[2][0] > ring[1][0]
    assert data.summary() == "2 areas"


def test_statcan_da_zip_is_read_like_the_shapefile(da_shapefile, tmp_path):
    archive = tmp_path / "lda_000b21a_e.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in da_shapefile.parent.glob("lda_000b21a_e.*"):
            zf.write(part, part.name)
    assert recognise(archive).kind == "statcan_da_boundaries"
    assert [a.id for a in read_place_file(archive, ids={"24660001"}).areas] == ["24660001"]


# --- ONS LSOA boundaries: GeoJSON (BNG and WGS84) and GeoPackage ----------------------------


def lsoa_geojson(path: Path, crs: str | None, ring: list) -> Path:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"FID": 1, "LSOA21CD": "E01006074", "LSOA21NM": "Trafford 025A", "LSOA21NMW": ""},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
            {
                "type": "Feature",
                "properties": {"FID": 2, "LSOA21CD": "E01000001", "LSOA21NM": "City of London 001A", "LSOA21NMW": ""},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
        ],
    }
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path


def test_ons_lsoa_geojson_in_british_national_grid(tmp_path):
    ring = [list(p) for p in square(*AB10AA_BNG, 100)]
    path = lsoa_geojson(tmp_path / "LSOA_2021_EW_BGC.geojson", "urn:ogc:def:crs:EPSG::27700", ring)
    assert recognise(path).kind == "ons_lsoa_boundaries"
    data = read_place_file(path, name_prefix="Trafford ")
    assert [(a.id, a.name, a.level, a.land_area_km2) for a in data.areas] == [
        ("E01006074", "Trafford 025A", "LSOA21", None)
    ]
    assert metres(data.areas[0].geometry["coordinates"][0][0], AB10AA_WGS84) < 1.0


def test_ons_lsoa_geojson_in_wgs84_keeps_its_coordinates(tmp_path):
    ring = [[-2.3, 53.4], [-2.3, 53.41], [-2.29, 53.41], [-2.3, 53.4]]
    data = read_place_file(lsoa_geojson(tmp_path / "lsoa.geojson", None, ring))
    assert data.areas[1].geometry == {"type": "Polygon", "coordinates": [ring]}


def gpkg_blob(geom, srs_id: int, envelope: bool) -> bytes:
    flags = 0b0000_0001 | (0b0000_0010 if envelope else 0)  # little-endian header, xy envelope or none
    minx, miny, maxx, maxy = geom.bounds
    head = b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
    return head + (struct.pack("<4d", minx, maxx, miny, maxy) if envelope else b"") + shapely.to_wkb(geom)


def write_geopackage(path: Path, rows: list[tuple[str, str, object, bool]]) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        PRAGMA application_id = 1196444487;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
            description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT,
            description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
            max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
        CREATE TABLE "LSOA_2021_EW_BGC_V5" (fid INTEGER PRIMARY KEY AUTOINCREMENT, SHAPE MULTIPOLYGON,
            LSOA21CD TEXT, LSOA21NM TEXT, LSOA21NMW TEXT, BNG_E INTEGER, BNG_N INTEGER, LAT REAL, LONG REAL,
            GlobalID TEXT);
        INSERT INTO gpkg_spatial_ref_sys VALUES ('OSGB36 / British National Grid', 27700, 'EPSG', 27700,
            'undefined', NULL);
        INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
            VALUES ('LSOA_2021_EW_BGC_V5', 'features', 'LSOA_2021_EW_BGC_V5', 27700);
        INSERT INTO gpkg_geometry_columns VALUES ('LSOA_2021_EW_BGC_V5', 'SHAPE', 'MULTIPOLYGON', 27700, 0, 0);
        """
    )
    for code, name, geom, envelope in rows:
        conn.execute(
            'INSERT INTO "LSOA_2021_EW_BGC_V5" (SHAPE, LSOA21CD, LSOA21NM, LSOA21NMW, BNG_E, BNG_N, GlobalID)'
            " VALUES (?, ?, ?, '', 0, 0, '')",
            [gpkg_blob(geom, 27700, envelope), code, name],
        )
    conn.commit()
    conn.close()
    return path


def test_ons_lsoa_geopackage_in_british_national_grid(tmp_path):
    near = shapely.MultiPolygon([shapely.Polygon(square(*AB10AA_BNG, 100)[::-1])])
    far = shapely.Polygon(square(AB10AA_BNG[0] + 1000, AB10AA_BNG[1], 100))
    path = write_geopackage(
        tmp_path / "LSOA_2021_EW_BGC_V5.gpkg",
        [("E01006074", "Trafford 025A", near, True), ("E01006075", "Trafford 025B", far, False)],
    )
    assert recognise(path).kind == "ons_lsoa_boundaries"
    data = read_place_file(path)
    assert [(a.id, a.name, a.geometry["type"]) for a in data.areas] == [
        ("E01006074", "Trafford 025A", "MultiPolygon"),
        ("E01006075", "Trafford 025B", "Polygon"),
    ]
    assert metres(data.areas[0].geometry["coordinates"][0][0][0], AB10AA_WGS84) < 1.0
    # 1 km east of the first square, within a metre
    east = data.areas[1].geometry["coordinates"][0][0]
    assert metres(east, data.areas[0].geometry["coordinates"][0][0][0]) == pytest.approx(1000, abs=1.0)


def test_geopackage_with_two_layers_asks_which(tmp_path):
    path = write_geopackage(tmp_path / "two.gpkg", [])
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('other', 'features', 27700)")
    conn.commit()
    conn.close()
    with pytest.raises(PlaceFileError, match="2 feature layers"):
        read_place_file(path)


# --- English Indices of Deprivation, File 7 ---------------------------------------------------

DOMAIN_STEMS = [
    ("Index of Multiple Deprivation (IMD)", "Index of Multiple Deprivation (IMD) Score"),
    ("Income", "Income Score (rate)"),
    ("Employment", "Employment Score (rate)"),
    ("Education, Skills and Training", "Education, Skills and Training Score"),
    ("Health Deprivation and Disability", "Health Deprivation and Disability Score"),
    ("Crime", "Crime Score"),
    ("Barriers to Housing and Services", "Barriers to Housing and Services Score"),
    ("Living Environment", "Living Environment Score"),
    (
        "Income Deprivation Affecting Children Index (IDACI)",
        "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
    ),
]


def file7_header(lsoa_year: str, lad_year: str, population: str) -> list[str]:
    header = [f"LSOA code ({lsoa_year})", f"LSOA name ({lsoa_year})"]
    header += [f"Local Authority District code ({lad_year})", f"Local Authority District name ({lad_year})"]
    for stem, score in DOMAIN_STEMS:
        header += [
            score,
            f"{stem} Rank (where 1 is most deprived)",
            f"{stem} Decile (where 1 is most deprived 10% of LSOAs)",
        ]
    return header + [population, "Dependent Children aged 0-15: mid 2022"]


def file7_row(code: str, name: str, imd: tuple, population: int) -> list:
    row = [code, name, "E08000009", "Trafford", *imd]
    for i in range(1, len(DOMAIN_STEMS)):
        row += [0.1 * i, 1000 * i, i]
    return row + [population, 300]


def test_iod_2025_file7_gives_scores_ranks_deciles_core20_and_population(tmp_path):
    header = file7_header("2021", "2024", "Total population: mid 2022")
    path = write_csv(
        tmp_path / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
        header,
        [
            file7_row("E01006112", "Trafford 001D", (52.1, 1200, 1), 1900),
            file7_row("E01006110", "Trafford 001B", (38.5, 5000, 2), 1600),
            file7_row("E01006074", "Trafford 025A", (19.729, 14918, 5), 1634),
            file7_row("E01006075", "Trafford 025B", (8.0, 20000, 11), 1500),  # decile 11 does not exist
        ],
    )
    assert recognise(path).kind == "iod_file7"
    data = read_place_file(path)
    assert data.level == "LSOA21"
    imd = [v for v in data.indices if v.key == "imd2025"]
    assert [(v.area_id, v.score, v.rank, v.decile, v.core20) for v in imd] == [
        ("E01006112", 52.1, 1200, 1, True),
        ("E01006110", 38.5, 5000, 2, True),
        ("E01006074", 19.729, 14918, 5, False),
    ]
    assert (imd[0].index, imd[0].direction, imd[0].most_deprived_band, imd[0].scope, imd[0].scope_area) == (
        "IMD 2025",
        "higher is more deprived",
        1,
        "national",
        "England",
    )
    income = next(v for v in data.indices if v.key == "imd2025_income" and v.area_id == "E01006074")
    assert (income.index, income.score, income.rank, income.decile, income.core20) == (
        "IMD 2025 — income",
        pytest.approx(0.1),
        1000,
        1,
        None,
    )
    assert sorted({v.key for v in data.indices}) == sorted(
        ["imd2025"]
        + [
            f"imd2025_{k}"
            for k in ("income", "employment", "education", "health", "crime", "barriers", "living_environment", "idaci")
        ]
    )
    assert data.population == {"E01006112": 1900, "E01006110": 1600, "E01006074": 1634}
    assert data.errors == [(5, "E01006075: IMD decile '11' is outside 1..10")]
    assert data.summary() == "population 5,134, deprivation for 3, 2 in Core20, 1 rows rejected"


def test_iod_2019_file7_is_on_2011_lsoas(tmp_path):
    header = file7_header("2011", "2019", "Total population: mid 2015 (excluding prisoners)")
    path = write_csv(
        tmp_path / "iod2019.csv", header, [file7_row("E01006074", "Trafford 025A", (20.1, 14000, 5), 1500)]
    )
    data = read_place_file(path)
    assert (data.level, data.indices[0].key, data.indices[0].index, data.notes) == ("LSOA11", "imd2019", "IMD 2019", [])


# --- Canadian Index of Multiple Deprivation -------------------------------------------------

CIMD_HEADER = [
    "Dissemination Area (DA)",
    "Province",
    "Dissemination area (DA) Population",
    "Residential instability Quintiles",
    "Residential instability Scores",
    "Economic dependency Quintiles",
    "Economic dependency Scores",
    "Ethno-cultural composition Quintiles",
    "Ethno-cultural composition Scores",
    "Situational vulnerability Quintiles",
    "Situational vulnerability Scores",
]


@pytest.mark.parametrize(
    ("filename", "scope", "area"),
    [
        ("can_scores_quintiles_EN.csv", "national", "Canada"),  # the national file
        ("on_scores_quintiles_EN.csv", "provincial", "Ontario"),  # Ontario's own quintiles
        ("atl_scores_quintiles_EN.csv", "regional", "Atlantic region"),
    ],
)
def test_cimd_dimensions_with_the_scope_of_their_quintiles(tmp_path, filename, scope, area):
    path = write_csv(
        tmp_path / filename,
        CIMD_HEADER,
        [
            ["35440163", "Ontario", 744, 2, -0.325, 5, 0.945, 1, -0.853, 2, -0.577],
            ["35200001", "Ontario", 500, 5, 1.2, 1, -1.1, 5, 2.3, 4, 0.6],
        ],
    )
    assert recognise(path).kind == "cimd"
    data = read_place_file(path, id_prefix="3544")
    assert [(v.key, v.index, v.score, v.quintile) for v in data.indices] == [
        ("cimd2021_residential_instability", "CIMD 2021 — residential instability", -0.325, 2),
        ("cimd2021_economic_dependency", "CIMD 2021 — economic dependency", 0.945, 5),
        ("cimd2021_ethnocultural_composition", "CIMD 2021 — ethno-cultural composition", -0.853, 1),
        ("cimd2021_situational_vulnerability", "CIMD 2021 — situational vulnerability", -0.577, 2),
    ]
    assert {(v.area_id, v.scope, v.scope_area, v.most_deprived_band) for v in data.indices} == {
        ("35440163", scope, area, 5)
    }
    assert data.population == {"35440163": 744}


def test_cimd_2016_prcdda_key_and_an_unstated_scope(tmp_path):
    path = write_csv(tmp_path / "cimd.csv", ["PRCDDA", *CIMD_HEADER[1:]], [["35440163", "Ontario", 744] + [3, 0.1] * 4])
    data = read_place_file(path)
    assert {v.area_id for v in data.indices} == {"35440163"}
    assert data.indices[0].scope == "unstated"
    assert data.notes == ["the file name does not say whether quintiles are national or provincial: pass scope_area"]


# --- Census Profile (long, Windows-1252) ----------------------------------------------------

PROFILE_HEADER = (
    "CENSUS_YEAR,DGUID,ALT_GEO_CODE,GEO_LEVEL,GEO_NAME,TNR_SF,TNR_LF,DATA_QUALITY_FLAG,CHARACTERISTIC_ID,"
    "CHARACTERISTIC_NAME,CHARACTERISTIC_NOTE,C1_COUNT_TOTAL,SYMBOL,C2_COUNT_MEN+,SYMBOL,C3_COUNT_WOMEN+,SYMBOL,"
    "C10_RATE_TOTAL,SYMBOL,C11_RATE_MEN+,SYMBOL,C12_RATE_WOMEN+,SYMBOL"
).split(",")
AGES = {
    8: ("Total - Age groups of the population - 100% data", 745),
    9: ("  0 to 14 years", 80),
    10: ("    0 to 4 years", 25),
    11: ("    5 to 9 years", 25),
    12: ("    10 to 14 years", 30),
    13: ("  15 to 64 years", 420),
    **{14 + i: (f"    {15 + 5 * i} to {19 + 5 * i} years", 42) for i in range(10)},
    24: ("  65 years and over", 245),
    25: ("    65 to 69 years", 80),
    26: ("    70 to 74 years", 70),
    27: ("    75 to 79 years", 45),
    28: ("    80 to 84 years", 25),
    30: ("      85 to 89 years", 15),
    31: ("      90 to 94 years", 10),
    32: ("      95 to 99 years", 0),
    33: ("      100 years and over", 0),
}


def profile_row(dguid, level, name, cid, cname, count, rate="", symbol=""):
    alt = dguid[9:]
    return [2021, dguid, alt, level, name, 1.3, 2.6, "00000", cid, cname, "", count, symbol, "", "", "", "", rate, ""]


def test_census_profile_reads_population_ages_low_income_language_and_indigenous_identity(tmp_path):
    da, level, name = "2021S051235440163", "Dissemination area", "35440163"
    rows = [
        profile_row("2021A000235", "Province", "Ontario", 1, "Population, 2021", 14223942),
        profile_row(da, level, name, 1, "Population, 2021", 744),
        *[profile_row(da, level, name, cid, cname, count) for cid, (cname, count) in AGES.items()],
        profile_row(
            da,
            level,
            name,
            345,
            "Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)",
            "",
            12.5,
        ),
        profile_row(
            da,
            level,
            name,
            383,
            "Total - Knowledge of official languages for the total population excluding institutional residents - 100% data",
            740,
        ),
        profile_row(da, level, name, 384, "  English only", 700),
        profile_row(da, level, name, 387, "  Neither English nor French", "", symbol="x"),
        profile_row(
            da,
            level,
            name,
            1402,
            "Total - Indigenous identity for the population in private households - 25% sample data",
            735,
        ),
        profile_row(da, level, name, 1403, "  Indigenous identity", 35),
        profile_row(da, level, name, 1404, "    Single Indigenous responses", 30),  # not read
        # a census subdivision with a Windows-1252 name, as in StatCan's files
        profile_row("2021A00052425213", "Census subdivision", "L\xe9vis", 1, "Population, 2021", 149683),
    ]
    path = tmp_path / "98-401-X2021006_English_CSV_data_Ontario.csv"
    write_csv(path, PROFILE_HEADER, [r + [""] * 4 for r in rows], encoding="cp1252")
    assert recognise(path).kind == "statcan_census_profile"
    data = read_place_file(path)
    assert data.population == {"35440163": 744}
    assert data.age_bands[0].total == 745
    assert data.age_bands[0].broad == {"0-14": 80, "15-64": 420, "65+": 245}
    assert data.age_bands[0].five_year["0-4"] == 25
    assert data.age_bands[0].five_year["60-64"] == 42
    assert data.age_bands[0].five_year["100+"] == 0
    assert len(data.age_bands[0].five_year) == 21
    assert [(s.key, s.value, s.unit) for s in data.stats] == [
        ("low_income_lim_at_pct", 12.5, "%"),
        ("official_languages_total", 740, "people"),
        ("knows_english_only", 700, "people"),
        ("knows_neither_official_language", None, "people"),
        ("indigenous_identity_total", 735, "people"),
        ("indigenous_identity", 35, "people"),
    ]
    assert data.skipped == {"suppressed values": 1, "geographies other than Dissemination area": 2}
    assert data.notes == []
    every_level = read_place_file(path, geo_level=None)
    assert every_level.population == {"35": 14223942, "35440163": 744, "2425213": 149683}


def test_census_profile_never_reads_a_characteristic_under_another_name(tmp_path):
    path = write_csv(
        tmp_path / "profile.csv",
        PROFILE_HEADER,
        [
            profile_row(
                "2021S051235440163", "Dissemination area", "x", 345, "Median total income of household ($)", 80000
            )
            + [""] * 4
        ],
    )
    data = read_place_file(path)
    assert data.stats == []
    assert data.notes == [
        "characteristic 345 is 'Median total income of household ($)' in this file, not "
        "'Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)': not read"
    ]


# --- ONS mid-year population estimates ------------------------------------------------------

SAPE_HEADER = ["LAD 2021 Code", "LAD 2021 Name", "LSOA 2021 Code", "LSOA 2021 Name", "Total"]
SAPE_HEADER += [f"F{a}" for a in range(91)] + [f"M{a}" for a in range(91)]


def sape_row(code: str, name: str) -> list:
    """Two people of each age 0-49 (one F, one M), one woman of each age 50-90: 141 people."""
    return ["E08000009", "Trafford", code, name, 141] + [1] * 91 + [1 if a < 50 else 0 for a in range(91)]


EXPECTED_BROAD = {"0-15": 32, "16-64": 83, "65+": 26}


def test_ons_single_year_estimates_become_bands(tmp_path):
    path = write_csv(
        tmp_path / "sapelsoasyoa20222024.csv",
        SAPE_HEADER,
        [sape_row("E01006074", "Trafford 025A"), sape_row("E01000001", "City of London 001A")],
    )
    assert recognise(path).kind == "ons_population"
    data = read_place_file(path, name_prefix="Trafford ")
    assert (data.level, data.population, data.population_label) == ("LSOA21", {"E01006074": 141}, "Total")
    bands = data.age_bands[0]
    assert bands.broad == EXPECTED_BROAD
    assert (bands.five_year["0-4"], bands.five_year["45-49"], bands.five_year["50-54"], bands.five_year["90+"]) == (
        10,
        10,
        5,
        1,
    )
    assert list(bands.five_year)[-2:] == ["85-89", "90+"]


def test_ons_population_rows_whose_ages_do_not_add_up_are_rejected(tmp_path):
    bad = sape_row("E01006075", "Trafford 025B")
    bad[4] = 150
    path = write_csv(tmp_path / "sape.csv", SAPE_HEADER, [sape_row("E01006074", "Trafford 025A"), bad])
    data = read_place_file(path)
    assert list(data.population) == ["E01006074"]
    assert data.errors == [(3, "E01006075: ages add up to 141, not the total 150")]


def test_ons_population_workbook_with_title_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Mid-2022 LSOA 2021"
    ws.append(["Mid-2022 population estimates for Lower layer Super Output Areas in England and Wales"])
    ws.append(["This worksheet contains one table."])
    ws.append(["Source: Office for National Statistics"])
    ws.append(SAPE_HEADER)
    ws.append(sape_row("E01006074", "Trafford 025A"))
    path = tmp_path / "sapelsoasyoa20222024.xlsx"
    wb.save(path)
    assert recognise(path).kind == "ons_population"
    data = read_place_file(path)
    assert data.population == {"E01006074": 141}
    assert data.age_bands[0].broad == EXPECTED_BROAD


# --- Postcodes: ONSPD (two layouts), Code-Point Open ----------------------------------------

ONSPD_2024 = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrdind,oshlthau,"
    "nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,casward,park,lsoa01,msoa01,ur01ind,oac01,"
    "oa11,lsoa11,msoa11,wz11,sicbl,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,oa21,lsoa21,"
    "msoa21"
).split(",")
ONSPD_2025 = (
    "pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty25cd,ced25cd,lad25cd,wd25cd,"
    "nhser24cd,ctry25cd,rgn25cd,pcon24cd,ttwa15cd,itl25cd,npark16cd,lsoa21cd,msoa21cd,wz11cd,sicbl24cd,bua24cd,"
    "ruc21ind,oac11ind,lat,long,lep21cd1,lep21cd2,pfa23cd,imd20ind,icb23cd"
).split(",")


def onspd_row(header: list[str], **values) -> list[str]:
    return [str(values.get(h, "")) for h in header]


@pytest.mark.parametrize(("header", "lsoa"), [(ONSPD_2024, "lsoa21"), (ONSPD_2025, "lsoa21cd")])
def test_onspd_live_postcodes_with_their_lsoa(tmp_path, header, lsoa):
    path = write_csv(
        tmp_path / "ONSPD_FEB_2025_UK.csv",
        header,
        [
            onspd_row(header, pcds="M15 4AB", dointr="198001", lat="53.465578", long="-2.26046", **{lsoa: "E01034001"}),
            onspd_row(header, pcds="M15 4AD", dointr="198001", doterm="201012", lat="53.4649", long="-2.2607"),
            onspd_row(header, pcds="BT1 1AA", dointr="198001", lat="99.999999", long="0.000000"),
            onspd_row(
                header, pcds="WA14 2DD", dointr="198001", lat="53.384527", long="-2.351613", **{lsoa: "E01006081"}
            ),
        ],
    )
    assert recognise(path).kind == "onspd"
    data = read_place_file(path)
    assert [(p.postcode, p.outward, p.longitude, p.latitude, p.area_id) for p in data.postcodes] == [
        ("M15 4AB", "M15", -2.26046, 53.465578, "E01034001"),
        ("WA14 2DD", "WA14", -2.351613, 53.384527, "E01006081"),
    ]
    assert data.level == "LSOA21"
    assert data.skipped == {"terminated postcodes": 1, "postcodes without coordinates": 1}
    assert data.summary() == "2 postcodes, 1 postcodes without coordinates, 1 terminated postcodes"
    assert [p.postcode for p in read_place_file(path, ids={"E01006081"}).postcodes] == ["WA14 2DD"]
    assert [p.postcode for p in read_place_file(path, bbox=(-2.3, 53.4, -2.2, 53.5)).postcodes] == ["M15 4AB"]


def test_codepoint_open_has_no_header_and_is_in_british_national_grid(tmp_path):
    path = tmp_path / "ab.csv"
    path.write_text(
        '"AB101AA",10,385386,801193,"S92000003","","S08000020","","S12000033","S13002842"\n'
        '"AB1 0AB",90,0,0,"S92000003","","S08000020","","S12000033","S13002842"\n'
    )
    assert recognise(path).kind == "codepoint_open"
    data = read_place_file(path)
    [postcode] = data.postcodes
    assert (postcode.postcode, postcode.outward, postcode.area_id) == ("AB10 1AA", "AB10", None)
    assert metres((postcode.longitude, postcode.latitude), AB10AA_WGS84) < 1.0
    assert data.skipped == {"postcodes without coordinates": 1}
    archive = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(path, "Data/CSV/ab.csv")
        zf.writestr("Doc/Code-Point_Open_Column_Headers.csv", "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC\n")
    assert [p.postcode for p in read_place_file(archive).postcodes] == ["AB10 1AA"]


# --- recognition -----------------------------------------------------------------------------


def test_an_unknown_file_is_refused_with_the_kinds_known_and_the_columns_seen(tmp_path):
    path = write_csv(tmp_path / "mystery.csv", ["name", "value"], [["a", 1]])
    with pytest.raises(PlaceFileError) as caught:
        recognise(path)
    message = str(caught.value)
    assert message.startswith("mystery.csv: not a kind of file I know. I know:\n")
    for label in place_files.KINDS.values():
        assert label in message
    assert message.endswith("Its columns: 'name', 'value'")


def test_an_option_the_reader_does_not_take_is_refused(tmp_path):
    path = write_csv(tmp_path / "sape.csv", SAPE_HEADER, [sape_row("E01006074", "Trafford 025A")])
    with pytest.raises(PlaceFileError, match="unexpected keyword argument 'bbox'"):
        read_place_file(path, bbox=(0, 0, 1, 1))


# --- the embedded Trafford place -------------------------------------------------------------

TRAFFORD = Path(__file__).resolve().parent.parent / "assets_data" / "trafford"


def test_trafford_official_files_load_through_the_coalition_readers():
    place = json.loads((TRAFFORD / "place.json").read_text())
    files = place["files"]
    boundaries = read_place_file(TRAFFORD / files["boundaries"])
    assert (len(boundaries.areas), {a.level for a in boundaries.areas}) == (139, {"LSOA21"})
    ids = {a.id for a in boundaries.areas}
    population = read_place_file(TRAFFORD / files["population"])
    assert (set(population.population), sum(population.population.values())) == (ids, 241_025)
    assert all(sum(b.broad.values()) == b.total == sum(b.five_year.values()) for b in population.age_bands)
    deprivation = read_place_file(TRAFFORD / files["deprivation"])
    assert {v.area_id for v in deprivation.indices} == ids
    assert sum(deprivation.population.values()) == 241_025
    assert deprivation.summary() == "population 241,025, deprivation for 139, 11 in Core20"
    postcodes = read_place_file(TRAFFORD / files["postcodes"])
    assert len(postcodes.postcodes) == 11_264
    assert {p.area_id for p in postcodes.postcodes} == ids
    assert place_files.summarise_place([boundaries, population, deprivation, postcodes]) == (
        "139 areas, population 241,025, deprivation for 139 (11 in Core20), age bands for 139, 11,264 postcodes"
    )
    assert (place["country"], place["timezone"], place["holidays"], place["help_line"]["phone"]) == (
        "GB",
        "Europe/London",
        "GB-ENG",
        "",
    )


def test_trafford_assets_are_valid_import_rows_and_entrances_belong_to_parks():
    import csv

    from assetmap.validation import validate_asset
    from assetmap.vocab.categories import default_categories

    categories = default_categories()
    with (TRAFFORD / "assets.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    problems = [(r["external_id"], check.errors) for r in rows if (check := validate_asset(r, categories)).errors]
    assert problems == []
    assert len({r["external_id"] for r in rows}) == len(rows) == 399
    counts = {}
    for r in rows:
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    assert counts == {"health": 135, "social_services": 58, "culture": 13, "food": 7, "early_years": 2, "parks": 184}
    old = [r for r in rows if r["last_seen"] < "2020"]
    assert old and all("Old record" in r["notes"] for r in old)
    assert all(r["location_precision"] == "postal_code" for r in rows if r["subcategory"] in ("GP practice", "dentist"))
    parks = {r["external_id"] for r in rows if r["category"] == "parks"}
    with (TRAFFORD / "park_entrances.csv").open(newline="", encoding="utf-8") as fh:
        entrances = list(csv.DictReader(fh))
    assert entrances and {e["park_external_id"] for e in entrances} <= parks
