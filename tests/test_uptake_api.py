"""GET /api/uptake after the example is loaded through the commands: every area's figures equal
needs_assessment.uptake computed directly from the files, with the issue's field names; suppression,
the four classes, the services list, and the 400s and 404s."""

import csv
import math

import numpy as np
import pytest

from assetmap import store
from assetmap.services import reach as reach_service
from needs_assessment import uptake
from tests.test_uptake_import import EXAMPLES, SERVICE, load_example

AREA_FIELDS = {
    "id", "name", "population", "observed", "expected", "rate_per_1000", "ratio", "ratio_low95", "ratio_high95",
    "ratio_low998", "ratio_high998", "ci_method", "significance_95", "significance_998", "distance_class",
}  # fmt: skip
QUERY = "/api/uptake?service=Example%20community%20nursing%20visits"


def rows(name):
    with open(EXAMPLES / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def direct(db, threshold=5, far=None):
    """The same computation straight from the example files and the stored areas (all 107 DAs)."""
    areas = store.list_areas(db, "DA")
    ids = [a["id"] for a in areas]
    ref = rows("synthetic_uptake_reference.csv")
    bands = [r["age_band"] for r in ref]
    population, observed = np.full((len(ids), len(bands)), np.nan), np.zeros((len(ids), len(bands)))
    for r in rows("synthetic_uptake_population.csv"):
        population[ids.index(r["area_id"]), bands.index(r["age_band"])] = float(r["population"])
    for r in rows("synthetic_uptake_service_use.csv"):
        observed[ids.index(r["area_id"]), bands.index(r["age_band"])] = float(r["count"])
    standard = uptake.reference_standard(
        np.array([float(r["count"]) for r in ref]), np.array([float(r["population"]) for r in ref])
    )
    keys = [k for k in store.indicator_keys(db) if k.endswith("_quintile")]
    result = uptake.assess(
        population,
        observed,
        standard=standard,
        population_total=np.array([np.nan if a["population"] is None else a["population"] for a in areas], float),
        deprivation={k: np.array([np.nan if a[k] is None else a[k] for a in areas], float) for k in keys},
        far=far,
        threshold=threshold,
    )
    return ids, result, uptake.to_json(result, ids, [a["name"] for a in areas])


def same(a, b):
    if a is None or b is None or isinstance(b, str):
        return a == b
    return a == pytest.approx(b, rel=1e-12, abs=1e-12)


def test_api_matches_the_computation_on_the_example(runner, client, db):
    load_example(runner)
    body = client.get(QUERY).get_json()
    ids, result, expected = direct(db)
    assert (body["service"], body["period"], body["unit"], body["standardised"], body["reference"]) == (
        SERVICE,
        "2025",
        "people",
        True,
        "Fictional province (synthetic)",
    )
    for key in ("observed", "expected", "ratio", "ratio_low95", "ratio_high95"):
        assert same(body[key], expected["totals"][key]), key
    assert body["observed"] == 1779.0 and body["expected"] == pytest.approx(1842.321, abs=1e-9)
    assert [a["id"] for a in body["areas"]] == ids and len(ids) == 107
    for got, want in zip(body["areas"], expected["areas"], strict=True):
        assert set(got) == AREA_FIELDS
        for key in AREA_FIELDS:
            assert same(got[key], want[key]), (got["id"], key)
    # Hand-checkable area: DA 35440163 (744 people) saw 13 people against 20.08 expected; Byar's limits.
    a = body["areas"][0]
    assert (a["id"], a["population"], a["observed"], a["ci_method"], a["significance_95"]) == (
        "35440163",
        744.0,
        13.0,
        "byars",
        "similar",
    )
    assert a["expected"] == pytest.approx(20.08, abs=1e-9) and a["ratio"] == pytest.approx(13 / 20.08, rel=1e-12)
    z = 1.959963984540054
    assert a["ratio_low95"] == pytest.approx(13 * (1 - 1 / 117 - z / (3 * math.sqrt(13))) ** 3 / 20.08, rel=1e-12)
    lower = sorted(x["id"] for x in body["areas"] if x["significance_95"] == "lower")
    assert lower == ["35440166", "35440171", "35440177", "35440184", "35440210", "35440211"]
    assert sorted(x["id"] for x in body["areas"] if x["significance_998"] == "lower") == ["35440210", "35440211"]
    # Deprivation per dimension and quintile, and the SII: the same numbers.
    for dim, quintiles in expected["deprivation"].items():
        for got, want in zip(body["deprivation"][dim]["quintiles"], quintiles, strict=True):
            assert {k: got[k] for k in ("quintile", "population", "observed", "expected", "ratio")} == {
                k: pytest.approx(want[k], rel=1e-12) if isinstance(want[k], float) else want[k]
                for k in ("quintile", "population", "observed", "expected", "ratio")
            }
        assert body["sii"][dim] == (None if expected["sii"][dim] is None else pytest.approx(expected["sii"][dim]))
    assert body["source"]["source"] == "SYNTHETIC example (assets_data/examples), not real data"


def test_small_counts_are_suppressed_in_the_api(runner, client, db):
    load_example(runner)
    body = client.get(QUERY).get_json()
    hidden = [a for a in body["areas"] if a["observed"] is None and a["population"]]
    assert len(hidden) == body["suppression"]["areas"] == 11 and body["suppression"]["threshold"] == 5
    for a in hidden:  # nothing worked out from a hidden count is shown
        assert [a[k] for k in ("rate_per_1000", "ratio", "ratio_low95", "ratio_high998", "ci_method")] == [None] * 5
        assert (a["significance_95"], a["significance_998"], a["distance_class"]) == (None, None, None)
        assert a["expected"] is not None  # the expected count depends on population only
    small = [a for a in body["areas"] if a["observed"] is not None and 0 < a["observed"] < 5]
    assert small == []


def test_four_classes_from_the_reach_of_a_category(runner, client, db):
    load_example(runner)
    body = client.get(QUERY + "&category=health").get_json()
    reach = reach_service.reach_report(db, "health")  # the estimate itself, not its published rounding
    far = {a["id"]: a["unreached_share"] >= 0.5 for a in reach["areas"]}
    ids = [a["id"] for a in body["areas"]]
    _, _, expected = direct(db, far=np.array([far[i] for i in ids]))
    assert [a["distance_class"] for a in body["areas"]] == [a["distance_class"] for a in expected["areas"]]
    classes = {a["id"]: a["distance_class"] for a in body["areas"]}
    assert all(classes[i] in ("near_lower", "far_lower") for i in ("35440210", "35440211"))
    assert body["distance"]["category"] == "health" and "at least 50%" in body["distance"]["far"]
    assert client.get(QUERY).get_json()["areas"][0]["distance_class"] is None  # no category: no classes
    store.upsert_categories(db, [{"slug": "dentists", "label": "Dentists", "sort_order": 99}])  # no site at all
    body = client.get(QUERY + "&category=dentists").get_json()
    assert body["distance"]["far"] is None and body["distance"]["reason"]
    assert {a["distance_class"] for a in body["areas"]} == {None} and body["ratio"] is not None


def test_services_list_and_errors(runner, client, db):
    assert client.get("/api/uptake/services").get_json() == {"services": []}
    load_example(runner)
    listed = client.get("/api/uptake/services").get_json()["services"]
    assert [(s["service"], [p["period"] for p in s["periods"]]) for s in listed] == [(SERVICE, ["2025"])]
    assert listed[0]["periods"][0]["reference"] == "Fictional province (synthetic)"
    resp = client.get("/api/uptake?service=Dentistry")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == f"no counts are loaded for the service 'Dentistry'; loaded: '{SERVICE}'"
    assert resp.get_json()["services"] == listed
    resp = client.get(QUERY + "&period=1999")
    assert resp.status_code == 404 and "its periods: 2025" in resp.get_json()["error"]
    for query, message in (
        ("/api/uptake", "service is required"),
        (QUERY + "&category=bakeries", "unknown category 'bakeries'"),
        (QUERY + "&circuity=9", "circuity must be between 1 and 3"),
        (QUERY + "&level=LSOA", "level must be one of"),
    ):
        resp = client.get(query)
        assert resp.status_code == 400 and message in resp.get_json()["error"], query


def test_latest_period_by_default_and_crude_without_bands(runner, client, db, tmp_path):
    path = tmp_path / "totals.csv"
    path.write_text("area_id,count\n35440163,20\n35440164,10\n")
    for period in ("2024", "2025"):
        assert (
            runner.invoke(args=["import-service-use", str(path), "--service", "Totals", "--period", period]).exit_code
            == 0
        )
    body = client.get("/api/uptake?service=Totals").get_json()
    assert body["period"] == "2025" and body["standardised"] is False and body["reference"] == "areas"
    # Internal crude standard: 30 events over the district's people; each area's expected = its people x that rate.
    people = {a["id"]: a["population"] for a in store.list_areas(db, "DA")}
    total = sum(p for p in people.values() if p)
    a = next(x for x in body["areas"] if x["id"] == "35440163")
    assert a["expected"] == pytest.approx(people["35440163"] * 30 / total, rel=1e-12)
    assert a["ratio"] == pytest.approx(20 / a["expected"], rel=1e-12)
