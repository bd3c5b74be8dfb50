"""HSDS 3.0 files: export the inventory as a Tabular Data Package and as HSDS JSON, and import either.

Export (`export_hsds`): one CSV per HSDS object with the published columns, `datapackage.json`, and
`services.json` (a list of fully nested service documents). Every asset that is active is exported;
confidential ones without address, postal code, coordinates or notes.

Import (`import_hsds`): a package folder, its datapackage.json, a zip of either, or a JSON file (one
service document, a list of them, or an API page with `contents`), read into one unit per asset by
`reader.read_units()` (which rows become assets, validation, external ids: see `reader`). Then the
category comes from the taxonomy terms: our own `assetmap_category` term, else the first term the
mapping file maps (assets_data/hsds_taxonomy_map.csv, or another file). Terms the mapping does not
know are counted and reported. An asset with no mapped term is rejected with that reason, unless a
default category is given (then it is kept with it, and counted). Each record is cleaned as any
imported asset is; what the source held beyond our columns is kept in `extra["hsds"]` (`leftovers`).
A re-import updates the same assets. Everything is saved in one transaction.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from assetmap import store, validation
from assetmap.formats.csvsafe import neutralise
from assetmap.formats.hsds import schema as hsds_schema
from assetmap.formats.hsds.leftovers import unit_leftovers
from assetmap.formats.hsds.mapping import asset_unit
from assetmap.formats.hsds.objects import PARTS, flatten, service_document
from assetmap.formats.hsds.parse import parse_unit
from assetmap.formats.hsds.reader import HsdsImportReport, read_units
from assetmap.formats.hsds.terms import TAXONOMY_MAP_FILE, Context, read_term_map, unmapped_summary
from assetmap.formats.hsds.unit import unit_ids
from assetmap.formats.tables import ImportFileError
from assetmap.vocab import abcd

EXPORT_NAME = "community-asset-map-hsds"


# --- export ------------------------------------------------------------------------------------


def context(db: Database, term_map_path: str | Path | None = None) -> Context:
    """The mapping context for this database (categories, ABCD types, the term map)."""
    term_map = read_term_map(term_map_path or TAXONOMY_MAP_FILE)
    return Context(categories=store.list_categories(db), term_map=term_map)


def export_units(db: Database, ctx: Context) -> list[dict]:
    """The HSDS unit of every active asset as the public may see it, in id order."""
    return [asset_unit(row, ctx) for row in store.public_rows_by_id(db)]


def service_documents(units: list[dict]) -> list[dict]:
    """Fully nested HSDS service documents: units of the same service become one service."""
    groups: dict[str, list[dict]] = {}
    for unit in units:
        groups.setdefault(unit["service"]["id"], []).append(unit)
    return [service_document(group) for group in groups.values()]


def tables_of(documents: list[dict]) -> dict[str, list[dict]]:
    """Flat HSDS tables (kind -> rows) of nested service documents; each id once."""
    tables: dict[str, dict[str, dict]] = {}
    for doc in documents:
        flatten("service", doc, tables)
    return {kind: list(rows.values()) for kind, rows in tables.items()}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return neutralise(str(value))


def write_package(folder: Path, tables: dict[str, list[dict]], *, title: str) -> list[str]:
    """Write one CSV per HSDS object (published columns, in order) and datapackage.json."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    resources = []
    for res in hsds_schema.resources():
        columns = hsds_schema.fields(res["name"])
        with (folder / res["path"]).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in tables.get(res["name"], []):
                writer.writerow([_cell(row.get(c)) for c in columns])
        resources.append(res)
        written.append(res["path"])
    descriptor = {
        "name": EXPORT_NAME,
        "title": title,
        "description": "Community assets as Open Referral HSDS 3.0: one CSV per object. Categories and ABCD "
        "asset types are taxonomy terms; fields HSDS has no place for are attributes of the "
        "'assetmap_field' taxonomy. Each asset's source is its 'source' attribute.",
        "profile": "tabular-data-package",
        "version": hsds_schema.datapackage()["version"],
        "created": store.now_iso(),
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    return ["datapackage.json", *written]


@dataclass
class ExportReport:
    services: int = 0
    assets: int = 0
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.assets} assets as {self.services} HSDS services, {len(self.files)} files"


def export_hsds(db: Database, folder: str | Path, *, formats: tuple[str, ...] = ("csv", "json")) -> ExportReport:
    """Export active assets as an HSDS 3.0 Tabular Data Package and/or services.json into folder."""
    folder = Path(folder)
    ctx = context(db)
    units = export_units(db, ctx)
    documents = service_documents(units)
    report = ExportReport(services=len(documents), assets=len(units))
    if "csv" in formats:
        report.files += write_package(folder, tables_of(documents), title="Community asset inventory (HSDS 3.0)")
    if "json" in formats:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "services.json").write_text(json.dumps(documents, indent=1, ensure_ascii=False), encoding="utf-8")
        report.files.append("services.json")
    return report


# --- import ------------------------------------------------------------------------------------


def _source_ids(unit: dict, external_id: str) -> dict[str, str]:
    ids = unit_ids({"external_id": external_id})
    for part in PARTS:
        if unit.get(part):
            ids[part] = unit[part]["id"]
    return ids


def import_hsds(
    db: Database,
    path: str | Path,
    *,
    term_map_path: str | Path | None = None,
    default_category: str | None = None,
    source: str | None = None,
    geocoder=None,
) -> HsdsImportReport:
    """Import an HSDS 3.0 package or JSON file as assets; see the module docstring for the rules."""
    path = Path(path)
    try:
        ctx = context(db, term_map_path)
    except (OSError, ValueError) as exc:
        raise ImportFileError(f"taxonomy mapping: {exc}") from None
    if not ctx.categories:
        raise ImportFileError("no categories defined yet: run init-db and load-demo (or add categories) first")
    if default_category is not None and default_category not in ctx.category_by_slug:
        raise ImportFileError(
            f"unknown default category {default_category!r} (known: {', '.join(ctx.category_by_slug)})"
        )
    report = HsdsImportReport()
    default_source = source or f"Open Referral HSDS import ({path.name})"
    units = read_units(path, report)
    with store.transaction(db):
        for where, external_id, unit in units:
            record, info = parse_unit(unit, ctx)
            report.unmapped_terms.update(info.unmapped_terms)
            if record["category"] is None:
                terms = sorted(set(info.unmapped_terms))
                if default_category is None:
                    report.errors.append(
                        (
                            where,
                            f"{record.get('name')!r}: no taxonomy term maps to a category"
                            + (f" (terms: {'; '.join(terms)})" if terms else " (no terms)")
                            + "; add the term to the mapping file or give a default category",
                        )
                    )
                    continue
                record["category"] = default_category
                report.defaulted += 1
                report.warnings.append(
                    (where, f"{record.get('name')!r}: no mapped term, default category {default_category}")
                )
            record["external_id"] = record.get("external_id") or external_id
            cleanable = {k: v for k, v in record.items() if k not in ("extra", "abcd_type") and v is not None}
            try:
                clean, warnings = validation.clean_asset(cleanable, ctx.categories, geocoder, complete=True)
            except ValueError as exc:
                report.errors.append((where, f"{record.get('name')!r}: {exc}"))
                continue
            clean["abcd_type"] = abcd.stored_type(record.get("abcd_type"), clean["category"], ctx.abcd_types)
            if not clean["source"]:
                clean["source"] = default_source
            ids = _source_ids(unit, clean["external_id"])
            extra = dict(record.get("extra") or {})
            leftovers = unit_leftovers(unit, clean, ctx, ids)
            if leftovers:
                extra["hsds"] = leftovers
            clean["extra"] = extra or None
            outcome, _ = store.save_asset(db, clean)
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.warnings += [(where, w) for w in warnings]
    return report


def report_lines(report: HsdsImportReport) -> list[str]:
    """The report as lines for people (unmapped terms with counts)."""
    lines = []
    if report.unmapped_terms:
        lines.append("Taxonomy terms with no category mapping (count):")
        lines += [f"  {term}: {count}" for term, count in unmapped_summary(report.unmapped_terms)]
    return lines
