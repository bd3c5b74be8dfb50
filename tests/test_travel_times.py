"""Travel-time matrices: parsing wide and long CSV, resolving names, and reach / 2SFCA from the matrix."""

import numpy as np
import pytest
from scipy import sparse

from assetmap.formats.travel_times import (
    TravelTimeFileError,
    build_lookup,
    parse_travel_times,
    read_travel_times,
    resolve_travel_times,
)
from needs_assessment import access, traveltime

# Areas 1-6 (F = 6 is not in the file); assets 10 Clinic, 11 Pantry, 12 Library.
AREAS = build_lookup(
    [(str(i), i) for i in range(1, 7)] + list(zip(["A", "B", "C", "D", "E", "F"], range(1, 7), strict=True))
)
ASSETS = build_lookup([("Clinic", 10), ("Pantry", 11), ("Library", 12), ("osm:node/5", 12)])
POPULATION = np.array([1200.0, 850.0, 430.0, 2210.0, 75.0, 990.0])

WIDE = """area,Clinic,Pantry,Library,Ghost
A,12,47.5,9999,1
B,31,,44.9,1
C,-1,45,30,1
D,29.99,52,61,1
E,,,NA,1
X,5,5,5,1
"""


def resolved(text, **kw):
    return resolve_travel_times(parse_travel_times(text), AREAS, ASSETS, **kw)


# --- parsing ---------------------------------------------------------------------------------------


def test_wide_values_and_unreachable_cells():
    table = parse_travel_times(WIDE)
    assert table.layout == "wide" and table.unit == "minutes"
    assert table.origins == ["A", "B", "C", "D", "E", "X"]
    assert table.destinations == ["Clinic", "Pantry", "Library", "Ghost"]
    tt = resolve_travel_times(table, AREAS, ASSETS)
    assert tt.area_ids == [1, 2, 3, 4, 5, 6] and tt.asset_ids == [10, 11, 12]
    expected = [
        [12.0, 47.5, np.nan],  # 9999 = unreachable
        [31.0, np.nan, 44.9],  # blank
        [np.nan, 45.0, 30.0],  # negative
        [29.99, 52.0, 61.0],
        [np.nan, np.nan, np.nan],  # blank, blank, NA
        [np.nan, np.nan, np.nan],  # F: not in the file
    ]
    np.testing.assert_array_equal(tt.minutes, np.array(expected))
    assert tt.area_in_matrix.tolist() == [True, True, True, True, True, False]
    assert tt.asset_in_matrix.tolist() == [True, True, True]


def test_unknown_columns_and_unmatched_origins_are_reported():
    report = resolved(WIDE).report
    assert (report.unmatched_destinations.count, report.unmatched_destinations.examples) == (1, ("Ghost",))
    assert (report.unmatched_origins.count, report.unmatched_origins.examples) == (1, ("X",))
    assert report.cells == 24 and report.used_cells == 15 and report.unreachable_cells == 6
    assert report.summary().splitlines() == [
        "15 of 24 cells used (6 unreachable)",
        "1 origins matching no area: 'X'",
        "1 destinations matching no asset: 'Ghost'",
    ]


def test_report_keeps_the_first_ten_names_and_counts_the_rest():
    header = "area," + ",".join(f"Nowhere {i}" for i in range(13)) + ",Clinic"
    text = header + "\nA," + ",".join(["1"] * 13) + ",7\n"
    names = resolved(text).report.unmatched_destinations
    assert names.count == 13 and names.examples == tuple(f"Nowhere {i}" for i in range(10))
    assert str(names).endswith("'Nowhere 9' and 3 more")


@pytest.mark.parametrize(
    "header, unit, expected",
    [
        ("from_id,to_id,travel_time", None, 45.0),  # r5py TravelTimeMatrix
        ("from_id,to_id,minutes", None, 45.0),
        ("Origin,Destination,Duration", "seconds", 0.75),
        ("origin_id,destination_id,seconds", None, 0.75),  # unit from the column name
        ("from,to,travel-time,distance_m", "minutes", 45.0),  # extra columns ignored
    ],
)
def test_long_format_variants(header, unit, expected):
    text = f"{header}\n1,Clinic,45{',900' if 'distance' in header else ''}\nB,osm:node/5,9999" + (
        ",1" if "distance" in header else ""
    )
    table = parse_travel_times(text + "\n", unit=unit)
    assert table.layout == "long"
    tt = resolve_travel_times(table, AREAS, ASSETS)
    assert tt.minutes[0, 0] == expected
    assert np.isnan(tt.minutes[1, 2]) and tt.report.unreachable_cells == 1


def test_unit_contradicting_the_column_name_is_an_error():
    with pytest.raises(TravelTimeFileError, match="'seconds' is in seconds, but unit=minutes"):
        parse_travel_times("from_id,to_id,seconds\n1,Clinic,60\n", unit="minutes")


def test_seconds_wide_and_semicolons():
    table = parse_travel_times("area;Clinic;Pantry\nA;90;9999\n", unit="seconds")
    assert table.minutes[0] == 1.5 and np.isnan(table.minutes[1])  # 9999 is checked before conversion


def test_names_match_ignoring_case_and_spaces_and_spreadsheet_ids():
    tt = resolved("area,  clinic ,LIBRARY\n2.0,3,4\n b ,5,6\n")
    assert tt.report.duplicate_cells.count == 2  # "2.0" and " b " are both area 2
    assert tt.minutes[1, [0, 2]].tolist() == [3.0, 4.0]  # the shorter of each duplicate pair


def test_ambiguous_names_and_duplicate_cells_are_reported():
    areas = build_lookup([("1", 1), ("2", 2), ("Bala", 1), ("Bala", 2)])
    tt = resolve_travel_times(
        parse_travel_times("from_id,to_id,minutes\nBala,Clinic,5\n1,Clinic,9\n1,Clinic,7\n1,Pantry,\n1,Pantry,4\n"),
        areas,
        ASSETS,
    )
    assert tt.report.ambiguous_origins.examples == ("Bala",)
    assert tt.report.duplicate_cells.count == 2
    assert tt.report.duplicate_cells.examples == ("1 -> Clinic", "1 -> Pantry")
    assert tt.minutes[0].tolist()[:2] == [7.0, 4.0]  # shortest kept; a time beats "unreachable"
    assert tt.area_in_matrix.tolist() == [True, False]


def test_sparse_output_equals_dense_and_keeps_zero_minutes():
    text = WIDE.replace("A,12,", "A,0,")
    dense = resolved(text).minutes
    sp = resolved(text, dense=False).minutes
    assert isinstance(sp, sparse.csr_matrix) and sp.nnz == int(np.isfinite(dense).sum()) == 9
    back = np.full(dense.shape, np.nan)
    coo = sp.tocoo()
    back[coo.row, coo.col] = coo.data
    np.testing.assert_array_equal(back, dense)
    assert sp[0, 0] == 0.0 and 0 in sp.indices[sp.indptr[0] : sp.indptr[1]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty or has no header"),
        ("\n\n", "empty or has no header"),
        ("area,Clinic\n", "no travel times"),
        ("area,Clinic\nA,twelve\n", "row 2, column 'Clinic': 'twelve' is not a number"),
        ("area,Clinic\nA,1\nB,2,3\n", "row 3: 3 cells, but the header has 2"),
        ("area,Clinic\n,4\n", "row 2: the origin .* is blank"),
        ("area,,Pantry\nA,1,2\n", "column 2 of the header has no destination name"),
        ("area\nA\n", "found a single column"),
        ("from_id,to_id,minutes\nA,,3\n", "row 2: the origin or destination is blank"),
    ],
)
def test_bad_files_raise_a_file_error(text, message):
    with pytest.raises(TravelTimeFileError, match=message):
        parse_travel_times(text)


def test_long_layout_forced_without_a_time_column():
    with pytest.raises(TravelTimeFileError, match="missing time"):
        parse_travel_times("from_id,to_id,km\n1,Clinic,4\n", layout="long")


def test_read_file_not_utf8(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("area,Clinic\nCafé,1\n".encode("latin-1"))
    with pytest.raises(TravelTimeFileError, match="m.csv: not UTF-8"):
        read_travel_times(path)
    path.write_bytes("\ufeffarea,Clinic\nA,1\n".encode())
    assert read_travel_times(path).destinations == ["Clinic"]


# --- reach and access from the matrix: the acceptance case ---------------------------------------


@pytest.mark.parametrize(
    "threshold, assets, unreached",
    [
        # nearest: A 12, B 31, C 30 (library), D 29.99, E none; F excluded (990 people, not counted)
        (30, None, [0, 850, 0, 0, 75, 0]),  # B (31 > 30) and E: 925
        (45, None, [0, 0, 0, 0, 75, 0]),  # only E: 75
        # pantry only: A 47.5, B none, C 45, D 52, E none
        (30, [1], [1200, 850, 430, 2210, 75, 0]),  # everyone in the matrix: 4765
        (45, [1], [1200, 850, 0, 2210, 75, 0]),  # C at exactly 45 is reached: 4335
    ],
)
@pytest.mark.parametrize("dense", [True, False])
def test_unreached_population_at_30_and_45_minutes_to_the_person(threshold, assets, unreached, dense):
    tt = resolved(WIDE, dense=dense)
    r = traveltime.reach_from_matrix(
        tt.minutes,
        POPULATION,
        threshold,
        assets=assets,
        area_in_matrix=tt.area_in_matrix,
        asset_in_matrix=tt.asset_in_matrix,
    )
    assert r.unreached.tolist() == unreached
    assert r.total_unreached == sum(unreached)
    assert r.excluded_areas.tolist() == [5] and r.excluded_population == 990.0
    assert r.total_population == 1200 + 850 + 430 + 2210 + 75


def test_nearest_time_and_asset_per_area_dense_and_sparse():
    for dense in (True, False):
        tt = resolved(WIDE, dense=dense)
        r = traveltime.reach_from_matrix(tt.minutes, POPULATION, 30, area_in_matrix=tt.area_in_matrix)
        assert r.nearest_min[:5].tolist() == [12.0, 31.0, 30.0, 29.99, np.inf]
        assert np.isnan(r.nearest_min[5])
        assert r.nearest_asset.tolist() == [0, 0, 2, 0, -1, -1]


def test_asset_without_a_column_is_excluded_not_unreachable():
    tt = resolved("area,Clinic,Library\nA,50,10\nB,20,\n")
    r = traveltime.reach_from_matrix(
        tt.minutes, POPULATION[:6], 30, asset_in_matrix=tt.asset_in_matrix, area_in_matrix=tt.area_in_matrix
    )
    assert r.excluded_assets.tolist() == [1]  # Pantry
    assert r.unreached.tolist() == [0, 0, 0, 0, 0, 0]


def test_per_area_thresholds():
    minutes = np.array([[20.0], [20.0]])
    r = traveltime.reach_from_matrix(minutes, np.array([10.0, 20.0]), np.array([15.0, 30.0]))
    assert r.unreached.tolist() == [10.0, 0.0]


def test_2sfca_from_matrix_equals_hand_computation():
    tt = resolved(WIDE)
    capacity = np.array([2.0, 1.0, 3.0])  # clinic, pantry, library
    pairs = traveltime.pairs_from_matrix(tt.minutes, catchment_min=45)
    # Pairs within 45 min: A-clinic 12, B-clinic 31, B-library 44.9, C-pantry 45, C-library 30, D-clinic 29.99
    assert sorted(zip(pairs.demand.tolist(), pairs.supply.tolist(), strict=True)) == [
        (0, 0),
        (1, 0),
        (1, 2),
        (2, 1),
        (2, 2),
        (3, 0),
    ]
    r_clinic, r_pantry, r_library = 2 / (1200 + 850 + 2210), 1 / 430, 3 / (850 + 430)
    expected = [r_clinic, r_clinic + r_library, r_pantry + r_library, r_clinic, 0, 0]
    assert access.two_step_fca(pairs, POPULATION, capacity).tolist() == pytest.approx(expected, rel=1e-12)
    # E2SFCA: bands of 15 min with weights 1 / 0.68 / 0.22 (30.0 exactly is in the middle band)
    r_clinic = 2 / (1200 + 0.22 * 850 + 0.68 * 2210)
    r_pantry = 1 / (0.22 * 430)
    r_library = 3 / (0.22 * 850 + 0.68 * 430)
    expected = [r_clinic, 0.22 * (r_clinic + r_library), 0.22 * r_pantry + 0.68 * r_library, 0.68 * r_clinic, 0, 0]
    got = access.two_step_fca(pairs, POPULATION, capacity, method="e2sfca")
    assert got.tolist() == pytest.approx(expected, rel=1e-12)


def test_2sfca_from_sparse_matrix_equals_dense():
    capacity = np.array([2.0, 1.0, 3.0])
    text = WIDE.replace("A,12,", "A,0,")
    dense = traveltime.pairs_from_matrix(resolved(text).minutes, 45)
    sp = traveltime.pairs_from_matrix(resolved(text, dense=False).minutes, 45)
    assert dense.distance.nnz == sp.distance.nnz == 6
    np.testing.assert_array_equal(
        access.two_step_fca(dense, POPULATION, capacity), access.two_step_fca(sp, POPULATION, capacity)
    )
