"""HSDS 3.0 files: export the inventory as a Tabular Data Package and as HSDS JSON, and import either.

Export (`export_hsds`): one CSV per HSDS object with the published columns, `datapackage.json`, and
`services.json` (a list of fully nested service documents). Every asset that is active is exported;
confidential ones without address, postal code, coordinates or notes.

Import (`import_hsds`): a package folder, its datapackage.json, a zip of either, or a JSON file (one
service document, a list of them, or an API page with `contents`). Each row or object is validated
against the HSDS 3.0 schema; invalid ones are reported with their file and row and left out. Then:

* each service_at_location becomes an asset (a service with no location becomes one without a point);
* an organization with no service, and a location no service uses, become assets of their own;
* services whose status is not `active` are listed as skipped, not imported;
* the category comes from the taxonomy terms: our own `assetmap_category` term, else the first term
  the mapping file maps (assets_data/hsds_taxonomy_map.csv, or another file). Terms the mapping does
  not know are counted and reported. An asset with no mapped term is rejected with that reason,
  unless a default category is given (then it is kept with it, and counted).

External ids: `hsds:<service id>` (or `hsds:<service id>/<location id>` when the service has several
locations), `hsds:organization/<id>[/<location id>]`, `hsds:location/<id>`; a re-import updates
the same assets. Everything runs in one transaction.
"""

from __future__ import annotations

import csv
import json
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from assetmap import store, validation
from assetmap.formats.csvsafe import neutralise
from assetmap.formats.hsds import mapping as hsds
from assetmap.formats.hsds import schema as hsds_schema
from assetmap.formats.tables import ImportFileError
from assetmap.vocab import abcd

EXPORT_NAME = "community-asset-map-hsds"


# --- export ------------------------------------------------------------------------------------


def context(db: Database, term_map_path: str | Path | None = None) -> hsds.Context:
    """The mapping context for this database (categories, ABCD types, the term map)."""
    term_map = hsds.read_term_map(term_map_path or hsds.TAXONOMY_MAP_FILE)
    return hsds.Context(categories=store.list_categories(db), term_map=term_map)


def export_units(db: Database, ctx: hsds.Context) -> list[dict]:
    """The HSDS unit of every active asset as the public may see it, in id order."""
    return [hsds.asset_unit(row, ctx) for row in store.public_rows_by_id(db)]


def service_documents(units: list[dict]) -> list[dict]:
    """Fully nested HSDS service documents: units of the same service become one service."""
    groups: dict[str, list[dict]] = {}
    for unit in units:
        groups.setdefault(unit["service"]["id"], []).append(unit)
    return [hsds.service_document(group) for group in groups.values()]


def tables_of(documents: list[dict]) -> dict[str, list[dict]]:
    """Flat HSDS tables (kind -> rows) of nested service documents; each id once."""
    tables: dict[str, dict[str, dict]] = {}
    for doc in documents:
        hsds.flatten("service", doc, tables)
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


@dataclass
class HsdsImportReport:
    """What an HSDS import did. errors/skipped/warnings are (where, reason) pairs."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    defaulted: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    unmapped_terms: Counter = field(default_factory=Counter)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary(self) -> str:
        text = (
            f"{self.inserted} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.errors)} rejected, {len(self.skipped)} skipped"
        )
        if self.defaulted:
            text += f", {self.defaulted} given the default category"
        return text


Rows = dict[str, list[tuple[str, dict]]]  # kind -> [(where, row)]


def _find_descriptor(root: Path) -> Path | None:
    if (root / "datapackage.json").exists():
        return root / "datapackage.json"
    found = sorted(root.glob("*/datapackage.json"))
    return found[0] if len(found) == 1 else None


def read_source(path: str | Path, workdir: Path) -> Rows:
    """Rows of every HSDS object in a package folder, datapackage.json, zip or JSON file."""
    path = Path(path)
    if path.is_dir():
        descriptor = _find_descriptor(path)
        if descriptor is None:
            raise ImportFileError(f"{path}: no datapackage.json in this folder")
        return _read_tabular(descriptor.parent)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                for member in zf.namelist():
                    target = (workdir / member).resolve()
                    if not str(target).startswith(str(workdir.resolve())):
                        raise ImportFileError(f"{path.name}: unsafe path {member!r} in the zip")
                zf.extractall(workdir)
        except zipfile.BadZipFile:
            raise ImportFileError(f"{path.name}: not a zip file") from None
        descriptor = _find_descriptor(workdir)
        if descriptor is not None:
            return _read_tabular(descriptor.parent)
        jsons = sorted(workdir.rglob("*.json"))
        if len(jsons) == 1:
            return _read_json(jsons[0])
        raise ImportFileError(f"{path.name}: no datapackage.json (or single JSON file) in the zip")
    if suffix == ".json":
        if path.name == "datapackage.json":
            return _read_tabular(path.parent)
        return _read_json(path)
    raise ImportFileError(f"{path.name}: give a datapackage folder, its datapackage.json, a .zip or a .json file")


def _read_tabular(folder: Path) -> Rows:
    try:
        descriptor, tables = hsds_schema.read_package(folder)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"datapackage.json: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise ImportFileError("a CSV file of the package is not UTF-8") from None
    rows: Rows = {}
    paths = {res["name"]: res.get("path") for res in descriptor.get("resources", [])}
    for kind, items in tables.items():
        if kind not in hsds.CHILDREN:
            continue
        for number, raw in items:
            rows.setdefault(kind, []).append((f"{paths[kind]} row {number}", raw))
    if "service" not in rows and "organization" not in rows and "location" not in rows:
        raise ImportFileError(f"{folder.name}: the package has no services, organizations or locations")
    return rows


def _read_json(path: Path) -> Rows:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text") from None
    if isinstance(doc, dict) and isinstance(doc.get("resources"), list):
        return _read_tabular(path.parent)
    if isinstance(doc, dict) and isinstance(doc.get("contents"), list):
        doc = doc["contents"]
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise ImportFileError(f"{path.name}: expected an HSDS service document or a list of them")
    rows: Rows = {"__json__": True}  # type: ignore[dict-item]
    seen: set[tuple[str, str]] = set()
    for number, item in enumerate(doc, start=1):
        where = f"{path.name} item {number}"
        if not isinstance(item, dict) or not item.get("id"):
            rows.setdefault("service", []).append((where, {"__error__": "not an HSDS service object with an id"}))
            continue
        tables: dict[str, dict[str, dict]] = {}
        hsds.flatten("service", item, tables)
        for kind, by_id in tables.items():
            for obj_id, row in by_id.items():
                if (kind, obj_id) in seen:
                    continue
                seen.add((kind, obj_id))
                rows.setdefault(kind, []).append((where if kind == "service" else f"{where} ({kind})", row))
    return rows


def _valid_rows(rows: Rows, report: HsdsImportReport, *, tabular: bool) -> dict[str, list[dict]]:
    """Typed rows that pass the HSDS schema; the others reported and left out.

    tabular=True (CSV) also requires the link columns (service.organization_id...) that nesting implies in JSON.
    """
    out: dict[str, list[dict]] = {}
    labels: dict[tuple[str, str], str] = {}
    for kind, items in rows.items():
        seen: set[str] = set()
        for where, raw in items:
            if raw.get("__error__"):
                report.errors.append((where, raw["__error__"]))
                continue
            try:
                obj = hsds_schema.typed_row(kind, raw)
            except ValueError as exc:
                report.errors.append((where, f"{kind}: {exc}"))
                continue
            problems = hsds_schema.errors(kind, obj, tabular=tabular)
            if obj.get("id") in seen:
                problems.append(f"duplicate {kind} id {obj.get('id')}")
            if problems:
                report.errors.append((where, f"invalid {kind}: " + "; ".join(problems)))
                continue
            seen.add(obj["id"])
            labels[(kind, obj["id"])] = where
            out.setdefault(kind, []).append(obj)
    out["__labels__"] = labels  # type: ignore[assignment]
    return out


def _units(tables: dict[str, list[dict]], report: HsdsImportReport) -> list[tuple[str, str, dict]]:
    """(where, external id, unit) for every asset the tables hold."""
    labels = tables.pop("__labels__")
    index = hsds.TableIndex(tables)
    services = index.by_id.get("service", {})
    orgs = index.by_id.get("organization", {})
    locations = index.by_id.get("location", {})
    used_locations: set[str] = set()
    used_orgs: set[str] = set()
    units = []

    def nest(kind, row):
        return index.nest(kind, row) if row else None

    for sid, svc in services.items():
        where = labels[("service", sid)]
        org = orgs.get(svc.get("organization_id"))
        if org is not None:
            used_orgs.add(org["id"])
        elif svc.get("organization_id"):
            report.warnings.append((where, f"organization {svc['organization_id']} is not in the data"))
        if svc.get("status") != "active":
            report.skipped.append((where, f"service {svc.get('name')!r} has status {svc.get('status')!r}, not active"))
            for sal in index.children.get(("service", sid, "service_at_location"), []):
                used_locations.add(sal.get("location_id"))
            continue
        sals = []
        for sal in index.children.get(("service", sid, "service_at_location"), []):
            if sal.get("location_id") in locations:
                sals.append(sal)
            else:
                report.warnings.append(
                    (
                        labels[("service_at_location", sal["id"])],
                        f"location {sal.get('location_id')} is not in the data",
                    )
                )
        base = {"service": nest("service", svc), "organization": nest("organization", org)}
        if not sals:
            units.append((where, f"hsds:{sid}", {**base, "service_at_location": None, "location": None}))
        for sal in sals:
            loc = locations[sal["location_id"]]
            used_locations.add(loc["id"])
            ext = f"hsds:{sid}" if len(sals) == 1 else f"hsds:{sid}/{loc['id']}"
            units.append(
                (
                    where,
                    ext,
                    {
                        **base,
                        "service_at_location": nest("service_at_location", sal),
                        "location": nest("location", loc),
                    },
                )
            )
    for oid, org in orgs.items():
        if oid in used_orgs:
            continue
        where = labels[("organization", oid)]
        own = [
            loc for loc in index.children.get(("organization", oid, "location"), []) if loc["id"] not in used_locations
        ]
        base = {"service": None, "organization": nest("organization", org), "service_at_location": None}
        if not own:
            units.append((where, f"hsds:organization/{oid}", {**base, "location": None}))
        for loc in own:
            used_locations.add(loc["id"])
            ext = f"hsds:organization/{oid}" if len(own) == 1 else f"hsds:organization/{oid}/{loc['id']}"
            units.append((where, ext, {**base, "location": nest("location", loc)}))
        report.warnings.append((where, "organization with no service: imported as an asset of its own"))
    for lid, loc in locations.items():
        if lid in used_locations:
            continue
        where = labels[("location", lid)]
        org = orgs.get(loc.get("organization_id"))
        units.append(
            (
                where,
                f"hsds:location/{lid}",
                {
                    "service": None,
                    "organization": nest("organization", org),
                    "service_at_location": None,
                    "location": nest("location", loc),
                },
            )
        )
        report.warnings.append((where, "location used by no service: imported as an asset of its own"))
    return units


def _report_unlinked(
    tables: dict[str, list[dict]], units: list[tuple[str, str, dict]], report: HsdsImportReport
) -> None:
    """List, by object kind, valid rows that no imported unit holds (so nothing goes silently)."""
    held: set[tuple[str, str]] = set()

    def walk(kind: str, obj: dict) -> None:
        held.add((kind, obj.get("id")))
        for key, child_kind in hsds.CHILDREN.get(kind, {}).items():
            for item in obj.get(key) or []:
                walk(child_kind, item)
        for key, (child_kind, _) in hsds.SINGLE.get(kind, {}).items():
            if isinstance(obj.get(key), dict):
                walk(child_kind, obj[key])

    for _where, _ext, unit in units:
        for part in hsds.PARTS:
            if unit.get(part):
                walk(part, unit[part])
    unlinked = Counter(kind for kind, rows in tables.items() for row in rows if (kind, row.get("id")) not in held)
    for kind, count in sorted(unlinked.items()):
        report.skipped.append(
            (kind, f"{count} row(s) belong to no imported service, organization or location: not kept")
        )


def _source_ids(unit: dict, external_id: str) -> dict[str, str]:
    ids = hsds.unit_ids({"external_id": external_id})
    for part in hsds.PARTS:
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
    with tempfile.TemporaryDirectory() as tmp:
        rows = read_source(path, Path(tmp))
        tables = _valid_rows(rows, report, tabular=not rows.pop("__json__", False))
    units = _units(tables, report)
    _report_unlinked(tables, units, report)
    with db.atomic():
        for where, external_id, unit in units:
            record, info = hsds.parse_unit(unit, ctx)
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
            leftovers = hsds.unit_leftovers(unit, clean, ctx, ids)
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
        lines += [f"  {term}: {count}" for term, count in hsds.unmapped_summary(report.unmapped_terms)]
    return lines
