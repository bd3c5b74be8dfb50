"""Loading travel times into a place: a routing engine's matrix (CSV) or an OpenStreetMap extract.

import_travel_times() reads a wide or long matrix (formats.travel_times), matches its origins to
areas (by id, else name) and its destinations to active assets (by name or external_id, else the
app's asset id), and replaces the mode's matrix in one transaction. Origins are taken to be each
area's representative point (rep_lon, rep_lat in /api/areas?format=csv): that is the point the
routing engine should have been given, and the reach measured from a matrix is from that point.

import_network() builds the routable graph of an extract for a mode (formats.osm_network),
clipped to the loaded areas' sample points plus a margin, saves it as a .npz in the database's
network folder (store.network_folder) and points the mode's row at it; the file it replaces is
removed afterwards. Nothing is half-saved: a file that cannot be read changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from assetmap import store
from assetmap.formats import osm_network
from assetmap.formats.tables import ImportFileError
from assetmap.formats.travel_times import MatrixReport, TravelTimeFileError, build_lookup, read_travel_times
from assetmap.formats.travel_times import resolve_travel_times as resolve

MATRIX_MODES = ("car", "transit", "walk", "bicycle")
NETWORK_MODES = osm_network.MODES
DEFAULT_MARGIN_M = 10_000.0
ORIGIN_NOTE = "each area's representative point (rep_lon, rep_lat)"


@dataclass(frozen=True)
class MatrixImport:
    """What import_travel_times stored, and what it reported and skipped."""

    mode: str
    label: str
    layout: str
    unit: str
    areas: int  # areas with a row
    assets: int  # assets with a column
    pairs: int  # reachable pairs stored
    levels: dict  # area level -> areas with a row
    report: MatrixReport

    def summary(self) -> str:
        """Lines for the command line."""
        levels = ", ".join(f"{n} {level}" for level, n in sorted(self.levels.items()))
        return (
            f"{self.mode} travel times ({self.label}): {self.layout} matrix in {self.unit}; "
            f"{self.areas} areas ({levels}) x {self.assets} assets, {self.pairs} reachable pairs stored.\n"
            f"Origins are {ORIGIN_NOTE}.\n" + self.report.summary()
        )


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _area_lookup(rows) -> dict:
    """Area ids first; a name is used only where it is not also some area's id."""
    lookup = build_lookup((r[0], r[0]) for r in rows)
    names = build_lookup((r[1], r[0]) for r in rows)
    return {**{k: v for k, v in names.items() if k not in lookup}, **lookup}


def _asset_lookup(rows) -> dict:
    """Names and external_ids; the app's asset id only where no name or external_id reads the same."""
    lookup = build_lookup([(r[1], r[0]) for r in rows] + [(r[2], r[0]) for r in rows])
    for asset_id, _, _ in rows:
        lookup.setdefault(str(asset_id), asset_id)
    return lookup


def import_travel_times(
    db: Database,
    path: str | Path,
    mode: str,
    *,
    unit: str | None = None,
    label: str | None = None,
    imported_at: str | None = None,
) -> MatrixImport:
    """Replace a mode's travel-time matrix with a CSV file's (see the module notes).

    Raises TravelTimeFileError (nothing saved) when the file cannot be read or matches nothing.
    """
    if mode not in MATRIX_MODES:
        raise ValueError(f"mode must be one of {', '.join(MATRIX_MODES)}")
    path = Path(path)
    table = read_travel_times(path, unit=unit)
    areas = store.area_names(db)
    if not areas:
        raise TravelTimeFileError("no areas loaded: import the areas before their travel times")
    level_of = {r[0]: r[2] for r in areas}
    tt = resolve(table, _area_lookup(areas), _asset_lookup(store.active_asset_names(db)), dense=False)
    report = tt.report
    if report.used_cells == 0:
        raise TravelTimeFileError(
            f"{path.name}: no cell names both a known area and a known asset; nothing was saved.\n" + report.summary()
        )
    area_ids = [tt.area_ids[i] for i in np.flatnonzero(tt.area_in_matrix)]
    asset_ids = [int(tt.asset_ids[j]) for j in np.flatnonzero(tt.asset_in_matrix)]
    m = tt.minutes.tocoo()
    pairs = [(tt.area_ids[i], int(tt.asset_ids[j]), float(v)) for i, j, v in zip(m.row, m.col, m.data, strict=True)]
    levels: dict[str, int] = {}
    for a in area_ids:
        levels[level_of[a]] = levels.get(level_of[a], 0) + 1
    label = (label or "").strip()[:200] or path.name
    result = MatrixImport(
        mode, label, table.layout, table.unit, len(area_ids), len(asset_ids), len(pairs), levels, report
    )
    store.replace_matrix(
        db,
        mode,
        {
            "label": label,
            "source": path.name,
            "imported_at": imported_at or _now(),
            "unit": table.unit,
            "counts": {"areas": len(area_ids), "assets": len(asset_ids), "pairs": len(pairs), "levels": levels},
            "details": {
                "layout": table.layout,
                "origins": ORIGIN_NOTE,
                "cells": report.cells,
                "unreachable_cells": report.unreachable_cells,
                "unmatched_origins": report.unmatched_origins.count,
                "unmatched_destinations": report.unmatched_destinations.count,
                "report": report.summary(),
            },
        },
        area_ids,
        asset_ids,
        pairs,
    )
    return result


@dataclass(frozen=True)
class NetworkImport:
    """What import_network stored."""

    mode: str
    label: str
    file: Path
    meta: dict

    def summary(self) -> str:
        """Lines for the command line."""
        m = self.meta
        return (
            f"{self.mode} network ({self.label}): {m['nodes']:,} nodes, {m['edges']:,} edges from "
            f"{m['ways_used']:,} of {m['ways_read']:,} highway ways ({m['ways_excluded_by_access']:,} left out by access "
            f"tags); {m['dropped_components']:,} disconnected parts ({m['dropped_nodes']:,} nodes) set aside.\n"
            f"Clipped to {', '.join(f'{v:.4f}' for v in m['clip'])} (lon/lat: the areas plus "
            f"{m['margin_m'] / 1000:g} km). Saved as {self.file}."
        )


def import_network(
    db: Database,
    path: str | Path,
    mode: str,
    *,
    margin_m: float = DEFAULT_MARGIN_M,
    label: str | None = None,
    progress: Callable[[dict], None] | None = None,
    imported_at: str | None = None,
) -> NetworkImport:
    """Build and store a mode's road/path network from an OSM extract, clipped to the areas (see module notes).

    Raises NetworkFileError (nothing saved) when the file gives no usable network in the clip.
    """
    if mode not in NETWORK_MODES:
        raise ValueError(f"mode must be one of {', '.join(NETWORK_MODES)}")
    extent = store.sample_extent(db)
    if extent is None:
        raise ImportFileError("no areas loaded: import the areas first (the network is clipped to them)")
    clip = osm_network.bbox_around([extent[0], extent[2]], [extent[1], extent[3]], margin_m)
    net = osm_network.read_network(path, mode, clip=clip, progress=progress)
    net.meta["margin_m"] = float(margin_m)
    folder = store.network_folder(db)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (imported_at or _now()).replace(":", "").replace("-", "").replace("+0000", "")
    name = f"{mode}-{stamp[:15]}-{secrets.token_hex(3)}.npz"
    target = folder / name
    net.save(target)
    try:
        old = store.replace_network(
            db,
            mode,
            {
                "label": (label or "").strip()[:200] or Path(path).name,
                "source": Path(path).name,
                "imported_at": imported_at or _now(),
                "file": name,
                "counts": {k: net.meta[k] for k in ("nodes", "edges", "ways_used", "dropped_nodes")},
                "details": net.meta,
            },
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if old:
        (folder / old).unlink(missing_ok=True)
    return NetworkImport(mode, (label or "").strip()[:200] or Path(path).name, target, net.meta)
