"""Reading a request's parameters once into typed values (with assetmap.values' parsers)."""

from __future__ import annotations

from assetmap import store, values
from assetmap.errors import InvalidParameter
from assetmap.services import areadata, travel


def analysis_args(db, args) -> dict:
    """circuity, include_imprecise and level shared by reach, access, what-if and suggest."""
    return {
        "circuity": values.parse_circuity(args.get("circuity")),
        "include_imprecise": values.parse_flag(args.get("include_imprecise"), "include_imprecise"),
        "level": values.parse_choice(args.get("level"), "level", areadata.area_levels(db)),
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


TRAVEL_CHOICES = ("straight", *travel.MODES)


def travel_args(args, minutes_key: str = "threshold_min") -> dict | None:
    """mode, its minutes (threshold_min or catchment_min) and travel_source (matrix|network) for
    measures by travel time; None for straight-line distance (mode absent or 'straight')."""
    mode = values.parse_choice(args.get("mode"), "mode", TRAVEL_CHOICES, default="straight")
    minutes = values.parse_minutes(args.get(minutes_key), minutes_key)
    prefer = values.parse_choice(args.get("travel_source"), "travel_source", ["matrix", "network"])
    if mode == "straight":
        if minutes is not None:
            raise InvalidParameter(f"{minutes_key} needs mode={'|'.join(travel.MODES)} (straight lines take metres)")
        return None
    return {"mode": mode, minutes_key: minutes, "prefer": prefer}


def travel_analysis_args(db, args) -> dict:
    """analysis_args without circuity (a travel time is routed, not estimated)."""
    found = analysis_args(db, args)
    found.pop("circuity")
    return found
