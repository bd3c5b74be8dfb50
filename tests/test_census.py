"""Census boundaries in any CRS (GeoJSON, zipped shapefile) and profile CSVs joined as indicators."""

import json
import zipfile

import pytest
import shapefile
from pyproj import CRS, Transformer
from shapely.geometry import shape

from assetmap import store
from assetmap.formats import census
from assetmap.formats.area_import import import_areas
from assetmap.formats.tables import ImportFileError

# Two adjacent squares near Bracebridge, in lon/lat.
SQUARES = {
    "35440901": [(-79.32, 45.03), (-79.30, 45.03), (-79.30, 45.05), (-79.32, 45.05), (-79.32, 45.03)],
    "35440902": [(-79.30, 45.03), (-79.28, 45.03), (-79.28, 45.05), (-79.30, 45.05), (-79.30, 45.03)],
}


def projected(ring, epsg):
    to = Transformer.from_crs(4326, epsg, always_xy=True)
    return [tuple(to.transform(lon, lat)) for lon, lat in ring]


def write_statcan_zip(folder, *, with_prj=True):
    """A DA boundary shapefile as Statistics Canada ships it: Lambert (EPSG:3347), DAUID/DGUID/LANDAREA."""
    folder.mkdir()
    with shapefile.Writer(str(folder / "lda_000b21a_e"), shapeType=shapefile.POLYGON) as w:
        w.field("DAUID", "C", 8)
        w.field("DGUID", "C", 21)
        w.field("LANDAREA", "N", 12, 4)
        w.field("PRUID", "C", 2)
        for dauid, ring in SQUARES.items():
            w.poly([projected(ring, 3347)])
            w.record(dauid, f"2021S0512{dauid}", 3.5, "35")
    if with_prj:
        (folder / "lda_000b21a_e.prj").write_text(CRS.from_epsg(3347).to_wkt("WKT1_ESRI"))
    path = folder.parent / "lda_000b21a_e.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    return path


def test_zipped_shapefile_in_statcan_lambert(empty_db, tmp_path):
    report = import_areas(empty_db, write_statcan_zip(tmp_path / "shp"), "DA")
    assert (report.written, report.errors) == (2, [])
    assert report.indicators == []  # PRUID is text, not a statistic
    rows = {r["id"]: r for r in empty_db.query("SELECT * FROM areas")}
    assert set(rows) == set(SQUARES)
    for dauid, ring in SQUARES.items():
        got = shape(json.loads(rows[dauid]["geometry"]))
        assert got.equals_exact(shape({"type": "Polygon", "coordinates": [ring]}), tolerance=1e-7)
        assert rows[dauid]["land_area_km2"] == 3.5  # the file's LANDAREA, not the drawn area
        assert rows[dauid]["rep_lon"] == pytest.approx(sum(x for x, _ in ring[:4]) / 4, abs=0.002)
    assert empty_db.execute("SELECT COUNT(*) FROM area_samples").fetchone()[0] > 100


def test_shapefile_without_prj_needs_a_crs(empty_db, tmp_path):
    path = write_statcan_zip(tmp_path / "shp", with_prj=False)
    report = import_areas(empty_db, path, "DA")
    assert report.written == 0
    assert report.errors[0][1].startswith("coordinate (") and "reproject to WGS84" in report.errors[0][1]
    report = import_areas(empty_db, path, "DA", crs="EPSG:3347")
    assert (report.written, report.errors) == (2, [])


def test_geojson_with_crs_member_uk_lsoas_with_imd(empty_db, tmp_path):
    ring = [(-1.0, 51.0), (-0.99, 51.0), (-0.99, 51.01), (-1.0, 51.01), (-1.0, 51.0)]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"LSOA21CD": "E01000001", "LSOA21NM": "Somewhere 001A", "TotPop": 1500, "IMDScore": 21.4},
                "geometry": {"type": "Polygon", "coordinates": [projected(ring, 27700)]},
            }
        ],
    }
    path = tmp_path / "lsoa.geojson"
    path.write_text(json.dumps(doc))
    report = import_areas(empty_db, path, "LSOA", population_field="totpop")
    assert (report.written, report.errors, report.indicators) == (1, [], ["imdscore"])
    row = next(iter(empty_db.query("SELECT * FROM areas")))
    assert (row["id"], row["name"], row["population"], row["imdscore"]) == ("E01000001", "Somewhere 001A", 1500, 21.4)
    got = shape(json.loads(row["geometry"]))
    assert got.equals_exact(shape({"type": "Polygon", "coordinates": [ring]}), tolerance=1e-6)
    # The same cell measured in an equal-area projection centred on it.
    laea = Transformer.from_crs(4326, "+proj=laea +lat_0=51.005 +lon_0=-0.995 +ellps=WGS84", always_xy=True)
    expected_km2 = shape({"type": "Polygon", "coordinates": [[laea.transform(x, y) for x, y in ring]]}).area / 1e6
    assert row["land_area_km2"] == pytest.approx(expected_km2, abs=1e-4)
    assert row["land_area_km2"] == pytest.approx(0.781, abs=0.001)


def test_bad_boundary_files(empty_db, tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ImportFileError, match="give a GeoJSON file, a .shp or a zipped shapefile"):
        import_areas(empty_db, tmp_path / "a.txt", "DA")
    (tmp_path / "b.zip").write_bytes(b"not a zip")
    with pytest.raises(ImportFileError, match="not a zip file"):
        import_areas(empty_db, tmp_path / "b.zip", "DA")
    (tmp_path / "c.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    with pytest.raises(ImportFileError, match="unknown coordinate reference system 'EPSG:999999'"):
        import_areas(empty_db, tmp_path / "c.geojson", "DA", crs="EPSG:999999")


PROFILE_HEADER = (
    "CENSUS_YEAR,DGUID,ALT_GEO_CODE,GEO_LEVEL,GEO_NAME,TNR_SF,TNR_LF,DATA_QUALITY_FLAG,CHARACTERISTIC_ID,"
    "CHARACTERISTIC_NAME,CHARACTERISTIC_NOTE,C1_COUNT_TOTAL,SYMBOL,C10_RATE_TOTAL,SYMBOL\n"
)


def profile_rows():
    rows = []
    for dguid, code, name, pop, seniors, low in [
        ("2021S051235440901", "35440901", "Bracebridge", "812", "201", "12.5"),
        ("2021S051235440902", "35440902", "Bracebridge", "640", "x", "x"),
        ("2021S0503568", "568", "Barrie – Orillia", "212856", "40000", "9.1"),
    ]:
        rows += [
            f'2021,{dguid},{code},DA,{name},3.1,4.2,0,1,"Population, 2021",,{pop},,,',
            f"2021,{dguid},{code},DA,{name},3.1,4.2,0,24,  65 years and over,,{seniors},,,",
            f'2021,{dguid},{code},DA,{name},3.1,4.2,0,360,"Prevalence of low income based on the Low-income measure, after tax (LIM-AT) (%)",,{low},,,',
            f"2021,{dguid},{code},DA,{name},3.1,4.2,0,1500,  65 years and over,,999,,,",
        ]
    return rows


@pytest.fixture
def two_das(empty_db, tmp_path):
    import_areas(empty_db, write_statcan_zip(tmp_path / "shp"), "DA")
    return empty_db


def test_profile_long_format_joined_on_dguid(two_das, tmp_path):
    path = tmp_path / "98-401-X2021006_English_CSV_data.csv"
    path.write_bytes((PROFILE_HEADER + "\n".join(profile_rows()) + "\n").encode("cp1252"))
    mapping = tmp_path / "map.csv"
    mapping.write_text(
        "indicator,characteristic,value_column,label,unit,direction\n"
        'population,"Population, 2021",C1_COUNT_TOTAL,,,\n'
        "seniors_65plus_2021,65 years and over,,Seniors 65+,people,\n"
        "low_income_pct,360,C1_COUNT_TOTAL,Low income (LIM-AT),%,higher is worse\n"
    )
    report = census.import_profile(two_das, path, mapping)
    assert report.summary() == (
        "4 values for 2 areas in 3 indicators, 2 suppressed, 1 geographies not among the areas, 0 rejected"
    )
    assert dict(report.suppressed) == {"seniors_65plus_2021": 1, "low_income_pct": 1}
    rows = {r["id"]: r for r in two_das.query("SELECT id, population, seniors_65plus_2021, low_income_pct FROM areas")}
    assert rows == {
        "35440901": {"id": "35440901", "population": 812, "seniors_65plus_2021": 201.0, "low_income_pct": 12.5},
        "35440902": {"id": "35440902", "population": 640, "seniors_65plus_2021": None, "low_income_pct": None},
    }
    indicators = {i["key"]: i for i in store.list_indicators(two_das)}
    assert indicators["low_income_pct"] == {
        "key": "low_income_pct",
        "label": "Low income (LIM-AT)",
        "unit": "%",
        "source": "98-401-X2021006_English_CSV_data.csv",
        "direction": "higher is worse",
        "description": "",
        **dict.fromkeys(("index_key", "role", "bands", "most_deprived", "scope")),  # not part of an index
    }
    assert "population" not in indicators


def test_profile_bad_values_are_reported_by_row(two_das, tmp_path):
    rows = profile_rows()
    rows[0] = rows[0].replace(",812,", ",eight hundred,")
    path = tmp_path / "p.csv"
    path.write_text(PROFILE_HEADER + "\n".join(rows) + "\n")
    mapping = tmp_path / "map.csv"
    mapping.write_text('indicator,characteristic\npopulation,"Population, 2021"\n')
    report = census.import_profile(two_das, path, mapping)
    assert report.errors == [(2, "C1_COUNT_TOTAL 'eight hundred' is not a number")]
    assert [r["population"] for r in two_das.query("SELECT population FROM areas ORDER BY id")] == [None, 640]


def test_wide_statistics_file(two_das, tmp_path):
    path = tmp_path / "imd.csv"
    path.write_text("DAUID,Name,Deprivation score\n35440901,A,1.25\n35440902,B,-0.5\n99999999,C,3\n")
    mapping = tmp_path / "map.csv"
    mapping.write_text("indicator,value_column,direction\ndeprivation_score,Deprivation score,higher is worse\n")
    report = census.import_profile(two_das, path, mapping)
    assert (report.values, report.unmatched_geographies) == (2, 1)
    assert [r["deprivation_score"] for r in two_das.query("SELECT deprivation_score FROM areas ORDER BY id")] == [
        1.25,
        -0.5,
    ]


@pytest.mark.parametrize(
    "mapping, message",
    [
        ("indicator\nid\n", "indicator 'id' must be lower_case_with_underscores and not a built-in column"),
        ("indicator,value_column\nBad Key,x\n", "indicator 'Bad Key' must be"),
        ("indicator,characteristic,value_column\nx,,\n", "give a characteristic or a value_column"),
        ("characteristic\n1\n", "needs an 'indicator' column"),
        ("indicator,value_column\nx,NOPE\n", "has no column 'NOPE'"),
    ],
)
def test_bad_mappings(two_das, tmp_path, mapping, message):
    path = tmp_path / "imd.csv"
    path.write_text("DAUID,score\n35440901,1\n")
    (tmp_path / "m.csv").write_text(mapping)
    with pytest.raises(ImportFileError, match=message):
        census.import_profile(two_das, path, tmp_path / "m.csv")


def test_cli_import_census_profile(runner, tmp_path):
    runner.invoke(args=["init-db"])
    result = runner.invoke(args=["import-areas", str(write_statcan_zip(tmp_path / "shp")), "--level", "DA9"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "p.csv"
    rows = profile_rows()
    rows[4] = rows[4].replace(",640,", ",oops,")
    path.write_text(PROFILE_HEADER + "\n".join(rows) + "\n")
    result = runner.invoke(
        args=[
            "import-census-profile",
            str(path),
            "--mapping",
            "assets_data/census_profile_2021_map.csv",
            "--level",
            "DA9",
        ]
    )
    assert result.exit_code == 1
    assert "row 6: C1_COUNT_TOTAL 'oops' is not a number" in result.output
    assert "No values found for: pop_2016, private_dwellings_2021 (check the mapping)" in result.output
    assert f"{path}: 3 values for 2 areas in 5 indicators" in result.output
