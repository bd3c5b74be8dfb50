"""Reading a request's parameters once into typed values (with assetmap.values' parsers)."""

from __future__ import annotations

from assetmap import store, values


def analysis_args(db, args) -> dict:
    """circuity, include_imprecise and level shared by reach, access, what-if and suggest."""
    return {
        "circuity": values.parse_circuity(args.get("circuity")),
        "include_imprecise": values.parse_flag(args.get("include_imprecise"), "include_imprecise"),
        "level": values.parse_choice(args.get("level"), "level", store.area_levels(db)),
    }


def asset_filters(db, args) -> dict:
    """bbox, category, q and mapped: the filters of the map's asset list and its exports."""
    mapped = values.parse_choice(args.get("mapped"), "mapped", ["0", "1"])
    return {
        "bbox": values.parse_bbox(args.get("bbox")),
        "categories": values.parse_categories(args.getlist("category"), store.category_slugs(db)),
        "q": values.parse_query(args.get("q")),
        "mapped": None if mapped is None else mapped == "1",
    }
