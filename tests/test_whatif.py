"""The incremental what-if (needs_assessment.whatif) against a full recompute on the sites after the change."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from needs_assessment import access as fca
from needs_assessment import reach, whatif
from tests.conftest import new_site_in_bracebridge


def place(seed, n_areas=300, n_sites=40):
    """Square-ish areas on a 1 km grid with 16 samples each (some sites on sample points), mixed thresholds."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 40, (n_areas, 2)) * 1000.0 + rng.uniform(-200, 200, (n_areas, 2))
    offsets = (np.arange(4) + 0.5) * 250.0 - 500.0
    grid = np.array([(a, b) for a in offsets for b in offsets])
    xy = (centres[:, None, :] + grid[None]).reshape(-1, 2)
    samples = reach.Samples(np.repeat(np.arange(n_areas), 16), xy, np.full(len(xy), 1 / 16))
    population = rng.uniform(0, 2000, n_areas)
    population[rng.integers(0, n_areas, 5)] = np.nan
    threshold = np.where(rng.random(n_areas) < 0.3, 1_500.0, 6_000.0)
    sites = rng.uniform(0, 40_000, (n_sites, 2))
    sites[:5] = xy[rng.integers(0, len(xy), 5)]  # a site on a sample point: distance 0
    return rng, samples, population, threshold, centres, sites


def change(rng, sites, kind, targets=None):
    """A `keep` mask and added points (near `targets` when given): one site added, one closed, or both and more."""
    keep = np.ones(len(sites), dtype=bool)
    added = np.zeros((0, 2))
    if kind in ("remove", "both"):
        keep[rng.choice(len(sites), 1 if kind == "remove" else 3, replace=False)] = False
    if kind in ("add", "both"):
        n = 1 if kind == "add" else 2
        added = rng.uniform(0, 40_000, (n, 2)) if targets is None else targets[:n] + rng.uniform(-300, 300, (n, 2))
    if kind == "remove-all":
        keep[:] = False
    return keep, added


@pytest.mark.parametrize("with_tree", [False, True])  # a tree of the sites before: closed ones skipped in it
@pytest.mark.parametrize("kind", ["add", "remove", "both", "remove-all"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_coverage_after_equals_full_recompute(seed, kind, with_tree):
    rng, samples, population, threshold, rep, sites = place(seed)
    circuity = 1.3
    before = reach.coverage(samples, population, threshold, rep, sites, circuity)
    keep, added = change(rng, sites, kind, targets=rep[np.argsort(-before.unreached)])
    after_sites = np.vstack([sites[keep], added])
    full = reach.coverage(samples, population, threshold, rep, after_sites, circuity)
    tree = cKDTree(sites) if with_tree else None
    inc = whatif.coverage_after(
        samples, population, threshold, rep, before, sites, keep, added, circuity, sites_tree=tree
    )
    assert np.array_equal(inc.sample_unreached, full.sample_unreached)
    assert np.array_equal(inc.unreached, full.unreached)  # bit for bit, not just close
    assert full.total_unreached != before.total_unreached  # the change mattered: a real test
    untouched = np.setdiff1d(np.arange(len(rep)), inc.changed_areas)
    assert len(untouched) > 0  # and it did not simply search everything again ...
    assert np.array_equal(before.unreached[untouched], full.unreached[untouched])  # ... rightly


def test_coverage_after_adding_to_nothing_and_on_the_threshold():
    # No sites before; the new site sits exactly 1 km (the threshold, circuity 1) from a sample.
    s = reach.Samples(np.array([0, 0, 1]), np.array([[0.0, 0], [0, 2000], [5000, 0]]), np.array([0.5, 0.5, 1]))
    args = (s, np.array([10.0, 7.0]), np.array([1000.0, 1000.0]), np.array([[0.0, 1000], [5000, 0]]))
    before = reach.coverage(*args, np.zeros((0, 2)), circuity=1.0)
    inc = whatif.coverage_after(*args, before, np.zeros((0, 2)), np.zeros(0, bool), np.array([[0.0, 1000]]), 1.0)
    assert inc.sample_unreached.tolist() == [False, False, True]
    assert inc.unreached.tolist() == [0.0, 7.0]


@pytest.mark.parametrize("method", ["2sfca", "e2sfca"])
@pytest.mark.parametrize("kind", ["add", "remove", "both", "remove-all"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_access_after_equals_full_recompute(seed, kind, method):
    rng, _, population, _, rep, sites = place(seed)
    capacity = rng.integers(1, 6, len(sites)).astype(float)
    catchment, circuity = 7_000.0, 1.2
    pairs = fca.catchment_pairs(rep, sites, catchment, circuity)
    before = fca.two_step_fca(pairs, population, capacity, method)
    keep, added = change(rng, sites, kind)
    added_capacity = np.arange(1, len(added) + 1) * 2.0
    full = fca.two_step_fca(
        fca.catchment_pairs(rep, np.vstack([sites[keep], added]), catchment, circuity),
        population,
        np.concatenate([capacity[keep], added_capacity]),
        method,
    )
    inc, changed = whatif.access_after(
        pairs, before, population, capacity, rep, sites, keep, added, added_capacity, circuity, method
    )
    np.testing.assert_allclose(inc, full, rtol=1e-12, atol=1e-15)
    assert not np.allclose(before, full)  # the change mattered
    untouched = np.setdiff1d(np.arange(len(rep)), changed)
    assert len(untouched) > 0 and np.array_equal(inc[untouched], before[untouched])


def test_site_column_is_the_pairs_column():
    rng, _, _, _, rep, sites = place(5)
    pairs = fca.catchment_pairs(rep, sites, 5_000.0, 1.3)
    for j in range(len(sites)):
        rows, weights = whatif.site_column(rep, sites[j], 5_000.0, 1.3, method="e2sfca")
        mask = pairs.supply == j
        order = np.argsort(pairs.demand[mask])
        assert rows.tolist() == pairs.demand[mask][order].tolist()
        assert weights.tolist() == fca.band_weights(pairs.distance_m[mask][order], 5_000.0).tolist()


# --- the service on the embedded Muskoka data, against the full recompute it replaced ----------


def full_recompute(db, category, remove, add, method):
    """scenario_report as it was before the incremental update: coverage and 2SFCA twice, from scratch."""
    from assetmap import store
    from assetmap.services import reach as reach_service
    from assetmap.services.areadata import default_level, load_area_data

    data = load_area_data(db, default_level(db))
    assets = reach_service.assets_for(db, category, True)
    thresholds, _ = reach_service._thresholds(store.get_category(db, category), data, None)
    keep = np.array([i not in remove for i in assets.ids], dtype=bool)
    # Reach is measured to entrances where known, 2SFCA to the sites' own points (as reach_report does).
    sites = {"before": data.proj.xy(assets.lonlat), "after": data.proj.xy(np.vstack([assets.lonlat[keep], add]))}
    gates = {
        "before": data.proj.xy(assets.reach_lonlat()),
        "after": data.proj.xy(np.vstack([assets.reach_lonlat(keep), add])),
    }
    capacity = {"before": assets.capacity, "after": np.concatenate([assets.capacity[keep], np.ones(len(add))])}
    catchment = float(np.median(thresholds))
    out = {}
    for when in ("before", "after"):
        cov = reach.coverage(data.samples, data.population, thresholds, data.rep_xy, gates[when], 1.3)
        pairs = fca.catchment_pairs(data.rep_xy, sites[when], catchment, 1.3)
        out[when] = (cov.unreached, fca.two_step_fca(pairs, data.population, capacity[when], method))
    pop = np.nan_to_num(data.population)
    mean = float((out["before"][1] * pop).sum() / pop.sum())
    return data, out, mean


@pytest.mark.parametrize("method", ["2sfca", "e2sfca"])
@pytest.mark.parametrize("kind", ["add", "remove", "both"])
@pytest.mark.parametrize("category", ["food", "health"])
def test_scenario_report_equals_the_full_recompute(db, category, kind, method):
    from assetmap.services import reach as reach_service

    base = reach_service.reach_report(db, category, include_imprecise=True)
    worst = [a["id"] for a in base["areas"][:2]]
    rows = {r["id"]: r for r in db.query("SELECT id, rep_lon, rep_lat FROM areas")}
    add = [(rows[i]["rep_lon"], rows[i]["rep_lat"]) for i in worst] if kind != "remove" else []
    remove = [a["id"] for a in base["assets"][:: max(1, len(base["assets"]) // 3)]][:3] if kind != "add" else []
    assert_scenario_equals_full_recompute(db, category, add, remove, method)


def assert_scenario_equals_full_recompute(db, category, add, remove, method="2sfca"):
    """scenario_report (incremental, from the cached answer before) against full_recompute, area by area."""
    from assetmap.services import scenario

    report = scenario.scenario_report(
        db, category, {"add": [(lon, lat, 1.0) for lon, lat in add], "remove": remove}, include_imprecise=True,
        method=method,
    )  # fmt: skip
    data, full, mean = full_recompute(db, category, set(remove), np.array(add).reshape(-1, 2), method)
    (before, raw_before), (after, raw_after) = full["before"], full["after"]
    assert report["before"]["unreached_population"] == round(float(before.sum()), 1)
    assert report["after"]["unreached_population"] == round(float(after.sum()), 1)
    assert report["change"] != 0  # a real change
    shown = {a["id"]: a for a in report["areas"]}
    acc_before, acc_after = raw_before / mean, raw_after / mean
    expected = {
        data.ids[i]
        for i in range(len(data.ids))
        if abs(after[i] - before[i]) >= 0.05 or abs(acc_after[i] - acc_before[i]) >= 1e-4
    }
    assert set(shown) == expected
    for i, area_id in enumerate(data.ids):
        if area_id in shown:
            a = shown[area_id]
            assert (a["unreached_before"], a["unreached_after"]) == (round(before[i], 1), round(after[i], 1))
            assert a["access_before"] == pytest.approx(acc_before[i], abs=5e-5)
            assert a["access_after"] == pytest.approx(acc_after[i], abs=5e-5)


SHELTER = 91  # Muskoka Interval House: confidential (demo data)


def _scenario(client, body):
    resp = client.post("/api/reach/scenario", json={"category": "social_services", "include_imprecise": 1, **body})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_closing_or_adding_a_confidential_site_changes_no_figure(db, client):
    add = {"add": [{"lon": -79.4, "lat": 45.2}]}
    plain = _scenario(client, add)
    assert plain["change"] < 0 and plain["areas"]
    # Closing the confidential shelter: it was never used, so the answer is the one without it.
    assert _scenario(client, {**add, "remove": [SHELTER]}) == {**plain, "removed": 1}
    # A new confidential site with an exact point, then the same what-if: the cached answer before
    # is dropped with the data version, and the new one is the same, figure for figure.
    new_site_in_bracebridge(db, confidential=1)
    assert _scenario(client, add) == plain


def test_a_public_site_saved_between_two_what_ifs_is_counted(db, client):
    add = {"add": [{"lon": -79.4, "lat": 45.2}]}
    first = _scenario(client, add)
    new_site_in_bracebridge(db, confidential=0)
    second = _scenario(client, add)
    assert second["before"]["assets_used"] == first["before"]["assets_used"] + 1
    assert second["before"]["unreached_population"] < first["before"]["unreached_population"]
