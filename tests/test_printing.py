"""The printed report's static maps: every area and every asset point is drawn, as one SVG path per
style (WeasyPrint draws SVG element by element, so this is what keeps the PDF fast), with dots the
size scatter() gave them; and the PDF is made with the garbage collector paused."""

from __future__ import annotations

import gc
import math
import re
import xml.etree.ElementTree as ET

import pytest

from assetmap import store
from assetmap.formats import printing
from assetmap.services.demo import DEMO_ASSESSMENT

SVG = "{http://www.w3.org/2000/svg}"


def _demo(db):
    aid = db.execute("SELECT id FROM assessments WHERE external_id = ?", [DEMO_ASSESSMENT]).fetchone()[0]
    return store.get_assessment(db, aid), {c["slug"]: c for c in store.list_categories(db)}


def _map_paths(svg: str) -> list[tuple[dict, list[list[float]]]]:
    """The paths drawn on the map itself (not its legend): (style, subpaths' coordinates) each."""
    root = ET.fromstring(svg)
    axes = root.find(f".//{SVG}g[@id='axes_1']")
    legend = axes.find(f".//{SVG}g[@id='legend_1']")
    skip = set(legend.iter()) if legend is not None else set()
    out = []
    for el in axes.iter(f"{SVG}path"):
        if el in skip:
            continue
        style = dict(kv.split(": ") for kv in el.get("style", "").split("; ") if kv)
        subpaths = [[float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", part)] for part in el.get("d").split("M")[1:]]
        out.append((style, subpaths))
    return out


def _parts(geom) -> int:
    return len(getattr(geom, "geoms", [geom]))


@pytest.mark.parametrize("shade", ["density", "reach"])
def test_maps_draw_every_area_and_asset_as_one_path_per_style(db, shade):
    row, cats = _demo(db)
    base = printing.map_base(db, row)
    only = row["results"]["map"]["category"] if shade == "reach" else None
    svg = printing.static_map(db, row, shade=shade, categories=cats, only_category=only, base=base)
    paths = _map_paths(svg)

    areas = [(s, sub) for s, sub in paths if s.get("stroke-width") == "0.4"]
    assert len(base["areas"]) == 107  # two of them in several parts (islands): 114 polygons
    assert sum(len(sub) for _, sub in areas) == sum(_parts(g) for g in base["shapes"].values()) == 114
    assert len(areas) == len({s["fill"] for s, _ in areas}) <= 6  # one path per colour, not one per area
    outlines = [sub for s, sub in paths if "stroke-dasharray" in s]
    assert len(base["outlines"]) == 6  # the municipalities with a boundary: 10 polygons
    assert len(outlines) == 1 and len(outlines[0]) == sum(_parts(g) for g in base["outlines"]) == 10

    points = [p for p in row["results"]["map"]["assets"] if only in (None, p["category"])]
    dots = {True: [], False: []}  # filled (precise) and hollow (approximate)
    for style, sub in paths:
        if style.get("stroke-width") in ("0.5", "1.2"):
            dots[style["fill"] != "none"] += sub
    assert {k: len(v) for k, v in dots.items()} == {
        k: sum(1 for p in points if p["precise"] == k) for k in (True, False)
    }
    assert dots[True] and dots[False]  # the demo has both kinds, in both maps
    # Each dot is a circle sqrt(s) points across (the SVG is in points), as scatter(s=22 or 34) drew it.
    for precise, size_pt2 in ((True, 22), (False, 34)):
        for coords in dots[precise]:
            xs = coords[0::2]
            assert max(xs) - min(xs) == pytest.approx(math.sqrt(size_pt2), abs=0.01)
    # The legend has a marker for each labelled kind of dot, drawn inside the picture.
    labelled = {p["category"] for p in points} if shade == "density" else {True, False}
    markers = _legend_markers(svg)
    assert len(markers) == len(labelled)
    width = float(ET.fromstring(svg).get("viewBox").split()[2])
    assert all(0 < x0 < x1 < width for x0, x1 in markers), (markers, width)
    for text in ("20 km", "people/km²" if shade == "density" else "beyond reach"):
        assert text in svg


def _legend_markers(svg: str) -> list[tuple[float, float]]:
    """The left and right x of each marker in the legend (a <use> of a defined path, or a path)."""
    root = ET.fromstring(svg)
    defs = {el.get("id"): el.get("d") for el in root.iter(f"{SVG}path") if el.get("id")}
    out = []
    for group in root.find(f".//{SVG}g[@id='legend_1']").iter(f"{SVG}g"):
        if not (group.get("id") or "").startswith("PathCollection_"):
            continue
        use = group.find(f".//{SVG}use")
        if use is not None:
            d, dx = defs[use.get("{http://www.w3.org/1999/xlink}href")[1:]], float(use.get("x"))
        else:
            d, dx = group.find(f".//{SVG}path").get("d"), 0.0
        xs = [float(v) + dx for v in re.findall(r"-?\d+(?:\.\d+)?", d)[0::2]]
        out.append((min(xs), max(xs)))
    return out


def test_report_figures_draw_both_maps_and_the_charts(db):
    row, _ = _demo(db)
    figures = printing.report_figures(db, row, store.list_categories(db))
    for key in ("assets_by_category", "reach_by_category", "quintile_distribution", "asset_map", "reach_map"):
        assert figures[key].startswith("data:image/svg+xml;base64,") and len(figures[key]) > 10_000, key


def test_pdf_is_made_with_the_collector_paused_and_leaves_it_as_it_found_it():
    from weasyprint import HTML

    html = "<h1>Report</h1>" + "<p>Some words in a paragraph, laid out by WeasyPrint.</p>" * 400
    collections = []

    def record(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(record)
    try:
        HTML(string=html).write_pdf()  # the same render with the collector running: it runs
        assert len(collections) > 5
        collections.clear()
        pdf = printing.pdf_bytes(html, "http://localhost/")
        assert gc.isenabled() and collections == [0]  # none while WeasyPrint ran; one young one after
        assert pdf.startswith(b"%PDF-")
        collections.clear()
        gc.disable()  # someone else paused it: it stays paused, and nothing is collected
        try:
            printing.pdf_bytes("<p>x</p>", "http://localhost/")
            assert not gc.isenabled() and collections == []
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(record)


def test_fonts_are_loaded_once_per_thread_and_the_pdf_is_the_same():
    import threading

    from weasyprint import HTML

    html = "<h1>Résumé</h1><p>Some words, 1,000 of them — and a table.</p>"
    first, second = printing.pdf_bytes(html, "http://localhost/"), printing.pdf_bytes(html, "http://localhost/")
    assert first == second == HTML(string=html).write_pdf()  # byte for byte as with fonts loaded afresh
    mine = printing._font_config()
    assert printing._font_config() is mine
    other = []
    thread = threading.Thread(target=lambda: other.append(printing._font_config()))
    thread.start()
    thread.join()
    assert other[0] is not mine  # Pango's font maps are not shared between threads
