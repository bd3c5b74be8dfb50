"""The asset form, shared by the editors' pages and the moderation of suggestions.

Its fields and groups come from the field registry (assetmap.fields): every field with a group is
on the form, so saving the form never clears a field it does not show.
"""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from app.context import page_map, place
from app.db import get_db
from assetmap import fields, store
from needs_assessment.precision import PRECISION_WORDS

FORM_GROUPS = fields.form_groups()
FORM_FIELDS = [f.name for _, group in FORM_GROUPS for f in group]


def form_values(form) -> dict:
    """Text values of every form field from a submitted form (unchecked box = not confidential)."""
    values = {name: form.get(name, "").strip() for name in FORM_FIELDS if fields.FIELD[name].widget != "checkbox"}
    for name in FORM_FIELDS:
        if fields.FIELD[name].widget == "checkbox":
            values[name] = "1" if form.get(name) else "0"
    if form.get("verified_now"):
        values["verified_date"] = place().today().isoformat()
        values["verified_by"] = current_user.email
    if form.get("external_id"):
        values["external_id"] = form["external_id"].strip()
    return values


def row_values(row: dict) -> dict:
    """Form values of a stored asset."""
    values = {
        k: ("" if row.get(k) is None else row.get(k))
        for k in [*FORM_FIELDS, "verified_date", "verified_by", "external_id"]
    }
    values["confidential"] = "1" if row.get("confidential") else "0"
    return values


def with_located(values: dict, clean: dict) -> dict:
    """Keep what geocoding found in the form when it is shown again."""
    out = dict(values)
    for key in ("latitude", "longitude", "location_precision", "precision_source", "postal_code", "website"):
        if clean.get(key) is not None:
            out[key] = clean[key]
    return out


def _form_map(values: dict) -> dict:
    try:
        point = [float(values["latitude"]), float(values["longitude"])]
    except (TypeError, ValueError, KeyError):
        point = None
    return page_map(
        {"point": point, "geocodeUrl": url_for("assets.geocode")},
        "AssetForm.init",
        ("js/assetform.js",),
        center=tuple(point) if point else None,
        zoom=15 if point else None,
    )


def render_form(
    values: dict, *, asset=None, errors=None, warnings=None, duplicates=None, status=200, conflict=None, suggestion=None
):
    """The asset form page (add, edit, or review a suggestion)."""
    return (
        render_template(
            "assets/form.html",
            values=values,
            asset=asset,
            errors=errors or {},
            warnings=warnings or [],
            duplicates=duplicates or [],
            conflict=conflict,
            suggestion=suggestion,
            groups=FORM_GROUPS,
            categories=store.list_categories(get_db()),
            precision_words=PRECISION_WORDS,
            abcd_types=_abcd_types(),
            map=_form_map(values),
        ),
        status,
    )


def _abcd_types() -> list[dict]:
    from assetmap.vocab import abcd

    return abcd.load_types()
