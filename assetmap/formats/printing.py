"""Charts and static maps for printed assessments (matplotlib, Agg, SVG) and the PDF (WeasyPrint).

Maps are drawn from our own area geometries, projected to metres (a local transverse Mercator),
with no tiles: they print and work offline. Confidential sites are never in the snapshot, so they
can never be drawn; approximate points are drawn hollow.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import io
import json
import threading

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.markers import MarkerStyle  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from matplotlib.transforms import IdentityTransform  # noqa: E402
from shapely.geometry import shape  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from assetmap import store  # noqa: E402
from assetmap.formats import uptake_charts  # noqa: E402
from needs_assessment.geo import projection_for  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # keep text as text: smaller files, selectable in the browser
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

REACH_BINS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0001]
REACH_COLOURS = ["#f7f7f7", "#d9c6e0", "#b38bc4", "#8c4fa6", "#7a0177"]
QUINTILE_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def data_uri(svg: str) -> str:
    """An SVG as a data: URI for <img src> (works in browsers and WeasyPrint)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar_chart(labels: list[str], values: list[float | None], xlabel: str, colour: str = "#12355b") -> str:
    """Horizontal bars (None drawn as no bar and labelled 'not shown')."""
    fig, ax = plt.subplots(figsize=(6.2, 0.32 * len(labels) + 0.8))
    y = np.arange(len(labels))[::-1]
    vals = [0 if v is None else v for v in values]
    ax.barh(y, vals, color=colour, height=0.65)
    top = max(vals) if vals and max(vals) > 0 else 1
    for yi, v in zip(y, values, strict=True):
        text = "not shown" if v is None else (f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.2f}")
        ax.text((0 if v is None else v) + top * 0.01, yi, text, va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(xlabel)
    return _svg(fig)


def bounds_chart(labels: list[str], precise: list[float | None], approximate: list[float | None], xlabel: str) -> str:
    """Two bars per row: the figure with precise points only and with approximate points too;
    None is written 'cannot be measured' (or 'not shown' when suppressed) instead of a bar."""
    fig, ax = plt.subplots(figsize=(6.2, 0.5 * len(labels) + 1.0))
    y = np.arange(len(labels))[::-1]
    vals = [v for v in precise + approximate if v is not None]
    top = max(vals) if vals and max(vals) > 0 else 1
    for offset, series, colour, name in (
        (0.18, precise, "#7a0177", "precise points only"),
        (-0.18, approximate, "#dd99c9", "approximate points too"),
    ):
        ax.barh(y + offset, [0 if v is None else v for v in series], height=0.34, color=colour, label=name)
        for yi, v in zip(y + offset, series, strict=True):
            ax.text((0 if v is None else v) + top * 0.01, yi, "cannot be measured" if v is None else f"{v:,.0f}%",
                    va="center", fontsize=7)  # fmt: skip
    ax.set_yticks(y, labels)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right", fontsize=7, frameon=False)
    return _svg(fig)


def quintile_chart(dims: dict) -> str:
    """Stacked bars: share of people in each CIMD quintile, one bar per dimension."""
    keys = list(dims)
    fig, ax = plt.subplots(figsize=(6.2, 0.45 * len(keys) + 1.0))
    y = np.arange(len(keys))[::-1]
    left = np.zeros(len(keys))
    for q in range(5):
        shares = []
        for k in keys:
            people = [0 if p is None else p for p in dims[k]["people"]]
            total = sum(people) or 1
            shares.append(100 * people[q] / total)
        ax.barh(y, shares, left=left, color=QUINTILE_COLOURS[q], height=0.6, label=f"Q{q + 1}")
        left += np.array(shares)
    ax.set_yticks(y, [dims[k]["label"] for k in keys])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of people with a score (suppressed cells drawn as 0)")
    ax.legend(
        ncols=5,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.35),
        frameon=False,
        title="national quintile (5 = most deprived)",
    )
    return _svg(fig)


def _rings(geoms, proj) -> list[MplPath]:
    """Each polygon's outer ring, projected to metres, as a closed path (holes are not drawn)."""
    rings = []
    for g in geoms:
        polys = [g] if g.geom_type == "Polygon" else list(getattr(g, "geoms", []))
        for p in polys:
            if p.geom_type != "Polygon":
                continue
            xy = np.column_stack(proj.forward(*np.asarray(p.exterior.coords).T))
            rings.append(MplPath(xy, closed=True))
    return rings


def _draw_as_one(ax, paths: list[MplPath], **style) -> None:
    """Shapes of one style drawn as one path: one SVG element instead of one per shape.

    WeasyPrint draws an SVG in Python, element by element, so a map drawn as a handful of paths
    (one per colour) instead of a few hundred elements costs the PDF far less. It looks the same:
    areas tile, so the order their fills and edges are drawn in does not show; joins are round as
    in the collections and scatter this replaces. add_artist, not add_patch: the caller sets the
    limits, and working them out from every curve of a long path is slow.
    """
    ax.add_artist(PathPatch(MplPath.make_compound_path(*paths), joinstyle="round", **style))


def _dots(ax, x, y, *, size_pt2: float, **style) -> PathCollection:
    """Round markers as one path in data units (like scatter(s=size_pt2), which writes an SVG
    element per point), and a detached scatter-like handle for the legend; call once the axes'
    limits and aspect are set, since the radius in metres comes from the axes' scale."""
    ax.apply_aspect()
    (x0, _), (x1, _) = ax.transData.transform([(0, 0), (1, 0)])
    radius = 0.5 * np.sqrt(size_pt2) / 72 * ax.figure.dpi / (x1 - x0)  # points -> metres
    _draw_as_one(ax, [MplPath.circle((xi, yi), radius) for xi, yi in zip(x, y, strict=True)], zorder=3, **style)
    marker = MarkerStyle("o")
    handle = PathCollection(
        [marker.get_path().transformed(marker.get_transform())],
        sizes=[size_pt2],
        facecolors=style["facecolor"],
        edgecolors=style["edgecolor"],
        linewidths=style["linewidth"],
    )
    handle.set_transform(IdentityTransform())  # as scatter() does: sized in points, not in the legend's units
    return handle


def map_base(db: Database, row: dict) -> dict | None:
    """What both maps of a report draw on, read and projected once: the geography's areas and their
    shapes, the municipality outlines, the projection and the bounds (None without shapes)."""
    areas = store.areas_by_ids(db, row["results"]["geography"]["area_ids"])
    shapes = {a["id"]: shape(json.loads(a["geometry"])) for a in areas if a["geometry"]}
    if not shapes:
        return None
    minx, miny, maxx, maxy = np.array([s.bounds for s in shapes.values()]).T
    bounds = (minx.min(), miny.min(), maxx.max(), maxy.max())
    parents = sorted({a["parent_id"] for a in areas if a["parent_id"]})
    outline_rows = store.areas_by_ids(db, parents) if parents else []
    return {
        "areas": [a for a in areas if a["id"] in shapes],
        "shapes": shapes,
        "outlines": [shape(json.loads(r["geometry"])) for r in outline_rows if r["geometry"]],
        "bounds": bounds,
        "proj": projection_for([bounds[0], bounds[2]], [bounds[1], bounds[3]]),
    }


def static_map(
    db: Database,
    row: dict,
    *,
    shade: str = "density",
    categories: dict[str, dict] | None = None,
    only_category: str | None = None,
    base: dict | None = None,
) -> str:
    """A map of the geography's areas (shaded by density or share beyond reach), municipality
    outlines and the snapshot's asset points (hollow when approximate); base: map_base(db, row),
    when the caller draws more than one map of the same geography."""
    base = base or map_base(db, row)
    if base is None:
        return ""
    shapes, proj, order = base["shapes"], base["proj"], base["areas"]
    minx, miny, maxx, maxy = base["bounds"]
    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    if shade == "reach" and not row["results"]["map"].get("measurable", True):
        colours = ["#d9d9d9"] * len(order)
        legend = [("cannot be measured: no located assets of this kind", "#d9d9d9")]
    elif shade == "reach":
        share = row["results"]["map"]["unreached_share"]
        colours = []
        for a in order:
            v = share.get(a["id"])
            colours.append("#d9d9d9" if v is None else REACH_COLOURS[int(np.digitize(v, REACH_BINS[1:-1]))])
        legend = [("no people counted", "#d9d9d9")] + [
            (f"{int(lo * 100)}–{int(min(hi, 1) * 100)}% beyond reach", c)
            for lo, hi, c in zip(REACH_BINS[:-1], REACH_BINS[1:], REACH_COLOURS, strict=True)
        ]
    else:
        dens = [(a["population"] or 0) / a["land_area_km2"] if a["land_area_km2"] else None for a in order]
        bins = [0, 5, 25, 100, 400]
        palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
        colours = ["#d9d9d9" if d is None else palette[int(np.digitize(d, bins[1:]))] for d in dens]
        legend = [
            (f"{lo}–{hi} people/km²" if hi else f"{lo}+ people/km²", c)
            for lo, hi, c in zip(bins, bins[1:] + [None], palette, strict=True)
        ]
    by_colour: dict[str, list[MplPath]] = {}
    for a, colour in zip(order, colours, strict=True):
        by_colour.setdefault(colour, []).extend(_rings([shapes[a["id"]]], proj))
    for colour, rings in by_colour.items():
        _draw_as_one(ax, rings, facecolor=colour, edgecolor="#ffffff", linewidth=0.4)
    if base["outlines"]:  # the municipalities the geography touches
        outline = {"facecolor": "none", "edgecolor": "#333333", "linewidth": 0.9, "linestyle": "--"}
        _draw_as_one(ax, _rings(base["outlines"], proj), **outline)
    x0, y0 = proj.forward([minx], [miny])
    x1, y1 = proj.forward([maxx], [maxy])
    pad = 0.03 * max(x1[0] - x0[0], y1[0] - y0[0])
    ax.set_xlim(x0[0] - pad, x1[0] + pad)
    ax.set_ylim(y0[0] - pad, y1[0] + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    cats = categories or {}
    points = [p for p in row["results"]["map"]["assets"] if only_category in (None, p["category"])]
    handles = []
    for cat_slug in sorted({p["category"] for p in points}):
        pts = [p for p in points if p["category"] == cat_slug]
        colour = (cats.get(cat_slug) or {}).get("colour") or "#444444"
        for precise in (True, False):
            sel = [p for p in pts if p["precise"] == precise]
            if not sel:
                continue
            x, y = proj.forward([p["lon"] for p in sel], [p["lat"] for p in sel])
            name = (cats.get(cat_slug) or {}).get("label") or cat_slug
            if shade == "reach":  # used sites filled; sites left out for an approximate point as grey rings
                label = f"{name}: used" if precise else "left out: approximate point (town centre, rural postal code)"
                face, edge = (colour, "white") if precise else ("none", "#555555")
            else:
                label = name if precise or not any(p["precise"] for p in pts) else None
                face, edge = (colour, "white") if precise else ("none", colour)
            handle = _dots(ax, x, y, size_pt2=22 if precise else 34, facecolor=face, edgecolor=edge,
                           linewidth=0.5 if precise else 1.2)  # fmt: skip
            if label:
                handle.set_label(label)
                handles.append(handle)
    _scale_bar(ax, x0[0], y0[0], x1[0] - x0[0])
    handles += [Patch(facecolor=c, edgecolor="#999999", label=t) for t, c in legend]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7.5)
    return _svg(fig)


def _scale_bar(ax, x0: float, y0: float, width_m: float) -> None:
    target = width_m / 4
    nice = max(v for v in (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000) if v <= max(target, 1_000))
    ax.plot([x0, x0 + nice], [y0, y0], color="black", linewidth=2)
    ax.text(x0 + nice / 2, y0 + width_m * 0.012, f"{nice / 1000:g} km", ha="center", fontsize=7.5)


def report_figures(db: Database, row: dict, categories: list[dict]) -> dict[str, str]:
    """Every chart and map of the report, as data: URIs keyed by block name."""
    tables = row["results"]["tables"]
    cats = {c["slug"]: c for c in categories}
    out = {}
    assets = tables["assets_by_category"]["rows"]
    if assets:
        out["assets_by_category"] = data_uri(
            bar_chart([r["label"] for r in assets], [r["per_1000"] for r in assets], "assets per 1,000 residents")
        )
    reach = tables["reach_by_category"]
    if reach:

        def pct(b):
            return None if not b["measurable"] or b["share"] is None else 100 * b["share"]

        out["reach_by_category"] = data_uri(
            bounds_chart(
                [r["label"] for r in reach],
                [pct(r["precise"]) for r in reach],
                [pct(r["with_approximate"]) for r in reach],
                "% of residents beyond reach",
            )
        )
    if tables["quintile_distribution"]:
        out["quintile_distribution"] = data_uri(quintile_chart(tables["quintile_distribution"]))
    out["uptake"] = [
        {
            "funnel": uptake_charts.data_uri(uptake_charts.funnel_chart(s)),
            "gradient": uptake_charts.data_uri(uptake_charts.gradient_chart(s)),
        }  # fmt: skip
        for s in tables.get("uptake") or []
    ]
    base = map_base(db, row)
    out["asset_map"] = data_uri(static_map(db, row, shade="density", categories=cats, base=base))
    out["reach_map"] = data_uri(
        static_map(db, row, shade="reach", categories=cats, only_category=row["results"]["map"]["category"], base=base)
    )
    return out


@contextlib.contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector (if it runs), then free the garbage made meanwhile.

    WeasyPrint makes a few million short-lived objects for a 20-page report; each time they trip
    the collector's thresholds it scans the young ones, and now and then every object the process
    holds (in a worker with the app and its data loaded, some 340,000): about 0.4 s of a 3 s PDF.
    One collection of the young generation at the end frees the render's reference cycles (about
    176,000 objects, 0.2 s) at a cost of some 25 MB more at the peak. Only the caller that paused
    the collector turns it back on, so overlapping renders in threads leave it as they found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)  # everything made since is still in the young generation


_fonts = threading.local()  # one WeasyPrint FontConfiguration per thread: Pango's font maps are not thread-safe


def _font_config():
    """This thread's FontConfiguration, made once: a new one per PDF loads every font again and
    starts Pango's glyph and shaping caches cold (about 0.1 s of a 20-page report)."""
    if getattr(_fonts, "config", None) is None:
        from weasyprint.text.fonts import FontConfiguration

        _fonts.config = FontConfiguration()
    return _fonts.config


def pdf_bytes(html: str, base_url: str, stylesheets: list[str] | None = None) -> bytes:
    """Render print HTML to PDF with WeasyPrint (fonts from the system's fontconfig, loaded once per
    thread), with the garbage collector paused (see collector_paused).

    Only data: URIs are fetched, never the network or files: a page's base URL comes from the
    request, so fetching it would let a client's Host header point the server elsewhere.
    """
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fonts = _font_config()
    sheets = [CSS(filename=path, font_config=fonts) for path in stylesheets or []]
    fetcher = URLFetcher(allowed_protocols={"data"})
    with collector_paused():
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
            stylesheets=sheets, font_config=fonts
        )
