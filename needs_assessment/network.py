"""Who isn't reached, by travel time along a road/path network (routed, not estimated).

The graph is plain arrays: node positions in projected metres (geo.LocalProjection) and a directed
scipy.sparse.csr_matrix of seconds, `seconds[u, v]` = time from node u to its neighbour v
(assetmap.formats.osm_network builds one from OpenStreetMap).

Trips go from people to sites. All sites of a category are searched at once: ONE multi-source
Dijkstra (scipy.sparse.csgraph.dijkstra with every site as a source, min_only=True) over the
reversed graph gives, for every node, the time to its nearest site and which site that is; the
search stops at the threshold (`limit`), so nodes farther away are never settled and read as inf.
Searching per site, or per (area, site) pair, repeats the same work thousands of times
(scripts/bench_network.py measures both).

Snapping: every point (sample, representative point, site) is joined to its nearest graph node
(KD-tree, straight line) and the straight-line snap distance is travelled at `snap_speed_kmh`,
by default walking pace: you walk from your door to the road, and from the road to the door of the
site. A site's own snap time is part of its search (each site enters the search through a virtual
node joined to its graph node by an edge of that time). Pass snap_speed_kmh=inf to ignore snap
distances. Large snap distances mean the network has no road near the point (or was clipped too
tightly): the snap distances are returned so they can be reported. The nearest node is taken
whatever its road: by car a point beside a motorway may join it where no ramp exists.

Population: like reach.coverage, each area's people are spread over its sample points
(reach.Samples), so a large rural area can be partly reached. nearest_min is measured from the
area's representative point. A time equal to the threshold counts as reached.

What-if: adding a site is one more search limited to the threshold, from the new site only, and
an element-wise minimum with the cached per-node times (add_site). Removing a site cannot be done
that way (the cache holds only each node's nearest site, not the next one), so it is a fresh
search over the remaining sites (times_to_sites / reach without it).

Access (2SFCA) needs every pair within a catchment, not just the nearest site: pair_times() runs
one limited search per site (in chunks, bounded memory) and returns origins x sites seconds.

Worked example: a road of three nodes 600 m apart going east, walked at 3.6 km/h (1 m/s); one
site at the east end; one area with two samples, on the west end and on the middle node, 100
people. With a 15-minute threshold the west sample (1200 s = 20 min) is beyond reach:

>>> from scipy import sparse
>>> from needs_assessment.reach import Samples
>>> xy = np.array([[0.0, 0.0], [600.0, 0.0], [1200.0, 0.0]])
>>> secs = sparse.csr_matrix(([600.0, 600.0, 600.0, 600.0], ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(3, 3))
>>> g = Graph(xy, secs)
>>> s = Samples(area=np.array([0, 0]), xy=np.array([[0.0, 0.0], [600.0, 0.0]]), share=np.array([0.5, 0.5]))
>>> r = reach(g, s, population=np.array([100.0]), threshold_min=15, rep_xy=np.array([[600.0, 0.0]]),
...           sites_xy=np.array([[1200.0, 0.0]]))
>>> r.nearest_min.tolist(), r.nearest_site.tolist(), r.unreached.tolist(), r.sample_unreached.tolist()
([10.0], [0], [50.0], [True, False])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .reach import Samples

WALK_KMH = 4.8
_TOL = 1e-9  # seconds: times within this of the threshold count as reached (float sums along paths)


@dataclass(frozen=True)
class Graph:
    """A directed graph: node_xy (n, 2) projected metres; seconds[u, v] travel time from u to v.

    The KD-tree over the nodes and the reversed graph (people -> sites searches run on it) are
    built on first use and cached on the object.
    """

    node_xy: np.ndarray
    seconds: sparse.csr_matrix
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        n = len(self.node_xy)
        if self.seconds.shape != (n, n):
            raise ValueError(f"seconds is {self.seconds.shape} for {n} nodes")
        if n == 0:
            raise ValueError("the graph has no nodes")

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def tree(self) -> cKDTree:
        if "tree" not in self._cache:
            self._cache["tree"] = cKDTree(np.asarray(self.node_xy, dtype=float))
        return self._cache["tree"]

    @property
    def reverse(self) -> sparse.csr_matrix:
        """The graph with every edge turned round: a search from the sites on it gives times *to* them."""
        if "reverse" not in self._cache:
            rev = sparse.csr_matrix(self.seconds.T)
            rev.sort_indices()
            self._cache["reverse"] = rev
        return self._cache["reverse"]


@dataclass(frozen=True)
class Snapped:
    """Nearest graph node of each point and the straight-line distance to it."""

    node: np.ndarray
    distance_m: np.ndarray

    def seconds(self, snap_speed_kmh: float) -> np.ndarray:
        """Time to cover the snap distance at snap_speed_kmh (0 when the speed is inf)."""
        return self.distance_m / (snap_speed_kmh / 3.6)


def snap(graph: Graph, xy: np.ndarray) -> Snapped:
    """Join each point (projected metres) to its nearest graph node."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return Snapped(np.zeros(0, dtype=np.intp), np.zeros(0))
    d, i = graph.tree.query(xy, k=1, workers=-1)
    return Snapped(i.astype(np.intp), d)


@dataclass(frozen=True)
class NodeTimes:
    """For every node: seconds to its nearest site (inf: none within limit_s) and that site's index (-1)."""

    seconds: np.ndarray
    site: np.ndarray
    limit_s: float


def times_to_sites(graph: Graph, site_node: np.ndarray, site_offset_s: np.ndarray | None, limit_s: float) -> NodeTimes:
    """One multi-source Dijkstra: every node's time to its nearest site, searching no farther than limit_s.

    site_node: the graph node of each site; site_offset_s: extra seconds from that node to the
    site itself (its snap time; None for none).
    """
    site_node = np.asarray(site_node, dtype=np.intp).reshape(-1)
    m, n = len(site_node), graph.n_nodes
    if m == 0:
        return NodeTimes(np.full(n, np.inf), np.full(n, -1), float(limit_s))
    offset = np.zeros(m) if site_offset_s is None else np.asarray(site_offset_s, dtype=float).reshape(-1)
    rev = graph.reverse
    # Site j becomes virtual node n + j with one edge (its snap time) to its graph node; the search
    # starts from the virtual nodes, so each site's snap time counts and sources name the site.
    # Rows appended at the end of a CSR matrix: the existing arrays are reused, nothing is re-sorted.
    indptr = np.r_[rev.indptr, rev.indptr[-1] + np.arange(1, m + 1)]
    indices = np.r_[rev.indices, site_node].astype(np.int32 if n + m < 2**31 else np.int64)
    # A site on its node has a stored 0 s edge: csgraph reads stored zeros as edges.
    data = np.r_[rev.data, offset]
    augmented = sparse.csr_matrix((data, indices, indptr), shape=(n + m, n + m), copy=False)
    limit = float(limit_s) + _TOL
    dist, _, sources = dijkstra(
        augmented, directed=True, indices=n + np.arange(m), min_only=True, limit=limit, return_predecessors=True
    )
    dist, sources = dist[:n], sources[:n]
    site = np.where(sources >= n, sources - n, -1)
    dist = np.where(site >= 0, dist, np.inf)
    return NodeTimes(dist, site, float(limit_s))


def add_site(graph: Graph, times: NodeTimes, site_node: int, site_offset_s: float, site_index: int) -> NodeTimes:
    """The cached times with one more site: one search from it (limited like the cache) and an element-wise min.

    site_index is the number the new site goes by in NodeTimes.site (e.g. len(sites)).
    """
    limit = times.limit_s - site_offset_s + _TOL
    if limit < 0:
        return times
    d = dijkstra(graph.reverse, directed=True, indices=int(site_node), limit=limit) + site_offset_s
    better = d < times.seconds
    return NodeTimes(np.where(better, d, times.seconds), np.where(better, site_index, times.site), times.limit_s)


@dataclass(frozen=True)
class NetworkReach:
    """Result of reach() / evaluate(): per area, per sample, and the per-node cache for what-ifs."""

    nearest_min: np.ndarray  # minutes from the representative point to the nearest site (inf: none within the limit)
    nearest_site: np.ndarray  # index of that site (-1: none)
    unreached: np.ndarray  # people beyond the threshold, per area
    sample_unreached: np.ndarray  # bool per sample
    times: NodeTimes  # per node, for add_site()
    sample_snap_m: np.ndarray  # straight-line distance from each sample to its graph node
    site_snap_m: np.ndarray  # the same for each site

    @property
    def total_unreached(self) -> float:
        return float(self.unreached.sum())


def evaluate(
    times: NodeTimes,
    samples: Samples,
    population: np.ndarray,
    threshold_min: float | np.ndarray,
    sample_snap: Snapped,
    rep_snap: Snapped,
    snap_speed_kmh: float = WALK_KMH,
    site_snap_m: np.ndarray | None = None,
) -> NetworkReach:
    """Per-area results from per-node times: a sample is reached when node time + its snap time <= threshold."""
    population = np.nan_to_num(np.asarray(population, dtype=float))
    n_areas = len(population)
    threshold_s = np.broadcast_to(np.asarray(threshold_min, dtype=float) * 60.0, (n_areas,))
    if float(threshold_s.max(initial=0.0)) > times.limit_s + _TOL:
        raise ValueError("the cached search stopped before the threshold; search again with a larger limit")
    total = times.seconds[sample_snap.node] + sample_snap.seconds(snap_speed_kmh)
    sample_unreached = ~(total <= threshold_s[samples.area] + _TOL)
    share = np.bincount(samples.area, weights=samples.share * sample_unreached, minlength=n_areas)
    rep_total = times.seconds[rep_snap.node] + rep_snap.seconds(snap_speed_kmh)
    rep_total = np.where(rep_total <= times.limit_s + _TOL, rep_total, np.inf)
    nearest_site = np.where(np.isfinite(rep_total), times.site[rep_snap.node], -1)
    return NetworkReach(
        nearest_min=rep_total / 60.0,
        nearest_site=nearest_site,
        unreached=population * np.minimum(share, 1.0),
        sample_unreached=sample_unreached,
        times=times,
        sample_snap_m=sample_snap.distance_m,
        site_snap_m=np.zeros(0) if site_snap_m is None else site_snap_m,
    )


def reach(
    graph: Graph,
    samples: Samples,
    population: np.ndarray,
    threshold_min: float | np.ndarray,
    rep_xy: np.ndarray,
    sites_xy: np.ndarray,
    *,
    snap_speed_kmh: float = WALK_KMH,
    search_limit_min: float | None = None,
    sample_snap: Snapped | None = None,
    rep_snap: Snapped | None = None,
) -> NetworkReach:
    """People beyond threshold_min minutes of travel to the nearest site, per area (one multi-source search).

    threshold_min: one value or one per area. search_limit_min (default: the largest threshold)
    lets nearest_min be known beyond the threshold. sample_snap / rep_snap: snap(graph, samples.xy)
    and snap(graph, rep_xy), computed once per network and areas and passed in to reuse them.
    """
    population = np.asarray(population, dtype=float)
    limit_min = float(np.max(threshold_min)) if search_limit_min is None else float(search_limit_min)
    if limit_min < float(np.max(threshold_min)):
        raise ValueError("search_limit_min must be at least the threshold")
    sample_snap = sample_snap or snap(graph, samples.xy)
    rep_snap = rep_snap or snap(graph, rep_xy)
    site_snap = snap(graph, sites_xy)
    times = times_to_sites(graph, site_snap.node, site_snap.seconds(snap_speed_kmh), limit_min * 60.0)
    return evaluate(
        times, samples, population, threshold_min, sample_snap, rep_snap, snap_speed_kmh, site_snap.distance_m
    )


def pair_times(
    graph: Graph,
    origins: Snapped,
    sites: Snapped,
    limit_s: float,
    *,
    snap_speed_kmh: float = WALK_KMH,
    max_cells: int = 20_000_000,
) -> sparse.csr_matrix:
    """Seconds from every origin to every site within limit_s (origins x sites, absent = beyond), snap times included.

    Capacity-aware access (2SFCA) needs every pair within the catchment, not only the nearest
    site: one search per site on the reversed graph, limited to limit_s, run in chunks of sites so
    that at most max_cells node times are held at once. Stored zeros are real zero-second pairs.
    """
    n_sites = len(sites.node)
    origin_s = origins.seconds(snap_speed_kmh)
    site_s = sites.seconds(snap_speed_kmh)
    rows, cols, vals = [], [], []
    chunk = max(1, int(max_cells // max(graph.n_nodes, 1)))
    for start in range(0, n_sites, chunk):
        idx = np.arange(start, min(start + chunk, n_sites))
        d = dijkstra(graph.reverse, directed=True, indices=sites.node[idx], limit=float(limit_s) + _TOL)
        d = np.atleast_2d(d)[:, origins.node] + origin_s[None, :] + site_s[idx, None]  # (sites, origins)
        k, o = np.nonzero(d <= limit_s + _TOL)
        rows.append(o)
        cols.append(idx[k])
        vals.append(d[k, o])
    row = np.concatenate(rows) if rows else np.zeros(0, np.intp)
    col = np.concatenate(cols) if cols else np.zeros(0, np.intp)
    val = np.concatenate(vals) if vals else np.zeros(0)
    order = np.lexsort((col, row))
    row, col, val = row[order], col[order], val[order]
    n = len(origins.node)
    indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
    return sparse.csr_matrix((val, col, indptr), shape=(n, n_sites))
