"""The field registry: every field of an asset, declared once.

Everything else is derived from `FIELDS`: the table's columns (store.schema), the editor form and
its groups (app/views/assets), validation (assetmap.validation), spreadsheet headers an import
recognises (`ALIASES`), the CSV and GeoJSON exports, HSDS round-tripping, the finder's result
columns, the public suggestion form, the text index and what a confidential site may show
(assetmap.privacy). Adding a field means adding one `Field` here.

>>> FIELD["postal_code"].locating, FIELD["phone"].locating
(True, False)
>>> column_for_header("Phone Number"), column_for_header("Web Site"), column_for_header("Long")
('phone', 'website', 'longitude')
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One asset field.

    parse: how a text value becomes a stored value (assetmap.validation): text, url, email, phone,
    postal, number, flag, date, month_or_date, precision, category, abcd, opening_hours,
    language_codes, age_groups, or choice (one of `choices`).
    public: leaves the app (API, exports, HSDS, finder). locating: says where the site is, so a
    confidential site never shows it (privacy.public_asset). group: the editor form's group
    (None: not on the form). suggest: on the public suggestion form.
    """

    name: str
    label: str
    label_fr: str = ""
    type: type = str
    parse: str = "text"
    group: str | None = None
    widget: str = "text"
    help: str = ""
    public: bool = True
    locating: bool = False
    searchable: bool = False
    suggest: bool = False
    required: bool = False
    max_len: int = 5000
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    hsds: str = ""


# fmt: off
FIELDS: tuple[Field, ...] = (
    Field("external_id", "Identifier in its source", "Identifiant dans la source", parse="external_id",
          locating=True, max_len=200, aliases=("id", "source_id", "external id", "record id"),
          hsds="assetmap_field attribute"),
    # About
    Field("name", "Name", "Nom", group="About", searchable=True, suggest=True, required=True, max_len=300,
          aliases=("organization", "organisation", "organization name", "organisation name", "name of organization", "agency", "agency name", "service name", "site name", "asset name", "asset", "title"),
          hsds="service.name, organization.name, location.name"),
    Field("category", "Category", "Catégorie", parse="category", group="About", widget="category", suggest=True,
          required=True, aliases=("type", "asset type", "service type", "category name", "kind", "sector"),
          hsds="taxonomy term (assetmap_category)"),
    Field("subcategory", "Kind of place or service", "Genre de lieu ou de service", group="About",
          help="e.g. food bank, arena, EarlyON centre", searchable=True,
          aliases=("sub category", "subtype", "sub type"), hsds="assetmap_field attribute"),
    Field("abcd_type", "ABCD asset type", "Type d'atout (ABCD)", parse="abcd", group="About", widget="abcd",
          help="Leave empty for the category's usual type", aliases=("abcd", "asset based type"),
          hsds="taxonomy term (abcd_asset_type)"),
    Field("description", "Description", "Description", group="About", widget="textarea", searchable=True,
          suggest=True, aliases=("details", "services offered", "what it offers", "about", "summary"),
          hsds="service.description"),
    # Where
    Field("address", "Street address", "Adresse", group="Where", locating=True, suggest=True, max_len=500,
          aliases=("street address", "street", "address line 1", "address1", "addr", "location address", "civic address", "site address"),
          hsds="location.addresses[physical].address_1"),
    Field("address_kind", "Kind of address", "Genre d'adresse", parse="choice", group="Where", widget="choice",
          help="street: people can go there; mailing: post only (no directions are offered)", locating=True,
          choices=("street", "mailing"), hsds="location.addresses[].address_type (physical/postal)"),
    Field("community", "Community", "Communauté", group="Where", help="Town or village", locating=True,
          searchable=True, suggest=True, max_len=200, aliases=("city", "town", "village", "locality", "hamlet"),
          hsds="location.addresses[].city"),
    Field("municipality", "Municipality", "Municipalité", group="Where", locating=True, searchable=True, max_len=200,
          aliases=("township", "local municipality", "borough", "district"), hsds="location.addresses[].region"),
    Field("postal_code", "Postal code", "Code postal", parse="postal", group="Where",
          help="A1A 1A1 (or a UK postcode)", locating=True, suggest=True,
          aliases=("postcode", "postal", "zip", "zip code", "post code"), hsds="location.addresses[].postal_code"),
    Field("latitude", "Latitude", "Latitude", type=float, parse="number", group="Where", widget="number",
          help="Decimal degrees, e.g. 45.0334", locating=True, aliases=("lat", "y", "latitude (wgs84)"),
          hsds="location.latitude"),
    Field("longitude", "Longitude", "Longitude", type=float, parse="number", group="Where", widget="number",
          help="Decimal degrees, e.g. -79.3163", locating=True,
          aliases=("lon", "lng", "long", "x", "longitude (wgs84)"), hsds="location.longitude"),
    Field("location_precision", "How exact is the point?", "Précision de l'emplacement", parse="precision",
          group="Where", widget="precision", locating=True, aliases=("precision", "location precision"),
          hsds="assetmap_field attribute"),
    Field("precision_source", "Where the point came from", "Origine du point", group="Where",
          help="Filled in when the point is geocoded or placed", locating=True, hsds="assetmap_field attribute"),
    Field("confidential", "Confidential location (never mapped or exported with its address)",
          "Emplacement confidentiel", type=int, parse="flag", group="Where", widget="checkbox",
          aliases=("confidential location",), hsds="assetmap_field attribute"),
    # Contact
    Field("phone", "Phone", "Téléphone", parse="phone", group="Contact", widget="tel", suggest=True, max_len=300,
          aliases=("telephone", "tel", "phone number", "phone no", "telephone number", "contact number", "contact phone"),
          hsds="phones[].number"),
    Field("email", "Email", "Courriel", parse="email", group="Contact", widget="email", max_len=254,
          aliases=("email address", "e-mail", "e mail", "contact email"), hsds="service.email"),
    Field("website", "Website", "Site Web", parse="url", group="Contact", widget="url", suggest=True, max_len=500,
          aliases=("url", "web", "web site", "website url", "homepage", "home page", "web address", "link"),
          hsds="service.url"),
    # Service
    Field("hours_text", "Hours (as published)", "Heures (telles que publiées)", group="Service",
          help="Copy the wording of the source", suggest=True,
          aliases=("hours", "hours of operation", "opening times", "open hours", "operating hours", "times"),
          hsds="schedules[].description"),
    Field("opening_hours", "Hours (OpenStreetMap syntax)", "Heures (syntaxe OpenStreetMap)", parse="opening_hours",
          group="Service", help="e.g. Mo-Fr 09:00-17:00; leave empty if unsure", hsds="schedules[] (weekly rules)"),
    Field("languages", "Languages offered", "Langues offertes", group="Service", help="e.g. English, French",
          aliases=("language", "languages spoken"), hsds="languages[].name"),
    Field("language_codes", "Language codes (ISO 639)", "Codes de langue (ISO 639)", parse="language_codes",
          group="Service", help="e.g. en,fr,oj — used by the finder's language filter", hsds="languages[].code"),
    Field("accessibility", "Accessibility", "Accessibilité", group="Service",
          help="e.g. wheelchair accessible entrance", hsds="location.accessibility[].description"),
    Field("wheelchair", "Wheelchair access", "Accès en fauteuil roulant", parse="choice", group="Service",
          widget="choice", help="As OpenStreetMap's wheelchair=*", choices=("yes", "limited", "no"),
          hsds="assetmap_field attribute"),
    Field("eligibility", "Who can use it", "Qui peut l'utiliser", group="Service", aliases=("who can use it",),
          hsds="service.eligibility_description"),
    Field("age_groups", "Age groups served", "Groupes d'âge", parse="age_groups", group="Service",
          help="children, youth, adults, seniors, or all", aliases=("ages", "age group", "ages served"),
          hsds="assetmap_field attribute"),
    Field("cost", "Cost", "Coût", group="Service", help="e.g. free, sliding scale", aliases=("fees", "price"),
          hsds="service.fees_description"),
    Field("cost_level", "Cost level", "Niveau de coût", parse="choice", group="Service", widget="choice",
          choices=("free", "low", "fee"), hsds="assetmap_field attribute"),
    Field("capacity", "Capacity", "Capacité", type=float, parse="number", group="Service", widget="number",
          help="Hours open per week, seats or staff; used to weigh access (default 1)",
          hsds="assetmap_field attribute"),
    # Source
    Field("source", "Source", "Source", group="Source", help="Where this information comes from",
          aliases=("data source", "source name"), hsds="assetmap_field attribute"),
    Field("source_url", "Source web page", "Page source", parse="url", group="Source", widget="url", locating=True,
          max_len=2000, aliases=("source link", "source page"), hsds="assetmap_field attribute"),
    Field("address_source_url", "Page the address came from", "Page de l'adresse", parse="urls", group="Source",
          locating=True, max_len=2000, aliases=("street_address_source_url",), hsds="assetmap_field attribute"),
    Field("contact_source_url", "Page the contact details came from", "Page des coordonnées", parse="urls",
          group="Source", locating=True, max_len=2000, hsds="assetmap_field attribute"),
    Field("coordinate_source_url", "Page the point came from", "Page du point", parse="urls", group="Source",
          locating=True, max_len=2000, hsds="assetmap_field attribute"),
    Field("last_seen", "Details last seen on a dated page", "Vu pour la dernière fois", parse="month_or_date",
          group="Source", help="YYYY-MM-DD (or YYYY-MM) of the page the details were copied from",
          aliases=("last seen", "as of", "date of information"), hsds="assetmap_field attribute"),
    Field("notes", "Notes", "Notes", group="Source", widget="textarea",
          help="Shown with the record (never for a confidential site)", locating=True,
          hsds="assetmap_field attribute"),
    Field("verified_date", "Last verified", "Dernière vérification", parse="date",
          aliases=("verified", "date verified", "last verified"), hsds="service.assured_date"),
    Field("verified_by", "Verified by", "Vérifié par", public=False, max_len=254),
)
# fmt: on

FIELD: dict[str, Field] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
PUBLIC: tuple[str, ...] = tuple(f.name for f in FIELDS if f.public)
LOCATING: tuple[str, ...] = tuple(f.name for f in FIELDS if f.locating)
SEARCHABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.searchable)
SUGGESTABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.suggest)
NUMERIC: frozenset[str] = frozenset(f.name for f in FIELDS if f.type is not str)

# Columns every asset row has besides the fields: kept by the store, never set by people.
BOOKKEEPING: dict[str, type] = {
    "id": int,
    "status": str,
    "version": int,
    "created_at": str,
    "updated_at": str,
    "extra": str,
}

# Columns of a public export (CSV and GeoJSON): every public field, and when the record last changed.
EXPORT_COLUMNS: tuple[str, ...] = (*PUBLIC, "updated_at")
# What our own exports add that is no field: an import reads past them (never into extra attributes).
EXPORT_ONLY = frozenset({"id", "updated_at", "created_at", "status", "version", "precise", "location_precision_text"})

FORM_GROUPS: tuple[str, ...] = ("About", "Where", "Contact", "Service", "Source")


def columns() -> dict[str, type]:
    """Every column of the assets table, in order: id, the fields, then bookkeeping."""
    out = {"id": int}
    out.update({f.name: f.type for f in FIELDS})
    out.update({k: v for k, v in BOOKKEEPING.items() if k != "id"})
    return out


def form_groups() -> list[tuple[str, list[Field]]]:
    """The editor form: (group title, fields) in display order."""
    return [(g, [f for f in FIELDS if f.group == g]) for g in FORM_GROUPS]


def header_key(header: str) -> str:
    """A spreadsheet header folded for matching: lower case, spaces/dashes/dots as one underscore."""
    return re.sub(r"[\s\-./]+", "_", str(header).strip().lower()).strip("_")


ALIASES: dict[str, str] = {}
for _f in FIELDS:
    ALIASES[header_key(_f.name)] = _f.name
    ALIASES.setdefault(header_key(_f.label), _f.name)
    for _alias in _f.aliases:
        ALIASES[header_key(_alias)] = _f.name


def column_for_header(header: str) -> str | None:
    """The field a spreadsheet header means (name, label or alias), or None."""
    return ALIASES.get(header_key(header))
