"""The one public view of an asset: what may leave the app, in Python and in its SQL twin.

Every public output (map API, exports, HSDS, finder, handout, reach and access analyses,
public assessments) reads assets through `public_asset()` or the `public_assets` SQL view that
`public_view_sql()` defines; a test holds the two equal on every stored row.

- Fields that are not public (`verified_by`: an editor's email) never leave.
- A confidential site (a shelter, youth housing) keeps its name, category, description and
  contact details, so people can still reach it, and shows nothing that locates it: every
  `locating` field of the registry (address, postal code, community, municipality, point,
  precision source, notes, source pages, external id) is blank, its precision is 'none', and its
  extra attributes are withheld. It has no point, so no analysis can use it.
- An asset whose location is unknown (precision 'none') has no point either.
- Only active assets are public.
"""

from __future__ import annotations

from assetmap import fields

_TEXT_BLANK = ""


def _blank(name: str):
    if name == "location_precision":
        return "none"
    return None if fields.FIELD[name].type is not str else _TEXT_BLANK


CONFIDENTIAL_BLANK: dict[str, object] = {name: _blank(name) for name in fields.LOCATING}
NOT_PUBLIC: tuple[str, ...] = tuple(f.name for f in fields.FIELDS if not f.public)


def public_asset(row: dict) -> dict:
    """The asset as it may leave the app (a copy)."""
    asset = dict(row)
    for name in NOT_PUBLIC:
        if name in asset:
            asset[name] = None
    if asset.get("confidential"):
        asset.update(CONFIDENTIAL_BLANK)
        asset["extra"] = None
    elif asset.get("location_precision") in (None, "none"):
        asset.update(latitude=None, longitude=None)
    return asset


def has_public_point(row: dict) -> bool:
    """True when the asset may be shown at a point (not confidential, location known)."""
    return (
        not row.get("confidential")
        and row.get("location_precision") not in (None, "none")
        and row.get("latitude") is not None
        and row.get("longitude") is not None
    )


def _sql_literal(value) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _column_sql(name: str) -> str:
    if name in NOT_PUBLIC:
        return f"NULL AS {name}"
    if name in ("latitude", "longitude"):
        return f"CASE WHEN confidential OR COALESCE(location_precision, 'none') = 'none' THEN NULL ELSE {name} END AS {name}"
    if name in CONFIDENTIAL_BLANK:
        return f"CASE WHEN confidential THEN {_sql_literal(CONFIDENTIAL_BLANK[name])} ELSE {name} END AS {name}"
    return name


def public_view_sql() -> str:
    """CREATE VIEW public_assets: the SQL twin of public_asset(), active assets only."""
    cols = [_column_sql(f.name) for f in fields.FIELDS]
    cols += [
        "status",
        "version",
        "created_at",
        "updated_at",
        "CASE WHEN confidential THEN NULL ELSE extra END AS extra",
    ]
    return "CREATE VIEW public_assets AS SELECT id, " + ", ".join(cols) + " FROM assets WHERE status = 'active'"


# A public point, on rows of the public_assets view (which already hides confidential points).
PUBLIC_POINT_SQL = "latitude IS NOT NULL AND longitude IS NOT NULL"


def search_text_sql(prefix: str) -> list[str]:
    """The text index's values for a row (`prefix` is new or old in a trigger): public values only,
    so a confidential site is found by its name and description, never by its town."""
    out = []
    for name in fields.SEARCHABLE:
        value = f"COALESCE({prefix}.{name}, '')"
        out.append(f"CASE WHEN {prefix}.confidential THEN '' ELSE {value} END" if name in CONFIDENTIAL_BLANK else value)
    return out
