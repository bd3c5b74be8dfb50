"""The SYNTHETIC uptake example (assets_data/examples/): reproducible, true to the real DA totals, and
its deliberately low areas are the ones the computation flags."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from needs_assessment import uptake

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets_data" / "examples"
LOW = ["35440166", "35440177", "35440184", "35440210", "35440211"]  # as the README says


def rows(name):
    with open(EXAMPLES / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def matrices():
    ref = rows("synthetic_uptake_reference.csv")
    bands = [r["age_band"] for r in ref]
    ids = sorted({r["area_id"] for r in rows("synthetic_uptake_population.csv")})
    where = {a: i for i, a in enumerate(ids)}
    population, observed = np.zeros((len(ids), len(bands))), np.zeros((len(ids), len(bands)))
    for table, name, column in ((population, "synthetic_uptake_population.csv", "population"),
                                (observed, "synthetic_uptake_service_use.csv", "count")):  # fmt: skip
        for r in rows(name):
            table[where[r["area_id"]], bands.index(r["age_band"])] = float(r[column])
    events = np.array([float(r["count"]) for r in ref])
    people = np.array([float(r["population"]) for r in ref])
    return ids, population, observed, uptake.reference_standard(events, people)


def test_script_is_deterministic(tmp_path):
    for out in ("a", "b"):
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_uptake_example.py"), "--out",
                        str(tmp_path / out)], check=True, capture_output=True)  # fmt: skip
    for name in ("synthetic_uptake_population.csv", "synthetic_uptake_service_use.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_bands_add_up_to_the_real_da_populations():
    ids, population, _, _ = matrices()
    features = json.loads((ROOT / "assets_data" / "dissemination_areas.geojson").read_text(encoding="utf-8"))
    real = {f["properties"]["dauid"]: f["properties"]["pop_2021"] for f in features["features"]}
    assert len(ids) == 105 and "35440255" not in ids  # Wahta (no count) and the 0-people DA left out
    assert population.sum(1).tolist() == [float(real[i]) for i in ids]


def test_deliberately_low_areas_are_flagged():
    ids, population, observed, standard = matrices()
    for std in (standard, None):  # reference and internal standard
        result = uptake.assess(population, observed, standard=std)
        lower = [ids[i] for i in np.flatnonzero(result.significance_95 == uptake.LOWER)]
        assert lower == LOW
    assert "SYNTHETIC" in (EXAMPLES / "README.md").read_text(encoding="utf-8")
