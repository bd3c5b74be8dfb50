"""A routable road/path network from an OpenStreetMap extract (.osm XML or .osm.pbf), read with pyosmium.

read_network(path, mode) returns a RoadNetwork: node positions (lon, lat), the OSM node ids, and a
directed scipy.sparse.csr_matrix of travel seconds (`seconds[u, v]` is the time from node u to its
neighbour v). save()/load() keep it as one compressed .npz with its metadata. The shortest-path
work is in needs_assessment.network, which takes these arrays (projected to metres).

Every node of a usable way is a graph node (ways are not simplified), and consecutive nodes of a
way are joined by an edge whose length is the geodesic (WGS84 ellipsoid, pyproj.Geod) distance.

Which ways are used, their direction and their speed per mode are in osm_ways (re-exported
here).

Components: only the largest strongly connected component is kept (for walking that is simply the
largest connected piece). Anything else (a private road's stub, an island reached by ferry, a
fragment cut off by the clip) could be snapped to but not routed from or to; the number of parts
and nodes dropped is in the metadata (`dropped_components`, `dropped_nodes`), so a user can see
how much of the extract was set aside.

Clip: `clip` is a (min_lon, min_lat, max_lon, max_lat) box or a shapely polygon in lon/lat
(bbox_around() widens the areas' extent by a margin in metres). Edges with both ends inside are
kept.

Progress: `progress(counts)` is called every PROGRESS_EVERY highway ways and at the end with
{"ways": highway ways read, "way_nodes": their node references, "used_ways": ways kept for the
mode, "skipped_access" / "skipped_class": ways left out, and why} (zero counts are left out). Untagged nodes are indexed by libosmium in C++ and are not counted: handing each of them
to Python to count would make reading several times slower (measured 2.7 us per node).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from assetmap.formats.osm_ways import (  # noqa: F401  (re-exported: the rules are part of this module's interface)
    BICYCLE_KMH,
    CAR_SPEEDS_KMH,
    MODES,
    WALK_KMH,
    ZONE_DEFAULT_KMH,
    ZONE_SPEEDS_KMH,
    parse_maxspeed,
    way_rule,
)

PROGRESS_EVERY = 20_000


class NetworkFileError(ValueError):
    """The file cannot be read as an OSM extract or a saved network, or gives no usable network."""


def bbox_around(lons, lats, margin_m: float) -> tuple[float, float, float, float]:
    """The (min_lon, min_lat, max_lon, max_lat) box of the points widened by at least margin_m metres on every side.

    Each edge is moved with a geodesic step of margin_m (WGS84), east-west at the box's latitude
    farthest from the equator, where degrees of longitude are shortest.

    >>> [round(v, 4) for v in bbox_around([-79.5, -79.0], [45.0, 45.2], 1000)]
    [-79.5127, 44.991, -78.9873, 45.209]
    """
    from pyproj import Geod

    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if lons.size == 0:
        raise ValueError("no points to put a box around")
    geod = Geod(ellps="WGS84")
    x0, x1 = float(lons.min()), float(lons.max())
    _, south, _ = geod.fwd(x0, float(lats.min()), 180, margin_m)
    _, north, _ = geod.fwd(x0, float(lats.max()), 0, margin_m)
    far = north if abs(north) > abs(south) else south
    east, _, _ = geod.fwd(x1, far, 90, margin_m)
    west, _, _ = geod.fwd(x0, far, 270, margin_m)
    return (float(west), float(south), float(east), float(north))


@dataclass
class RoadNetwork:
    """A routable graph: node i at (lon[i], lat[i]) is OSM node osm_id[i]; seconds[u, v] = travel time u -> v."""

    lon: np.ndarray
    lat: np.ndarray
    osm_id: np.ndarray
    seconds: sparse.csr_matrix
    meta: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return int(self.seconds.nnz)

    def save(self, path: str | Path) -> None:
        """Write a compressed .npz (arrays plus the metadata as JSON)."""
        s = self.seconds
        np.savez_compressed(
            path,
            lon=self.lon,
            lat=self.lat,
            osm_id=self.osm_id,
            indptr=s.indptr,
            indices=s.indices,
            seconds=s.data,
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: str | Path) -> RoadNetwork:
        """Read a network written by save()."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in ("lon", "lat", "osm_id", "indptr", "indices", "seconds", "meta")}
        except (OSError, ValueError, KeyError) as exc:
            raise NetworkFileError(f"{path.name}: not a saved road network ({exc})") from None
        n = len(arrays["lon"])
        if not (len(arrays["lat"]) == len(arrays["osm_id"]) == n and len(arrays["indptr"]) == n + 1):
            raise NetworkFileError(f"{path.name}: the arrays do not fit together (node and row counts differ)")
        seconds = sparse.csr_matrix((arrays["seconds"], arrays["indices"], arrays["indptr"]), shape=(n, n))
        return cls(arrays["lon"], arrays["lat"], arrays["osm_id"], seconds, json.loads(str(arrays["meta"])))


def _inside(lon: np.ndarray, lat: np.ndarray, clip) -> np.ndarray:
    ok = np.isfinite(lon) & np.isfinite(lat)
    if clip is None:
        return ok
    if isinstance(clip, tuple | list):
        x0, y0, x1, y1 = (float(v) for v in clip)
        return ok & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    import shapely

    inside = np.zeros(len(lon), bool)
    inside[ok] = shapely.intersects_xy(clip, lon[ok], lat[ok])  # the boundary counts as inside
    return inside


def _clip_bounds(clip) -> tuple[float, float, float, float] | None:
    if clip is None:
        return None
    if isinstance(clip, tuple | list):
        if len(clip) != 4 or not (clip[0] < clip[2] and clip[1] < clip[3]):
            raise ValueError("clip box must be (min_lon, min_lat, max_lon, max_lat)")
        return tuple(float(v) for v in clip)
    return tuple(float(v) for v in clip.bounds)


def read_network(
    path: str | Path,
    mode: str,
    *,
    clip=None,
    progress: Callable[[dict], None] | None = None,
) -> RoadNetwork:
    """Build the routable network of an OSM extract for mode car|walk|bicycle (see the module notes)."""
    import osmium

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    path = Path(path)
    name = path.name.lower()
    if not name.endswith((".osm", ".pbf", ".osm.bz2", ".osm.gz", ".o5m")):
        raise NetworkFileError(f"{path.name}: give an .osm.pbf or .osm extract")
    if not path.exists():
        raise NetworkFileError(f"{path.name}: no such file")
    bounds = _clip_bounds(clip)
    counts = Counter()
    maxspeed_unparsed: Counter = Counter()
    chunks: list[np.ndarray] = []  # (k, 3) int64: ref, x, y (1e-7 degrees) per way node
    pending: list[tuple[int, int, int]] = []
    way_len: list[int] = []
    way_fwd: list[bool] = []
    way_bwd: list[bool] = []
    way_speed: list[float] = []
    way_class: list[str] = []
    fp = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    try:
        for way in fp:
            counts["ways"] += 1
            nodes = way.nodes
            counts["way_nodes"] += len(nodes)
            if progress and counts["ways"] % PROGRESS_EVERY == 0:
                progress(dict(counts))
            rule = way_rule(way.tags, mode)
            if rule is None:
                counts["skipped_class"] += 1
                continue
            forward, backward, why = rule
            if why == "access":
                counts["skipped_access"] += 1
                continue
            if len(nodes) < 2:
                continue
            coords = [(n.ref, n.x, n.y) for n in nodes]
            if bounds is not None:
                xs = [c[1] for c in coords if c[1] != 2147483647]
                ys = [c[2] for c in coords if c[2] != 2147483647]
                if not xs or max(xs) < bounds[0] * 1e7 or min(xs) > bounds[2] * 1e7:
                    continue
                if max(ys) < bounds[1] * 1e7 or min(ys) > bounds[3] * 1e7:
                    continue
            if mode == "car":
                speed = parse_maxspeed(way.tags.get("maxspeed"))
                if speed is None:
                    if way.tags.get("maxspeed"):
                        maxspeed_unparsed[way.tags.get("maxspeed")] += 1
                    speed = CAR_SPEEDS_KMH.get(why, CAR_SPEEDS_KMH["road"])
                else:
                    counts["maxspeed_used"] += 1
            else:
                speed = WALK_KMH if mode == "walk" else BICYCLE_KMH
            counts["used_ways"] += 1
            pending.extend(coords)
            way_len.append(len(coords))
            way_fwd.append(forward)
            way_bwd.append(backward)
            way_speed.append(speed)
            way_class.append(why)
            if len(pending) > 1_000_000:
                chunks.append(np.array(pending, dtype=np.int64))
                pending = []
    except RuntimeError as exc:
        raise NetworkFileError(f"{path.name}: cannot read it as an OSM file ({exc})") from None
    if pending:
        chunks.append(np.array(pending, dtype=np.int64))
    if progress:
        progress(dict(counts))
    if not way_len:
        raise NetworkFileError(f"{path.name}: no ways usable for {mode} (in the clip area)")
    flat = np.concatenate(chunks)
    ref = flat[:, 0]
    valid = flat[:, 1] != 2147483647
    lon = np.where(valid, flat[:, 1] / 1e7, np.nan)
    lat = np.where(valid, flat[:, 2] / 1e7, np.nan)
    inside = _inside(lon, lat, clip)
    way_len_a = np.array(way_len)
    starts = np.r_[0, np.cumsum(way_len_a)[:-1]]
    seg_way = np.repeat(np.arange(len(way_len_a)), way_len_a - 1)
    a = np.delete(np.arange(len(ref) - 1), starts[1:] - 1)  # segment k joins a[k] and a[k] + 1
    b = a + 1
    keep = inside[a] & inside[b] & (ref[a] != ref[b])
    a, b, seg_way = a[keep], b[keep], seg_way[keep]
    if len(a) == 0:
        raise NetworkFileError(f"{path.name}: no ways usable for {mode} (in the clip area)")
    from pyproj import Geod

    _, _, length_m = Geod(ellps="WGS84").inv(lon[a], lat[a], lon[b], lat[b])
    speed = np.array(way_speed)[seg_way]
    # Two distinct nodes at one spot would give a 0 s edge; sparse-matrix operations may drop explicit
    # zeros, which would cut the graph there, so such edges take 1 ms.
    secs = np.maximum(np.asarray(length_m) / (speed / 3.6), 1e-3)
    ids, inverse = np.unique(np.r_[ref[a], ref[b]], return_inverse=True)
    u, v = inverse[: len(a)], inverse[len(a) :]
    first_pos = np.full(len(ids), -1)
    first_pos[inverse[::-1]] = np.r_[a, b][::-1]  # any occurrence gives the node's location
    node_lon, node_lat = lon[first_pos], lat[first_pos]
    fwd, bwd = np.array(way_fwd)[seg_way], np.array(way_bwd)[seg_way]
    src = np.r_[u[fwd], v[bwd]]
    dst = np.r_[v[fwd], u[bwd]]
    w = np.r_[secs[fwd], secs[bwd]]
    seconds = _csr_min(src, dst, w, len(ids))
    n_labels, labels = connected_components(seconds, directed=True, connection="strong")
    sizes = np.bincount(labels)
    biggest = int(np.argmax(sizes))
    keep_nodes = np.flatnonzero(labels == biggest)
    seconds = seconds[keep_nodes][:, keep_nodes].tocsr()
    seconds.sort_indices()
    used_classes = Counter(np.array(way_class)[np.unique(seg_way)].tolist())
    meta = {
        "mode": mode,
        "source": path.name,
        "nodes": int(len(keep_nodes)),
        "edges": int(seconds.nnz),
        "ways_read": int(counts["ways"]),
        "ways_used": int(counts["used_ways"]),
        "ways_excluded_by_access": int(counts["skipped_access"]),
        "dropped_components": int(n_labels - 1),
        "dropped_nodes": int(len(ids) - len(keep_nodes)),
        "clip": list(bounds) if bounds else None,
        "speeds_kmh": (
            {"default_by_class": CAR_SPEEDS_KMH, "zones": ZONE_SPEEDS_KMH, "zone_defaults": ZONE_DEFAULT_KMH}
            if mode == "car"
            else {"all": WALK_KMH if mode == "walk" else BICYCLE_KMH}
        ),
        "ways_with_maxspeed": int(counts["maxspeed_used"]),
        "maxspeed_unparsed": dict(maxspeed_unparsed.most_common(10)),
        "ways_by_class": dict(sorted(used_classes.items())),
        "length_m": "geodesic (WGS84)",
    }
    return RoadNetwork(node_lon[keep_nodes], node_lat[keep_nodes], ids[keep_nodes], seconds, meta)


def _csr_min(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n: int) -> sparse.csr_matrix:
    """CSR of the edges, keeping the shortest of parallel edges (scipy would add them up)."""
    order = np.lexsort((w, dst, src))
    src, dst, w = src[order], dst[order], w[order]
    first = np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])]
    src, dst, w = src[first], dst[first], w[first]
    indptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))]
    return sparse.csr_matrix((w, dst.astype(np.int32 if n < 2**31 else np.int64), indptr), shape=(n, n))
