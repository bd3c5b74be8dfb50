"""Reach and access measures on tiny hand-computable layouts, against exact geometry and PySAL."""

import numpy as np
import pytest
from shapely.geometry import Point, Polygon, box
from shapely.ops import unary_union

from needs_assessment import access as fca
from needs_assessment import reach
from needs_assessment.geo import LocalProjection, sample_points
from tests.pysal_oracle import access_inputs


def square_samples(n=10, size=1000.0, area=0):
    """n x n sample points at cell centres of a size x size square centred on (0, 0)."""
    step = size / n
    xs = -size / 2 + step / 2 + np.arange(n) * step
    grid = np.array([(x, y) for x in xs for y in xs])
    return reach.Samples(area=np.full(n * n, area), xy=grid, share=np.full(n * n, 1 / (n * n)))


def run(samples, pop, thr, rep, assets, circuity=1.0):
    return reach.coverage(
        samples,
        np.array(pop, float),
        np.array(thr, float),
        np.array(rep, float),
        np.array(assets, float).reshape(-1, 2),
        circuity=circuity,
    )


# --- coverage on hand-computable layouts ------------------------------------------------------


@pytest.mark.parametrize(
    "asset_x, threshold, circuity, unreached",
    [
        (0.0, 800.0, 1.0, 0.0),  # asset in the middle: the farthest corner (707 m) is within 800 m
        (5000.0, 1000.0, 1.0, 100.0),  # 4.5 km from the nearest edge: nobody reached
        (2500.0, 2500.0, 1.0, 50.0),  # the western half is beyond 2.5 km (see the module example)
        (2500.0, 2500.0 * 1.3, 1.3, 50.0),  # same reach expressed in road metres with circuity 1.3
        (2500.0, 2500.0, 1.3, 100.0),  # with circuity 1.3, 2.5 km of road reaches 1.92 km of straight line
    ],
)
def test_one_square_one_asset(asset_x, threshold, circuity, unreached):
    cov = run(square_samples(), [100], [threshold], [[0, 0]], [[asset_x, 0]], circuity)
    assert cov.unreached[0] == pytest.approx(unreached, abs=1e-9)
    assert cov.nearest_m[0] == pytest.approx(asset_x * circuity if asset_x else 0.0)


def test_threshold_is_inclusive():
    one = reach.Samples(area=np.array([0]), xy=np.array([[0.0, 0.0]]), share=np.array([1.0]))
    assert run(one, [10], [1000], [[0, 0]], [[1000, 0]]).unreached[0] == 0.0
    assert run(one, [10], [999.99], [[0, 0]], [[1000, 0]]).unreached[0] == 10.0


def test_no_assets_everyone_unreached():
    cov = run(square_samples(), [100], [1000], [[0, 0]], np.zeros((0, 2)))
    assert cov.unreached.tolist() == [100.0]
    assert np.isinf(cov.nearest_m[0])


def test_per_area_thresholds_and_missing_population():
    # Two point areas 3 km from one asset: the urban one (1.6 km) is unreached, the rural one (16 km) reached.
    s = reach.Samples(area=np.array([0, 1, 2]), xy=np.array([[3000.0, 0], [0, 3000.0], [-3000.0, 0]]), share=np.ones(3))
    thresholds = reach.area_thresholds([800.0, 20.0, None], urban_m=reach.MILE_M, rural_m=10 * reach.MILE_M)
    cov = run(s, [100, 50, np.nan], thresholds, s.xy, [[0, 0]])
    assert cov.unreached.tolist() == [100.0, 0.0, 0.0]  # an unknown population counts as 0 people


def test_centroid_would_misjudge_a_large_rural_area():
    # A 20 km square; the asset sits 2 km outside its east edge; threshold 10 km.
    samples = square_samples(n=20, size=20_000.0)
    cov = run(samples, [1000], [10_000], [[0, 0]], [[12_000, 0]])
    # The centroid is 12 km away (all "unreached"), but the eastern strip is within 10 km.
    assert 0 < cov.unreached[0] < 1000
    assert cov.unreached[0] == pytest.approx(1000 - 1000 * samples_within(samples, [12_000, 0], 10_000), abs=1e-9)


def samples_within(samples, point, radius):
    d = np.hypot(*(samples.xy - np.array(point)).T)
    return float(samples.share[d <= radius].sum())


def test_degree_distances_would_have_failed():
    """At 45°N a degree of longitude is ~79 km, not 111 km: degree maths picks the wrong asset and misjudges reach."""
    proj = LocalProjection(-79.35, 45.1)
    home = (-79.35, 45.1)
    east = (-79.35 + 10_000 / 78_850, 45.1)  # ~10 km east
    north = (-79.35, 45.1 + 10_600 / 111_132)  # ~10.6 km north
    # Naive: distances in degrees, a degree taken as 111 km.
    naive_km = [np.hypot(p[0] - home[0], p[1] - home[1]) * 111 for p in (east, north)]
    assert np.argmin(naive_km) == 1  # degrees say the northern asset is nearer ...
    assert naive_km[0] > 10.5  # ... and the eastern one beyond a 10.5 km threshold
    xy = proj.xy(np.array([home, east, north]))
    metres = np.hypot(*(xy[1:] - xy[0]).T)
    assert np.argmin(metres) == 0 and metres[0] == pytest.approx(10_000, rel=2e-3)  # projected: east is nearer
    one = reach.Samples(area=np.array([0]), xy=xy[:1], share=np.array([1.0]))
    cov = run(one, [100], [10_500], xy[:1], xy[1:2])
    assert cov.unreached[0] == 0.0  # correctly reached; degree maths would have reported 100 people unreached


# --- grid sampling against exact polygon-buffer intersection ----------------------------------


def random_layout(seed):
    """Voronoi-like random areas (in lon/lat near Muskoka), populations and assets."""
    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint

    rng = np.random.default_rng(seed)
    proj = LocalProjection(-79.35, 45.1)
    pts = rng.uniform(-25_000, 25_000, size=(40, 2))
    frame = box(-25_000, -25_000, 25_000, 25_000)
    cells = [c.intersection(frame) for c in voronoi_polygons(MultiPoint(pts)).geoms]
    cells = [c for c in cells if c.area > 0]
    to_lonlat = lambda geom: Polygon(np.column_stack(proj.inverse(*np.array(geom.exterior.coords).T)))  # noqa: E731
    areas_lonlat = [to_lonlat(c) for c in cells]
    population = rng.integers(50, 3000, size=len(cells)).astype(float)
    assets_xy = rng.uniform(-25_000, 25_000, size=(6, 2))
    return proj, areas_lonlat, population, assets_xy


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_grid_sampling_matches_exact_buffer_intersection_within_2_percent(seed):
    proj, areas_lonlat, population, assets_xy = random_layout(seed)
    threshold = 6_000.0
    idx, xy, share = [], [], []
    for i, geom in enumerate(areas_lonlat):
        pts = sample_points(geom)
        idx += [i] * len(pts)
        xy.append(proj.xy(np.array(pts)))
        share += [1 / len(pts)] * len(pts)
    samples = reach.Samples(np.array(idx), np.vstack(xy), np.array(share))
    rep = proj.xy(np.array([[g.representative_point().x, g.representative_point().y] for g in areas_lonlat]))
    cov = reach.coverage(samples, population, np.full(len(population), threshold), rep, assets_xy, circuity=1.0)
    reach_zone = unary_union([Point(a).buffer(threshold, quad_segs=64) for a in assets_xy])
    exact = 0.0
    for geom, pop in zip(areas_lonlat, population, strict=True):
        poly = proj.geometry(geom)
        exact += pop * poly.difference(reach_zone).area / poly.area
    # within 2% of the total population, and the layout is a real test (some reached, some not)
    assert 0.1 * population.sum() < exact < 0.9 * population.sum()
    assert abs(cov.total_unreached - exact) <= 0.02 * population.sum()


def test_sample_points_spread_inside_polygon():
    small = box(-79.31, 45.0, -79.3, 45.005)  # about 0.4 km²: the 64-point floor
    assert 50 <= len(sample_points(small)) <= 90
    geom = box(-79.4, 45.0, -79.3, 45.05)  # about 44 km²: one point per 500 m square
    pts = sample_points(geom)
    assert 150 <= len(pts) <= 200
    assert len(sample_points(box(-80, 45, -79, 46))) <= 1024  # a huge area: capped
    assert all(geom.contains(Point(p)) for p in pts)
    assert sample_points(Point(-79.3, 45.0)) == [(-79.3, 45.0)]


# --- priority groups, quintiles, best site ----------------------------------------------------


def test_group_and_quintile_breakdown():
    unreached = np.array([100.0, 0.0, 30.0])
    pop = np.array([100.0, 200.0, 300.0])
    groups = reach.group_breakdown(unreached, pop, {"no vehicle": np.array([10.0, 50.0, np.nan])})
    assert groups == {"no vehicle": {"population": 60.0, "unreached_population": 10.0, "unreached_share": 10 / 60}}
    rows = reach.band_breakdown(unreached, pop, np.array([5, 1, np.nan]))
    assert rows[0] == {
        "band": 1,
        "quintile": 1,
        "areas": 1,
        "population": 200.0,
        "unreached_population": 0.0,
        "unreached_share": 0.0,
    }
    assert rows[4] == {
        "band": 5,
        "quintile": 5,
        "areas": 1,
        "population": 100.0,
        "unreached_population": 100.0,
        "unreached_share": 1.0,
    }


def test_best_site_prefers_the_weighted_group():
    # Area 0 (west) has more people; area 1 (east) has the priority group.
    s = reach.Samples(area=np.array([0, 1]), xy=np.array([[-5000.0, 0], [5000.0, 0]]), share=np.ones(2))
    cands = np.array([[-5000.0, 0], [5000.0, 0]])
    limits = np.full(2, 1000.0)
    everyone = np.array([500.0, 100.0])
    assert reach.best_site(s, np.array([True, True]), everyone, limits, cands)[:2] == (0, 500.0)
    seniors = np.array([20.0, 60.0])
    assert reach.best_site(s, np.array([True, True]), seniors, limits, cands)[:2] == (1, 60.0)


# --- 2SFCA ------------------------------------------------------------------------------------


def test_2sfca_by_hand():
    # Villages A (100 people) at 0 km and B (300) at 10 km; clinic X (capacity 4) at 2 km, clinic Y (1) at 10 km.
    demand = np.array([[0.0, 0], [10_000, 0]])
    supply = np.array([[2_000.0, 0], [10_000, 0]])
    pairs = fca.catchment_pairs(demand, supply, 9_000, circuity=1.0)
    a = fca.two_step_fca(pairs, np.array([100.0, 300.0]), np.array([4.0, 1.0]))
    # X reaches A (2 km) and B (8 km): R_X = 4/400. Y reaches B only: R_Y = 1/300.
    assert a.tolist() == pytest.approx([4 / 400, 4 / 400 + 1 / 300])
    norm = fca.normalise(a, np.array([100.0, 300.0]))
    assert float((norm * [100, 300]).sum() / 400) == pytest.approx(1.0)
    # E2SFCA: B-X at 8 km is in the last third (weight 0.22); A-X at 2 km in the first (1.0).
    e = fca.two_step_fca(pairs, np.array([100.0, 300.0]), np.array([4.0, 1.0]), method="e2sfca")
    rx = 4 / (100 * 1.0 + 300 * 0.22)
    ry = 1 / (300 * 1.0)
    assert e.tolist() == pytest.approx([rx, 0.22 * rx + ry])


@pytest.mark.parametrize("method", ["2sfca", "e2sfca"])
def test_2sfca_matches_pysal_access(method):
    from access import Access, weights

    rng = np.random.default_rng(7)
    demand_xy = rng.uniform(0, 40_000, size=(120, 2))
    supply_xy = rng.uniform(0, 40_000, size=(25, 2))
    pop = rng.integers(10, 2000, size=120).astype(float)
    cap = rng.integers(1, 10, size=25).astype(float)
    catchment = 8_000.0
    pairs = fca.catchment_pairs(demand_xy, supply_xy, catchment, circuity=1.2)
    ours = fca.two_step_fca(pairs, pop, cap, method=method)
    acc = Access(**access_inputs(pairs, pop, cap))
    if method == "2sfca":
        theirs = acc.two_stage_fca(name="x", max_cost=catchment)
    else:
        fn = weights.step_fn({catchment / 3: 1.0, 2 * catchment / 3: 0.68, catchment: 0.22})
        theirs = acc.enhanced_two_stage_fca(name="x", max_cost=catchment, weight_fn=fn)
    theirs = theirs.iloc[:, 0].reindex(np.arange(120)).fillna(0.0).to_numpy()
    assert pairs.demand.size > 200  # a real test: many pairs
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_2sfca_counts_a_demand_point_on_the_site():
    # A zero distance is a real pair: the village on the clinic's doorstep shares its capacity.
    pairs = fca.catchment_pairs(np.array([[0.0, 0], [500.0, 0]]), np.array([[0.0, 0]]), 1000, circuity=1.0)
    assert sorted(pairs.distance_m.tolist()) == [0.0, 500.0]
    a = fca.two_step_fca(pairs, np.array([30.0, 70.0]), np.array([5.0]))
    assert a.tolist() == pytest.approx([0.05, 0.05])


def test_pairs_are_the_same_whatever_the_chunking():
    rng = np.random.default_rng(3)
    demand, supply = rng.uniform(0, 30_000, (500, 2)), rng.uniform(0, 30_000, (80, 2))
    small = fca.catchment_pairs(demand, supply, 5_000, circuity=1.25, chunk=7, workers=3)
    big = fca.catchment_pairs(demand, supply, 5_000, circuity=1.25, chunk=10_000, workers=1)
    key = lambda p: sorted(zip(p.demand.tolist(), p.supply.tolist(), np.round(p.distance_m, 6).tolist(), strict=True))  # noqa: E731
    assert key(small) == key(big)
    pop, cap = rng.uniform(1, 100, 500), rng.uniform(1, 5, 80)
    np.testing.assert_allclose(fca.two_step_fca(small, pop, cap), fca.two_step_fca(big, pop, cap), atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_pairs_equal_a_kd_tree_sparse_distance_matrix(seed):
    # The strip join must find exactly the pairs a KD-tree finds, with the same distances: random
    # layouts far from the origin, demand outside the supply's extent, and a 1 km grid whose pairs
    # fall exactly on the catchment edge (inclusive).
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    if seed % 2:
        g = np.arange(12) * 1000.0
        demand = np.array([(a, b) for a in g for b in g]) + 4e6
        supply, catchment, circuity = demand[rng.integers(0, len(demand), 12)], 3_000.0, 1.0
    else:
        demand = rng.uniform(-40_000, 40_000, (300, 2)) + [5e5, 5e6]
        supply = rng.uniform(-20_000, 20_000, (70, 2)) + [5e5, 5e6]
        catchment, circuity = rng.uniform(6_000, 15_000), 1.3
    pairs = fca.catchment_pairs(demand, supply, catchment, circuity=circuity, chunk=13)
    reach_m = catchment / circuity * (1 + 1e-12)
    kd = cKDTree(demand).sparse_distance_matrix(cKDTree(supply), reach_m, output_type="ndarray")
    ours = sorted(zip(pairs.demand.tolist(), pairs.supply.tolist(), pairs.distance_m.tolist(), strict=True))
    theirs = sorted(zip(kd["i"].tolist(), kd["j"].tolist(), (kd["v"] * circuity).tolist(), strict=True))
    assert len(ours) > 50
    assert ours == theirs
    if seed % 2:
        assert 3_000.0 in pairs.distance_m  # the edge case was exercised


@pytest.mark.parametrize("seed", range(40))
def test_coverage_equals_searching_every_sample(seed):
    # The shortcuts (whole areas in or out, then samples settled by the representative point's
    # nearest asset) must give exactly what a KD-tree search of every sample gives: grids whose
    # distances fall exactly on the threshold, assets on sample points, shuffled samples, mixed thresholds.
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    n, side = int(rng.integers(1, 150)), int(rng.choice([1, 2, 4, 8]))
    cell = float(rng.choice([100.0, 1000.0, 5000.0]))
    centres = rng.integers(0, 25, (n, 2)) * cell
    offsets = (np.arange(side) + 0.5) * cell / side - cell / 2
    grid = np.array([(a, b) for a in offsets for b in offsets])
    xy = (centres[:, None, :] + grid[None]).reshape(-1, 2)
    area = np.repeat(np.arange(n), len(grid))
    if seed % 4 == 0:
        perm = rng.permutation(len(area))
        area, xy = area[perm], xy[perm]
    samples = reach.Samples(area, xy, np.full(len(area), 1 / len(grid)))
    population = rng.uniform(0, 1000, n)
    m = int(rng.integers(1, 25))
    assets = xy[rng.integers(0, len(xy), m)] + (0.0 if seed % 2 else rng.normal(0, cell, (m, 2)))
    circuity = float(rng.choice([1.0, 1.3]))
    threshold = np.where(rng.random(n) < 0.5, cell * rng.choice([1, 2, 3.5]), cell * rng.choice([5, 10])) * circuity
    cov = reach.coverage(samples, population, threshold, centres.astype(float), assets, circuity)
    d, _ = cKDTree(assets).query(xy, k=1)
    every = d > reach.reach_bound_m(threshold, circuity)[area]
    assert np.array_equal(cov.sample_unreached, every)
    assert np.array_equal(cov.unreached, reach.unreached_people(samples, every, population))


def test_kept_demand_sums_follow_the_demand():
    # The denominator kept on the pairs must be recomputed when the people change, and not when
    # only the capacities do.
    rng = np.random.default_rng(11)
    demand, supply = rng.uniform(0, 20_000, (200, 2)), rng.uniform(0, 20_000, (30, 2))
    pairs = fca.catchment_pairs(demand, supply, 6_000, circuity=1.1)
    pop_a, pop_b, cap = rng.uniform(1, 100, 200), rng.uniform(1, 100, 200), rng.uniform(1, 5, 30)
    for method in ("2sfca", "e2sfca"):
        for pop, capacity in ((pop_a, cap), (pop_b, cap), (pop_a, cap * 2), (pop_b, cap)):
            fresh = fca.catchment_pairs(demand, supply, 6_000, circuity=1.1)
            expected = fca.two_step_fca(fresh, pop, capacity, method=method)
            np.testing.assert_array_equal(fca.two_step_fca(pairs, pop, capacity, method=method), expected)
    assert not np.allclose(fca.two_step_fca(pairs, pop_a, cap), fca.two_step_fca(pairs, pop_b, cap))
