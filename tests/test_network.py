"""Road networks from hand-built .osm files, and reach by travel time along them (needs_assessment.network)."""

from xml.sax.saxutils import quoteattr

import numpy as np
import pytest
from pyproj import Geod
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import box

from assetmap.formats import osm_network
from assetmap.formats.osm_network import NetworkFileError, RoadNetwork, parse_maxspeed, read_network
from needs_assessment import network
from needs_assessment.geo import LocalProjection
from needs_assessment.reach import Samples

GEOD = Geod(ellps="WGS84")
WALK_MS = 4.8 / 3.6


def write_osm(path, nodes, ways):
    """An OSM XML file: nodes {id: (lon, lat)}, ways [(id, [node ids], {tags})]."""
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for i, (lon, lat) in nodes.items():
        lines.append(f' <node id="{i}" version="1" lat="{lat}" lon="{lon}"/>')
    for i, refs, tags in ways:
        lines.append(f' <way id="{i}" version="1">')
        lines += [f'  <nd ref="{r}"/>' for r in refs]
        lines += [f"  <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append(" </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def metres(nodes, a, b):
    return GEOD.inv(*nodes[a], *nodes[b])[2]


# A lake between West (1) and East (2): the road goes round it by the north (3, 4); a private
# causeway (via 5) crosses it; a footpath far east (30-31) is not connected to anything.
LAKE_NODES = {
    1: (-79.000, 45.000),
    2: (-78.980, 45.000),
    3: (-79.000, 45.010),
    4: (-78.980, 45.010),
    5: (-78.990, 45.000),
    20: (-78.995, 44.997),
    21: (-78.985, 44.997),
    22: (-78.985, 45.003),
    23: (-78.995, 45.003),
    30: (-78.950, 45.000),
    31: (-78.950, 45.001),
}


def lake_ways(causeway_tags=None):
    return [
        (100, [1, 3, 4, 2], {"highway": "residential", "name": "Lakeshore Road"}),
        (101, [1, 5, 2], causeway_tags or {"highway": "service", "access": "private"}),
        (200, [20, 21, 22, 23, 20], {"natural": "water"}),
        (300, [30, 31], {"highway": "footway"}),
    ]


def index(net, osm_id):
    return int(np.flatnonzero(net.osm_id == osm_id)[0])


def one_point_reach(net, from_lonlat, to_lonlat, threshold_min):
    """Reach of one 100-person area, one sample at from_lonlat, one site at to_lonlat."""
    proj = LocalProjection(-78.99, 45.005)
    graph = network.Graph(proj.xy(np.column_stack([net.lon, net.lat])), net.seconds)
    here = proj.xy(np.array([from_lonlat]))
    samples = Samples(area=np.array([0]), xy=here, share=np.array([1.0]))
    return network.reach(
        graph,
        samples,
        np.array([100.0]),
        threshold_min,
        here,
        proj.xy(np.array([to_lonlat])),
        search_limit_min=120,
    )


# --- the lake: time along the road, not across the water --------------------------------------------


def test_network_time_goes_round_the_lake(tmp_path):
    path = write_osm(tmp_path / "lake.osm", LAKE_NODES, lake_ways())
    net = read_network(path, "walk")
    road_m = metres(LAKE_NODES, 1, 3) + metres(LAKE_NODES, 3, 4) + metres(LAKE_NODES, 4, 2)
    straight_m = metres(LAKE_NODES, 1, 2)
    assert road_m / straight_m > 2.4  # 3.80 km round vs 1.58 km across
    r = one_point_reach(net, LAKE_NODES[1], LAKE_NODES[2], threshold_min=30)
    assert r.nearest_min[0] == pytest.approx(road_m / WALK_MS / 60, rel=1e-12)  # 47.5 min
    assert straight_m / WALK_MS / 60 < 30  # the straight line would say "reached" ...
    assert r.unreached.tolist() == [100.0]  # ... the road says 47.5 minutes
    assert one_point_reach(net, LAKE_NODES[1], LAKE_NODES[2], threshold_min=48).unreached.tolist() == [0.0]


def test_private_causeway_is_excluded_but_foot_yes_opens_it(tmp_path):
    net = read_network(write_osm(tmp_path / "a.osm", LAKE_NODES, lake_ways()), "walk")
    assert 5 not in net.osm_id.tolist()
    assert net.meta["ways_excluded_by_access"] == 1
    tags = {"highway": "service", "access": "private", "foot": "yes"}
    net = read_network(write_osm(tmp_path / "b.osm", LAKE_NODES, lake_ways(tags)), "walk")
    across_m = metres(LAKE_NODES, 1, 5) + metres(LAKE_NODES, 5, 2)
    r = one_point_reach(net, LAKE_NODES[1], LAKE_NODES[2], threshold_min=30)
    assert r.nearest_min[0] == pytest.approx(across_m / WALK_MS / 60, rel=1e-12)
    assert r.unreached.tolist() == [0.0]


def test_disconnected_parts_are_dropped_and_counted(tmp_path):
    net = read_network(write_osm(tmp_path / "lake.osm", LAKE_NODES, lake_ways()), "walk")
    assert sorted(net.osm_id.tolist()) == [1, 2, 3, 4]
    assert (net.meta["dropped_components"], net.meta["dropped_nodes"]) == (1, 2)
    assert net.meta["ways_by_class"] == {"footway": 1, "residential": 1}
    assert (net.n_nodes, net.n_edges) == (4, 6)


def test_walking_time_of_every_edge_is_its_geodesic_length_at_4_8_kmh(tmp_path):
    net = read_network(write_osm(tmp_path / "lake.osm", LAKE_NODES, lake_ways()), "walk")
    for a, b in ((1, 3), (3, 4), (4, 2)):
        expected = metres(LAKE_NODES, a, b) / WALK_MS
        assert net.seconds[index(net, a), index(net, b)] == pytest.approx(expected, rel=1e-12)
        assert net.seconds[index(net, b), index(net, a)] == pytest.approx(expected, rel=1e-12)


def test_clip_to_a_box_or_polygon(tmp_path):
    path = write_osm(tmp_path / "lake.osm", LAKE_NODES, lake_ways())
    west = (-79.001, 44.99, -78.99, 45.02)  # keeps 1 and 3 (4 and 2 are east of -78.99)
    assert sorted(read_network(path, "walk", clip=west).osm_id.tolist()) == [1, 3]
    assert sorted(read_network(path, "walk", clip=box(*west)).osm_id.tolist()) == [1, 3]
    with pytest.raises(NetworkFileError, match="no ways usable for walk"):
        read_network(path, "walk", clip=(-70.0, 40.0, -69.0, 41.0))


def test_bbox_around_gives_at_least_the_margin():
    x0, y0, x1, y1 = osm_network.bbox_around([-79.0, -78.98], [45.0, 45.01], 2000)
    assert GEOD.inv(-79.0, y0, -79.0, 45.0)[2] == pytest.approx(2000, rel=1e-9)
    assert GEOD.inv(-79.0, 45.01, -79.0, y1)[2] == pytest.approx(2000, rel=1e-9)
    for lat in (45.0, 45.01):  # at least 2 km at every latitude of the box (a little more at the south)
        assert 2000 <= GEOD.inv(x0, lat, -79.0, lat)[2] < 2001
        assert 2000 <= GEOD.inv(-78.98, lat, x1, lat)[2] < 2001


def test_progress_reports_ways_and_nodes_read(tmp_path):
    seen = []
    read_network(write_osm(tmp_path / "lake.osm", LAKE_NODES, lake_ways()), "walk", progress=seen.append)
    # highway ways only (the lake is filtered out in C++); the last call has the final counts
    assert seen[-1] == {"ways": 3, "way_nodes": 9, "used_ways": 2, "skipped_access": 1}


# --- car: one way streets, maxspeed --------------------------------------------------------------

SQUARE = {
    1: (-79.0, 45.0),
    2: (-78.99, 45.0),
    3: (-78.99, 45.01),
    4: (-79.0, 45.01),
    5: (-78.985, 45.0),
    6: (-78.985, 45.002),
}
SQUARE_WAYS = [
    (10, [1, 2], {"highway": "residential", "oneway": "yes", "maxspeed": "50"}),
    (11, [2, 3, 4, 1], {"highway": "residential"}),  # both ways, no maxspeed: 40 km/h
    (12, [3, 1], {"highway": "tertiary", "oneway": "-1", "maxspeed": "30 mph"}),  # only 1 -> 3
    (13, [2, 5, 6, 2], {"highway": "primary", "junction": "roundabout"}),  # only 2 -> 5 -> 6 -> 2, 70 km/h
    (14, [4, 2], {"highway": "footway"}),  # not for cars
    (15, [4, 3], {"highway": "residential", "motor_vehicle": "no"}),  # duplicate of 3-4, closed to cars
]


def test_car_oneway_reverse_oneway_and_roundabout(tmp_path):
    net = read_network(write_osm(tmp_path / "sq.osm", SQUARE, SQUARE_WAYS), "car")
    s = net.seconds.toarray()

    def t(a, b):
        return s[index(net, a), index(net, b)]

    assert t(1, 2) == pytest.approx(metres(SQUARE, 1, 2) / (50 / 3.6), rel=1e-12) and t(2, 1) == 0
    assert t(1, 3) == pytest.approx(metres(SQUARE, 1, 3) / (30 * 1.609344 / 3.6), rel=1e-12) and t(3, 1) == 0
    assert t(2, 3) == t(3, 2) == pytest.approx(metres(SQUARE, 2, 3) / (40 / 3.6), rel=1e-12)
    for a, b in ((2, 5), (5, 6), (6, 2)):
        assert t(a, b) == pytest.approx(metres(SQUARE, a, b) / (70 / 3.6), rel=1e-12) and t(b, a) == 0
    assert t(4, 2) == t(2, 4) == 0  # the footway is not a road
    assert t(4, 3) == pytest.approx(metres(SQUARE, 4, 3) / (40 / 3.6), rel=1e-12)  # way 11, not the closed 15
    # 2 -> 1 has to go round: 2 -> 3 -> 4 -> 1
    back = dijkstra(net.seconds, indices=index(net, 2))[index(net, 1)]
    assert back == pytest.approx(t(2, 3) + t(3, 4) + t(4, 1), rel=1e-12)
    assert net.meta["ways_with_maxspeed"] == 2 and net.meta["ways_excluded_by_access"] == 1


def test_walking_ignores_oneway(tmp_path):
    net = read_network(write_osm(tmp_path / "sq.osm", SQUARE, SQUARE_WAYS), "walk")
    i, j = index(net, 1), index(net, 2)
    assert net.seconds[i, j] == net.seconds[j, i] == pytest.approx(metres(SQUARE, 1, 2) / WALK_MS, rel=1e-12)


def test_bicycle_contraflow_and_steps(tmp_path):
    ways = [
        (1, [1, 2], {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}),
        (2, [2, 3], {"highway": "residential", "oneway": "yes"}),
        (3, [3, 4], {"highway": "steps"}),
        (4, [3, 1], {"highway": "footway", "bicycle": "designated"}),
    ]
    net = read_network(write_osm(tmp_path / "b.osm", SQUARE, ways), "bicycle")
    s = net.seconds.toarray()
    i = {k: index(net, k) for k in (1, 2, 3)}
    assert s[i[1], i[2]] > 0 and s[i[2], i[1]] > 0  # contraflow allowed
    assert s[i[2], i[3]] == pytest.approx(metres(SQUARE, 2, 3) / (15 / 3.6), rel=1e-12) and s[i[3], i[2]] == 0
    assert 4 not in net.osm_id.tolist()  # steps are not ridden


@pytest.mark.parametrize(
    "value, kmh",
    [
        ("50", 50.0),
        ("80 km/h", 80.0),
        ("80kmh", 80.0),
        ("30 mph", 48.28032),
        ("25mph", 40.2336),
        ("10 knots", 18.52),
        ("CA:urban", 50.0),
        ("CA:rural", 80.0),
        ("CA:ON:rural", 80.0),
        ("GB:nsl_single", 96.56064),
        ("DE:rural", 100.0),
        ("DE:zone30", 30.0),
        ("XX:urban", 50.0),  # unknown country: the generic urban default
        ("FR:living_street", 10.0),
        ("50;30", 30.0),  # several values: the lowest
        ("none", None),  # no limit: the class default applies
        ("signals", None),
        ("walk", None),
        ("", None),
        ("0", None),
        ("fast", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value, kmh):
    assert parse_maxspeed(value) == kmh


@pytest.mark.parametrize(
    "tags, mode, expected",
    [
        ({"highway": "motorway"}, "car", (True, False, "motorway")),  # implied oneway
        ({"highway": "motorway", "oneway": "no"}, "car", (True, True, "motorway")),
        ({"highway": "motorway"}, "walk", None),
        ({"highway": "trunk", "foot": "no"}, "walk", (False, False, "access")),
        ({"highway": "residential", "access": "no", "foot": "yes"}, "walk", (True, True, "residential")),
        ({"highway": "residential", "access": "private"}, "car", (False, False, "access")),
        ({"highway": "residential", "access": "destination"}, "car", (True, True, "residential")),
        ({"highway": "service", "vehicle": "no"}, "bicycle", (False, False, "access")),
        ({"highway": "residential", "oneway": "reversible"}, "car", None),
        ({"highway": "construction"}, "walk", None),
        ({"highway": "footway"}, "bicycle", None),
        ({"highway": "track"}, "car", None),
        ({"highway": "track"}, "walk", (True, True, "track")),
    ],
)
def test_way_rules(tags, mode, expected):
    assert osm_network.way_rule(tags, mode) == expected


# --- saving, loading, bad files ------------------------------------------------------------------


def test_npz_round_trip(tmp_path):
    net = read_network(write_osm(tmp_path / "sq.osm", SQUARE, SQUARE_WAYS), "car", clip=(-79.1, 44.9, -78.9, 45.1))
    net.save(tmp_path / "car.npz")
    back = RoadNetwork.load(tmp_path / "car.npz")
    for name in ("lon", "lat", "osm_id"):
        np.testing.assert_array_equal(getattr(back, name), getattr(net, name))
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(back.seconds, name), getattr(net.seconds, name))
    assert back.meta == net.meta
    assert (back.meta["mode"], back.meta["source"], back.meta["nodes"], back.meta["edges"]) == ("car", "sq.osm", 6, 11)
    assert back.meta["clip"] == [-79.1, 44.9, -78.9, 45.1]
    assert back.meta["speeds_kmh"]["default_by_class"]["residential"] == 40.0


def test_load_rejects_other_files(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(NetworkFileError, match="x.npz: not a saved road network"):
        RoadNetwork.load(tmp_path / "x.npz")
    np.savez(tmp_path / "y.npz", lon=np.zeros(2))
    with pytest.raises(NetworkFileError, match="y.npz: not a saved road network"):
        RoadNetwork.load(tmp_path / "y.npz")


def test_bad_osm_files(tmp_path):
    (tmp_path / "bad.osm").write_text("this is not xml")
    with pytest.raises(NetworkFileError, match="bad.osm: cannot read it as an OSM file"):
        read_network(tmp_path / "bad.osm", "walk")
    with pytest.raises(NetworkFileError, match="give an .osm.pbf or .osm extract"):
        read_network(tmp_path / "roads.csv", "walk")
    with pytest.raises(NetworkFileError, match="no such file"):
        read_network(tmp_path / "missing.osm.pbf", "walk")
    only_motorway = write_osm(tmp_path / "m.osm", SQUARE, [(1, [1, 2], {"highway": "motorway"})])
    with pytest.raises(NetworkFileError, match="no ways usable for walk"):
        read_network(only_motorway, "walk")
    with pytest.raises(ValueError, match="mode must be one of"):
        read_network(only_motorway, "boat")


# --- needs_assessment.network on small hand-made graphs ----------------------------------------------


def line_graph(n=5, step_m=100.0, seconds=100.0, oneway=False):
    """Nodes 0..n-1 on the x axis; each edge `seconds` long (east only if oneway)."""
    u = np.arange(n - 1)
    rows, cols = (u, u + 1) if oneway else (np.r_[u, u + 1], np.r_[u + 1, u])
    g = sparse.csr_matrix((np.full(len(rows), seconds), (rows, cols)), shape=(n, n))
    return network.Graph(np.column_stack([np.arange(n) * step_m, np.zeros(n)]), g)


def point_samples(xy):
    xy = np.asarray(xy, dtype=float)
    return Samples(area=np.arange(len(xy)), xy=xy, share=np.ones(len(xy)))


def test_multi_source_equals_the_minimum_of_single_source_searches():
    rng = np.random.default_rng(3)
    n = 400
    xy = rng.uniform(0, 5000, (n, 2))
    from scipy.spatial import cKDTree

    _, nb = cKDTree(xy).query(xy, k=4)
    u, v = np.repeat(np.arange(n), 3), nb[:, 1:].ravel()
    keep = rng.random(len(u)) < 0.8  # some one way
    g = sparse.coo_matrix((rng.uniform(10, 100, len(u)), (u, v)), shape=(n, n)).tocsr()
    g = g + sparse.coo_matrix((rng.uniform(10, 100, keep.sum()), (v[keep], u[keep])), shape=(n, n)).tocsr()
    graph = network.Graph(xy, g)
    sites = rng.choice(n, 12, replace=False)
    offsets = rng.uniform(0, 30, 12)
    times = network.times_to_sites(graph, sites, offsets, limit_s=400)
    per_site = np.array(
        [dijkstra(g.T.tocsr(), indices=s, limit=400 - o) + o for s, o in zip(sites, offsets, strict=True)]
    )
    best = per_site.min(axis=0)
    best[best > 400 + 1e-9] = np.inf
    np.testing.assert_allclose(times.seconds, best, rtol=1e-12)
    reached = np.isfinite(best)
    assert 0 < reached.sum() < n
    assert (times.site[~reached] == -1).all()
    assert np.array_equal(per_site[times.site[reached], np.flatnonzero(reached)], best[reached])


def test_times_are_to_the_sites_on_one_way_streets():
    graph = line_graph(3, oneway=True)  # 0 -> 1 -> 2
    to_east = network.times_to_sites(graph, [2], None, limit_s=1000)
    assert to_east.seconds.tolist() == [200.0, 100.0, 0.0]
    to_west = network.times_to_sites(graph, [0], None, limit_s=1000)
    assert to_west.seconds.tolist() == [0.0, np.inf, np.inf]


def test_snap_distance_is_walked_at_the_snap_speed():
    graph = line_graph()
    # a sample 48 m north of node 1 (36 s at 4.8 km/h), a site 24 m south of node 3 (18 s)
    samples = point_samples([[100.0, 48.0]])
    args = (graph, samples, np.array([10.0]))
    site = np.array([[300.0, -24.0]])
    r = network.reach(*args, 5, samples.xy, site)
    assert r.nearest_min.tolist() == [pytest.approx((36 + 200 + 18) / 60, rel=1e-12)]
    assert r.sample_snap_m.tolist() == [48.0] and r.site_snap_m.tolist() == [24.0]
    assert network.reach(*args, (36 + 200 + 18) / 60, samples.xy, site).unreached.tolist() == [0.0]  # inclusive
    assert network.reach(*args, 254 / 60 - 0.001, samples.xy, site, search_limit_min=5).unreached.tolist() == [10.0]
    ignored = network.reach(*args, 5, samples.xy, site, snap_speed_kmh=np.inf)
    assert ignored.nearest_min.tolist() == [pytest.approx(200 / 60, rel=1e-12)]


def test_a_large_area_is_partly_reached_by_its_samples():
    graph = line_graph(11)  # 0..1000 m, 100 s an edge
    # one area of 80 people over four samples at 0, 300, 600, 900 m; a site at 1000 m; 8 minutes
    samples = Samples(
        area=np.zeros(4, int), xy=np.array([[x, 0.0] for x in (0, 300, 600, 900)]), share=np.full(4, 0.25)
    )
    rep, site = np.array([[500.0, 0.0]]), np.array([[1000.0, 0.0]])
    r = network.reach(graph, samples, np.array([80.0]), 8, rep, site, search_limit_min=10)
    assert r.sample_unreached.tolist() == [True, True, False, False]  # 1000 s and 700 s > 480 s
    assert r.unreached.tolist() == [40.0]
    # from the representative point, 500 s: beyond the threshold but within the search limit
    assert r.nearest_min.tolist() == [pytest.approx(500 / 60, rel=1e-12)] and r.nearest_site.tolist() == [0]
    beyond = network.reach(graph, samples, np.array([80.0]), 8, rep, site)  # the search stops at 8 minutes
    assert beyond.nearest_min.tolist() == [np.inf] and beyond.unreached.tolist() == [40.0]


def test_add_site_equals_a_fresh_search_and_removing_needs_one():
    graph = line_graph(11)
    samples = point_samples([[x * 100.0, 0.0] for x in range(11)])
    pop = np.full(11, 10.0)
    sites = np.array([[0.0, 0.0]])
    before = network.reach(graph, samples, pop, 5, samples.xy, sites)
    assert before.unreached.tolist() == [0.0] * 4 + [10.0] * 7
    new = network.snap(graph, np.array([[1000.0, 0.0]]))
    times = network.add_site(graph, before.times, new.node[0], new.seconds(network.WALK_KMH)[0], site_index=1)
    sample_snap, rep_snap = network.snap(graph, samples.xy), network.snap(graph, samples.xy)
    after = network.evaluate(times, samples, pop, 5, sample_snap, rep_snap)
    fresh = network.reach(graph, samples, pop, 5, samples.xy, np.vstack([sites, [[1000.0, 0.0]]]))
    assert after.unreached.tolist() == fresh.unreached.tolist() == [0.0] * 4 + [10.0] * 3 + [0.0] * 4
    np.testing.assert_array_equal(after.nearest_min, fresh.nearest_min)
    np.testing.assert_array_equal(after.nearest_site, fresh.nearest_site)
    # removing the first site: a new search over the rest
    removed = network.reach(graph, samples, pop, 5, samples.xy, np.array([[1000.0, 0.0]]))
    assert removed.unreached.tolist() == [10.0] * 7 + [0.0] * 4


def test_no_sites_and_a_cache_too_short():
    graph = line_graph()
    samples = point_samples([[0.0, 0.0]])
    r = network.reach(graph, samples, np.array([5.0]), 10, samples.xy, np.zeros((0, 2)))
    assert r.unreached.tolist() == [5.0] and r.nearest_min.tolist() == [np.inf] and r.nearest_site.tolist() == [-1]
    snapped = network.snap(graph, samples.xy)
    with pytest.raises(ValueError, match="search again with a larger limit"):
        network.evaluate(r.times, samples, np.array([5.0]), 20, snapped, snapped)
