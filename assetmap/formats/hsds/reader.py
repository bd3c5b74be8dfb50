"""Reading an HSDS 3.0 import: a package folder, its datapackage.json, a zip of either, or a JSON file.

`read_units()` turns the file into units, one per asset. `read_source()` gives the rows of every
object kind with where each came from (file and row, or item); each row is typed and validated
against the HSDS 3.0 schema, and invalid ones are reported with their file and row and left out.
The valid rows are then nested into units:

* each service_at_location becomes an asset (a service with no location becomes one without a point);
* an organization with no service, and a location no service uses, become assets of their own;
* services whose status is not `active` are listed as skipped, not imported;
* valid rows that no unit holds are listed by kind, so nothing goes silently.

External ids: `hsds:<service id>` (or `hsds:<service id>/<location id>` when the service has several
locations), `hsds:organization/<id>[/<location id>]`, `hsds:location/<id>`; a re-import updates
the same assets. Problems go into the import's `HsdsImportReport`, declared here because reading is
where most are found; `package.import_hsds()` adds what saving finds.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assetmap.formats.hsds import schema as hsds_schema
from assetmap.formats.hsds.objects import CHILDREN, PARTS, SINGLE, TableIndex, flatten
from assetmap.formats.tables import ImportFileError, read_json_file


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
        if kind not in CHILDREN:
            continue
        for number, raw in items:
            rows.setdefault(kind, []).append((f"{paths[kind]} row {number}", raw))
    if "service" not in rows and "organization" not in rows and "location" not in rows:
        raise ImportFileError(f"{folder.name}: the package has no services, organizations or locations")
    return rows


def _read_json(path: Path) -> Rows:
    doc = read_json_file(path)
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
        flatten("service", item, tables)
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
    index = TableIndex(tables)
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
        for key, child_kind in CHILDREN.get(kind, {}).items():
            for item in obj.get(key) or []:
                walk(child_kind, item)
        for key, (child_kind, _) in SINGLE.get(kind, {}).items():
            if isinstance(obj.get(key), dict):
                walk(child_kind, obj[key])

    for _where, _ext, unit in units:
        for part in PARTS:
            if unit.get(part):
                walk(part, unit[part])
    unlinked = Counter(kind for kind, rows in tables.items() for row in rows if (kind, row.get("id")) not in held)
    for kind, count in sorted(unlinked.items()):
        report.skipped.append(
            (kind, f"{count} row(s) belong to no imported service, organization or location: not kept")
        )


def read_units(path: str | Path, report: HsdsImportReport) -> list[tuple[str, str, dict]]:
    """(where, external id, unit) for every asset of an HSDS file; what is left out goes into report."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = read_source(path, Path(tmp))
        tables = _valid_rows(rows, report, tabular=not rows.pop("__json__", False))
    units = _units(tables, report)
    _report_unlinked(tables, units, report)
    return units
