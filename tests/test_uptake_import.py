"""Loading realised-uptake data: the example files through the commands, bad rows by row number with
nothing half-saved, re-imports that replace, band populations that disagree with the census, and
postal codes / FSAs shared over areas by population (hand-checked with a tiny postal table)."""

from pathlib import Path

import pytest

from assetmap import store
from assetmap.errors import InvalidParameter
from assetmap.services import uptake_import

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "assets_data" / "examples"
SERVICE = "Example community nursing visits"


def load_example(runner, period="2025"):
    """The README walk-through's three commands on the SYNTHETIC example files."""
    first = runner.invoke(args=["import-population-bands", str(EXAMPLES / "synthetic_uptake_population.csv")])
    second = runner.invoke(
        args=[
            "import-service-use",
            str(EXAMPLES / "synthetic_uptake_service_use.csv"),
            "--service",
            SERVICE,
            "--period",
            period,
            "--reference",
            str(EXAMPLES / "synthetic_uptake_reference.csv"),
            "--reference-label",
            "Fictional province (synthetic)",
            "--source",
            "SYNTHETIC example (assets_data/examples), not real data",
        ]
    )
    return first, second


def test_the_example_loads_through_the_commands(runner, db):
    first, second = load_example(runner)
    assert first.exit_code == 0, first.output
    assert "synthetic_uptake_population.csv: 840 rows saved: 105 areas in 8 age bands, total 66,674." in first.output
    assert second.exit_code == 0, second.output
    assert "synthetic_uptake_service_use.csv: 840 rows saved: 105 areas in 8 age bands, total 1,779." in second.output
    assert "2 of 107 areas have no row: their count is 0" in second.output  # Wahta and the DA of 0 people
    bands, people = store.population_bands(db)
    assert bands == ["0-4", "5-14", "15-24", "25-44", "45-64", "65-74", "75-84", "85+"]
    assert people["35440163"]["25-44"] == 128.0 and len(people) == 105
    [use] = store.list_service_uses(db)
    assert (use["service"], use["period"], use["unit"], use["by_band"], use["reference_label"], use["total"]) == (
        SERVICE,
        "2025",
        "people",
        True,
        "Fictional province (synthetic)",
        1779.0,
    )
    assert use["reference"][0] == ["0-4", 3000.0, 750000.0] and len(use["reference"]) == 8
    assert use["source"] == "SYNTHETIC example (assets_data/examples), not real data"
    assert store.population_bands_info(db)["source"] == "synthetic_uptake_population.csv"


def test_reimporting_a_service_and_period_replaces_it(runner, db, tmp_path):
    load_example(runner)
    path = tmp_path / "again.csv"
    path.write_text("area_id,count\n35440163,7\n35440164,3\n")
    result = runner.invoke(args=["import-service-use", str(path), "--service", SERVICE, "--period", "2025"])
    assert result.exit_code == 0, result.output
    [use] = store.list_service_uses(db)
    assert (use["total"], use["by_band"], use["reference"], use["reference_label"]) == (10.0, False, None, "")
    assert sorted(store.service_use_counts(db, use["id"])) == [("35440163", "", 7.0), ("35440164", "", 3.0)]
    other = runner.invoke(args=["import-service-use", str(path), "--service", SERVICE, "--period", "2024"])
    assert other.exit_code == 0
    assert [u["period"] for u in store.list_service_uses(db)] == ["2024", "2025"]


def test_bad_rows_are_listed_by_row_number_and_nothing_is_saved(runner, db, tmp_path):
    load_example(runner)
    before = store.list_service_uses(db)
    path = tmp_path / "bad.csv"
    path.write_text(
        "area_id,age_band,count\n"
        "35440163,0-4,2\n"  # row 2: good
        "35440163,0-4,3\n"  # row 3: twice
        "99999999,0-4,1\n"  # row 4: unknown area
        "35440164,0-3,1\n"  # row 5: unknown band
        "35440165,5-14,-1\n"  # row 6: negative
        "35440165,15-24,lots\n"  # row 7: not a number
        ",25-44,1\n"  # row 8: no area
    )
    result = runner.invoke(args=["import-service-use", str(path), "--service", "New service", "--period", "2025"])
    assert result.exit_code == 1
    assert "bad.csv: 6 problem(s) found; nothing was saved." in result.output
    for line in (
        "row 3: 35440163 with age band '0-4' is given twice (also row 2)",
        "row 4: no area '99999999' is loaded",
        "row 5: unknown age band '0-3'; the population bands are 0-4, 5-14, 15-24, 25-44, 45-64, 65-74, 75-84, 85+",
        "row 6: count must be zero or more, not '-1'",
        "row 7: count must be a number, not 'lots'",
        "row 8: area_id is empty",
    ):
        assert line in result.output
    assert store.list_service_uses(db) == before  # nothing half-saved


def test_population_bands_say_when_they_disagree_with_the_census(runner, db, tmp_path):
    path = tmp_path / "bands.csv"
    # DA 35440163 has 744 people in the census: 700 in bands is 5.9% off; 35440164's 610 + 3 is within 1%.
    people = store.areas_by_ids(db, ["35440164"])[0]["population"]
    path.write_text(f"area_id,age_band,population\n35440163,0-64,600\n35440163,65+,100\n35440164,0-64,{people}\n")
    result = runner.invoke(args=["import-population-bands", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "1 area(s) whose age bands add up to more than 1% away from their population: 35440163 (700 in bands, 744 counted)"
        in result.output
    )
    assert "103 area(s) with people but no age bands" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("area_id,age_band,population\n35440163,0-64,-5\n35440163,,3\n")
    result = runner.invoke(args=["import-population-bands", str(bad)])
    assert result.exit_code == 1 and "row 2: population must be zero or more, not '-5'" in result.output
    assert "row 3: age_band is empty" in result.output
    assert store.population_bands(db)[1]["35440163"] == {"0-64": 600.0, "65+": 100.0}  # the good import stays


def test_population_bands_from_census_indicators(db):
    store.declare_indicators(db, [{"key": "age_0_64", "unit": "people"}, {"key": "age_65_up", "unit": "people"}])
    store.update_area_values(db, {"35440163": {"age_0_64": 600.0, "age_65_up": 144.0}})
    report = uptake_import.import_population_bands(db, from_indicators={"0-64": "age_0_64", "65+": "age_65_up"})
    assert report.saved and (report.rows, report.areas, report.total) == (2, 1, 744.0)
    assert store.population_bands(db) == (["0-64", "65+"], {"35440163": {"0-64": 600.0, "65+": 144.0}})
    with pytest.raises(InvalidParameter, match="no area indicator age_90"):
        uptake_import.import_population_bands(db, from_indicators={"90+": "age_90"})


def test_files_and_options_that_cannot_be_read(runner, tmp_path):
    both = tmp_path / "both.csv"
    both.write_text("area_id,postal_code,count\n35440163,P1H 1A1,3\n")
    result = runner.invoke(args=["import-service-use", str(both), "--service", "S"])
    assert (
        result.exit_code == 1 and "give the place of each count in one column, area_id or postal_code" in result.output
    )
    banded = tmp_path / "banded.csv"
    banded.write_text("area_id,age_band,count\n35440163,0-4,3\n")
    result = runner.invoke(args=["import-service-use", str(banded), "--service", "S"])
    assert "counts by age band need the population by age band first" in result.output  # no bands loaded yet
    result = runner.invoke(args=["import-service-use", str(both), "--service", "S", "--unit", "hugs"])
    assert result.exit_code == 2 and "'hugs' is not one of 'people', 'visits'" in result.output
    result = runner.invoke(args=["import-service-use", str(both), "--service", " "])
    assert "the service name is required" in result.output


class TinyPostalTable:
    """Three postal codes of FSA P1H: two at the centres of two DAs, one far outside the district."""

    def __init__(self, points):
        self.points = points

    def postal_points(self, fsas):
        return [p for p in self.points if p[0][:3] in fsas]


def test_postal_codes_and_fsas_are_shared_by_population(db, tmp_path):
    a, b = store.areas_by_ids(db, ["35440163", "35440164"])
    pa, pb = float(a["population"]), float(b["population"])
    table = TinyPostalTable(
        [("P1H 1A1", a["rep_lat"], a["rep_lon"]), ("P1H 1A2", b["rep_lat"], b["rep_lon"]), ("P1H 1A3", 0.0, 0.0)]
    )
    path = tmp_path / "postal.csv"
    path.write_text("postal_code,count\nP1H 1A1,6\np1h,12\nP1H1A3,2\nK0K,5\nP1H 9Z9,4\nnot a code,1\n")
    report = uptake_import.import_service_use(db, path, service="Postal", geocoder=table)
    assert report.errors == [("row 7", "'not a code' is not a postal code (A1A 1A1) or an FSA (A1A)")]
    path.write_text("postal_code,count\nP1H 1A1,6\np1h,12\nP1H1A3,2\nK0K,5\nP1H 9Z9,4\n")
    report = uptake_import.import_service_use(db, path, service="Postal", geocoder=table)
    assert report.saved and report.errors == []
    # The FSA's three codes: two inside (weights pa and pb), one outside standing for half as many again.
    inside = 1 / 1.5
    counts = {area: count for area, _, count in store.service_use_counts(db, report.use_id)}
    assert counts == pytest.approx(
        {"35440163": 6 + (12 + 4) * inside * pa / (pa + pb), "35440164": (12 + 4) * inside * pb / (pa + pb)}, rel=1e-12
    )
    assert report.unallocated == pytest.approx(16 / 3 + 2 + 5, rel=1e-12)
    assert report.total == pytest.approx(29.0)
    assert "P1H 9Z9 is not in the postal code table: shared over its FSA P1H" in report.warnings
    assert "K0K (row 5): 5.00 not placed (unknown code)" in report.warnings
    assert "P1H 1A3 (row 4): 2.00 not placed (outside the areas)" in report.warnings
    assert "P1H (row 3): 4.00 not placed (outside the areas)" in report.warnings
    [use] = store.list_service_uses(db)
    assert (use["allocated_from"], use["unallocated"]) == ("postal_code", pytest.approx(16 / 3 + 7))


def test_an_fsa_with_the_real_postal_table(runner, db, tmp_path):
    path = tmp_path / "fsa.csv"
    path.write_text("postal_code,count\nP1L,100\n")
    result = runner.invoke(args=["import-service-use", str(path), "--service", "Bracebridge clinic"])
    assert result.exit_code == 0, result.output
    [use] = store.list_service_uses(db)
    counts = store.service_use_counts(db, use["id"])
    assert len(counts) >= 2 and all(area.startswith("3544") for area, _, _ in counts)  # spread over DAs
    assert sum(c for _, _, c in counts) + use["unallocated"] == pytest.approx(100.0)
