"""Importing assets from a file: match its columns to our fields, validate each row, save the good rows.

A bad row never stops an import: it is reported with its row number and reason and the good rows
are kept. `import_assets` runs in one transaction, so a crash leaves all of its rows or none.
Columns are matched to fields by name, label or a known alias (assetmap.fields: "Organization",
"Street Address", "Phone Number", "Web Site", "Lat"/"Long", "Hours of Operation"...); columns
that match no field are kept as the asset's extra attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from assetmap import fields, store
from assetmap.formats.tables import ImportFileError, read_table
from assetmap.validation import clean_asset


@dataclass
class ImportReport:
    """What an import did: counts, and every rejected row with its reason."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary(self) -> str:
        return f"{self.inserted} added, {self.updated} updated, {self.unchanged} unchanged, {len(self.errors)} rejected"


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our field -> the file's column, matched on name, label or a known alias (case, spaces ignored).
    A column named exactly like a field wins over an alias ("external_id" over "id")."""
    mapping: dict[str, str] = {}
    for header in headers:
        if fields.header_key(header) in fields.FIELD:
            mapping.setdefault(fields.header_key(header), header)
    for header in headers:
        if fields.header_key(header) in fields.EXPORT_ONLY:
            continue
        name = fields.column_for_header(header)
        if name is not None:
            mapping.setdefault(name, header)
    return mapping


def apply_mapping(record: dict, mapping: dict[str, str]) -> dict:
    """A record with our field names; unmapped columns are kept (as extra attributes)."""
    used = set(mapping.values())
    out = {name: record.get(column, "") for name, column in mapping.items() if column}
    extra = {}
    for k, v in record.items():
        if k.startswith("__"):
            out[k] = v
        elif k not in used and v not in ("", None) and fields.header_key(k) not in fields.EXPORT_ONLY:
            extra[k] = v
    if extra:
        out["__extra__"] = extra
    return out


def no_categories_error() -> ImportFileError:
    """The message when a database has no categories to import into."""
    return ImportFileError(
        "no categories defined yet: run `flask --app app init-db` (it creates the default categories) "
        "or add your own with `flask --app app add-category`"
    )


def import_assets(
    db: Database,
    path: str | Path,
    geocoder=None,
    default_source: str | None = None,
    actor: str = "system",
    *,
    region=None,
) -> ImportReport:
    """Import assets from a CSV, XLSX or GeoJSON file; bad rows are reported, good rows stored.
    `region` (a Place) refuses points outside the place's region."""
    table = read_table(path)
    mapping = guess_mapping(table.headers)
    remembered = store.remembered_mapping(db, table.headers, default_source)  # as the web import last chose
    if remembered:
        mapping.update(remembered["mapping"])
    categories = store.list_categories(db)
    report = ImportReport()
    if not categories:
        raise no_categories_error()
    with store.transaction(db):
        for number, raw in table.records:
            try:
                clean, warnings = clean_asset(apply_mapping(raw, mapping), categories, geocoder, region=region)
            except ValueError as exc:
                report.errors.append((number, str(exc)))
                continue
            if not clean.get("source") and default_source:
                clean["source"] = default_source
            outcome, _ = store.save_asset(db, clean, actor=actor, action="import")
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.warnings += [(number, w) for w in warnings]
    return report
