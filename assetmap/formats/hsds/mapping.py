"""Open Referral HSDS 3.0 <-> assets: the mapping, as pure functions over plain dicts.

One asset is one HSDS *unit*: a service, its organization, and (when the asset has a place) one
service_at_location with its location. `asset_unit()` builds the unit from an asset row;
`parse.parse_unit()` reads an asset record back from a unit. Everything HSDS has a field for goes
there (`unit.structured_unit()`); our categories and ABCD types are taxonomy terms on the service; the
fields HSDS has no place for (subcategory, location precision, source, notes...) are attributes of
the taxonomy `assetmap_field` whose value holds the field (`terms.field_term()`). `asset_unit()`
checks its own work: any field `parse_unit()` would not read back exactly is added as such an
attribute, so a round trip is exact by construction. What an imported unit held beyond our columns
is put back from the asset's `extra["hsds"]` (`leftovers`).

Confidential assets leave without address, postal code, coordinates or notes (`public_asset`).
"""

from __future__ import annotations

import json

from assetmap import fields
from assetmap.formats.hsds.leftovers import apply_leftovers
from assetmap.formats.hsds.parse import parse_unit
from assetmap.formats.hsds.terms import ROUND_TRIP_FIELDS, Context, attribute, field_term
from assetmap.formats.hsds.unit import asset_extra, structured_unit, unit_ids
from assetmap.formats.hsds.values import same_value
from assetmap.privacy import public_asset
from assetmap.vocab import abcd

# Field attributes that describe the place are linked to the location when there is one: the
# registry's locating fields (assetmap.fields), and accessibility.
LOCATION_FIELDS = (set(fields.LOCATING) - {"external_id", "source_url", "notes"}) | {"accessibility"}


def _text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def asset_unit(row: dict, ctx: Context) -> dict:
    """The HSDS unit of one asset: structured fields, field attributes for the rest, source leftovers."""
    asset = public_asset(row)
    ids = unit_ids(asset)
    unit = structured_unit(asset, ctx, ids)
    extra = asset_extra(asset)
    hsds_extra = extra.pop("hsds", None) or {}
    apply_leftovers(unit, hsds_extra, asset, ids)
    back, _ = parse_unit(unit, ctx)
    attrs: list[tuple[str, dict]] = []
    for name in ROUND_TRIP_FIELDS:
        want = abcd.effective_type(asset, ctx.abcd_types) if name == "abcd_type" else asset.get(name)
        if name == "external_id" and not want:
            continue  # no id of its own: the importer keeps hsds:<service id>, stable for re-imports
        if not same_value(back.get(name), want):
            attrs.append((name, {"value": _text(want)}))
    for key, value in sorted(extra.items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        attrs.append((f"extra.{key}", {"value": text, "link_type": "" if isinstance(value, str) else "json"}))
    for code, spec in attrs:
        if code in LOCATION_FIELDS and unit["location"] is not None:
            entity, link = "location", unit["location"]
        elif code == "external_id" and unit["service_at_location"] is not None:
            # One service can have several locations, each its own asset with its own id.
            entity, link = "service_at_location", unit["service_at_location"]
        else:
            entity, link = "service", unit["service"]
        link.setdefault("attributes", []).append(
            attribute(entity, link["id"], field_term(code), spec["value"], spec.get("link_type", ""))
        )
    return unit
