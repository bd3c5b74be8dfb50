"""One owner per concept (issue 12): the field registry's round trip, the data-loss bugs it ended,
and the shape of the code (no import cycle, no oversized module, pure computation apart)."""

from __future__ import annotations

import ast
import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assetmap import fields, store
from assetmap.formats.asset_import import import_assets
from assetmap.formats.hsds import package as hsds_io
from assetmap.privacy import public_asset

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "assetmap", "needs_assessment")

# A distinctive, valid value for every field (what a person could type in the form or a file).
SAMPLE = {
    "external_id": "test:every-field",
    "name": "Every Field Centre",
    "category": "social_services",
    "subcategory": "drop-in centre",
    "abcd_type": "associations",
    "description": "Coffee, a phone and help with forms.",
    "address": "12 Manitoba St",
    "address_kind": "street",
    "community": "Bracebridge",
    "municipality": "Bracebridge",
    "postal_code": "P1L 1S4",
    "latitude": 45.03912,
    "longitude": -79.30877,
    "location_precision": "address",
    "precision_source": "placed by hand on the map",
    "confidential": 0,
    "phone": "705-555-0142",
    "email": "hello@example.org",
    "website": "https://example.org/centre",
    "hours_text": "Tuesdays, mornings",
    "opening_hours": "Tu 09:00-12:00",
    "languages": "English, Ojibwe",
    "language_codes": "en,oj",
    "accessibility": "Ramp at the side door",
    "wheelchair": "limited",
    "eligibility": "Anyone",
    "age_groups": "adults,seniors",
    "cost": "Free",
    "cost_level": "free",
    "capacity": 6.0,
    "source": "Coalition survey",
    "source_url": "https://example.org/survey",
    "address_source_url": "https://example.org/address",
    "contact_source_url": "https://example.org/contact",
    "coordinate_source_url": "https://example.org/map",
    "last_seen": "2026-10-01",
    "notes": "Asked by phone.",
    "verified_date": "2026-11-01",
    "verified_by": "editor@example.org",
}


def test_the_sample_covers_every_field():
    assert set(SAMPLE) == set(fields.NAMES)


class FormReader(HTMLParser):
    """The fields a browser would send for the first POST form with a csrf_token (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post" and not a.get("action"):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            else:
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_of(html: str) -> dict:
    reader = FormReader()
    reader.feed(html)
    return reader.values


def _stored(db, asset_id: int) -> dict:
    row = store.get_asset(db, asset_id)
    return {k: row[k] for k in fields.NAMES}


# --- the four data-loss bugs ---------------------------------------------------------------------


def test_saving_the_edit_form_keeps_the_finder_fields(as_role, db):
    db.execute(
        "UPDATE assets SET language_codes = 'en,fr', wheelchair = 'yes', cost_level = 'low', "
        "age_groups = 'seniors' WHERE id = 7"
    )
    editor, _ = as_role("editor")
    form = form_of(editor.get("/assets/7/edit").get_data(as_text=True))
    form["phone"] = "705-555-0111"
    assert editor.post("/assets/7/edit", data=form).status_code == 302
    row = store.get_asset(db, 7)
    assert (row["phone"], row["language_codes"], row["wheelchair"], row["cost_level"], row["age_groups"]) == (
        "705-555-0111",
        "en,fr",
        "yes",
        "low",
        "seniors",
    )


def test_the_edit_form_never_writes_its_version_into_extra(as_role, db):
    editor, _ = as_role("editor")
    before = store.get_asset(db, 7)["extra"]
    form = form_of(editor.get("/assets/7/edit").get_data(as_text=True))
    form["notes"] = "checked"
    assert editor.post("/assets/7/edit", data=form).status_code == 302
    assert store.get_asset(db, 7)["extra"] == before


def test_browser_import_puts_finder_columns_in_their_fields(as_role, db):
    editor, token = as_role("editor")
    body = "name,category,latitude,longitude,wheelchair,cost_level,age_groups,language_codes\n"
    body += "Accessible Hall,recreation,45.04,-79.31,yes,free,all,en\n"
    resp = editor.post("/imports", data={"csrf_token": token, "file": (io.BytesIO(body.encode()), "hall.csv")})
    job = resp.headers["Location"].split("/")[2]
    page = form_of(editor.get(f"/imports/{job}/map").get_data(as_text=True))
    assert {k: page[f"map-{k}"] for k in ("wheelchair", "cost_level", "age_groups", "language_codes")} == {
        "wheelchair": "wheelchair",
        "cost_level": "cost_level",
        "age_groups": "age_groups",
        "language_codes": "language_codes",
    }
    assert editor.post(f"/imports/{job}/map", data=page).status_code == 302
    for _ in range(100):
        if editor.get(f"/imports/{job}/status").get_json()["status"] == "done":
            break
        import time

        time.sleep(0.1)
    row = next(iter(db.query("SELECT * FROM assets WHERE name = 'Accessible Hall'")))
    assert (row["wheelchair"], row["cost_level"], row["age_groups"], row["language_codes"], row["extra"]) == (
        "yes",
        "free",
        "all",
        "en",
        None,
    )


def test_csv_and_geojson_exports_carry_the_finder_fields(client, db):
    db.execute(
        "UPDATE assets SET language_codes = 'fr', wheelchair = 'no', cost_level = 'fee', age_groups = 'youth' WHERE id = 7"
    )
    name = store.get_asset(db, 7)["name"]
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(client.get("/api/assets.csv").get_data(as_text=True)))}
    assert {k: rows[name][k] for k in ("language_codes", "wheelchair", "cost_level", "age_groups")} == {
        "language_codes": "fr",
        "wheelchair": "no",
        "cost_level": "fee",
        "age_groups": "youth",
    }
    features = client.get("/api/assets.geojson").get_json(force=True)["features"]
    props = next(f["properties"] for f in features if f["properties"]["name"] == name)
    assert (props["language_codes"], props["wheelchair"], props["cost_level"], props["age_groups"]) == (
        "fr",
        "no",
        "fee",
        "youth",
    )


# --- every field, through every route --------------------------------------------------------------


def test_every_field_survives_form_csv_geojson_hsds_and_the_api(as_role, client, db, empty_db, tmp_path):
    editor, token = as_role("editor")
    # 1. The editor form: every field the form shows, typed in; then the rest through the API.
    form = form_of(editor.get("/assets/new").get_data(as_text=True))
    for f in fields.FIELDS:
        if f.group is not None:
            form[f.name] = "1" if f.widget == "checkbox" and SAMPLE[f.name] else str(SAMPLE[f.name])
    form.pop("confidential", None)
    resp = editor.post("/assets/new", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    asset_id = int(resp.headers["Location"].split("/")[2])
    version = store.get_asset(db, asset_id)["version"]
    resp = editor.patch(
        f"/api/assets/{asset_id}",
        json={"version": version, "external_id": SAMPLE["external_id"], "verified_date": SAMPLE["verified_date"]},
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 200, resp.get_json()
    db.execute("UPDATE assets SET verified_by = ? WHERE id = ?", [SAMPLE["verified_by"], asset_id])
    stored = _stored(db, asset_id)
    assert stored == {**SAMPLE, "abcd_type": "associations"}
    public = {k: v for k, v in public_asset(stored).items() if k in fields.PUBLIC}

    # 2. The API.
    props = editor.get(f"/api/assets/{asset_id}").get_json(force=True)["properties"]
    assert {k: props[k] for k in fields.PUBLIC if k in props} == {k: public[k] for k in fields.PUBLIC if k in props}
    # 3. CSV export, imported into an empty database.
    csv_text = client.get("/api/assets.csv?q=Every").get_data(as_text=True)
    (path := tmp_path / "one.csv").write_text(csv_text)
    assert import_assets(empty_db, path).errors == []
    copy = next(iter(empty_db.query("SELECT * FROM assets")))
    assert {k: copy[k] for k in fields.PUBLIC} == public
    # 4. GeoJSON export, imported into another empty database.
    geo = client.get("/api/assets.geojson?q=Every").get_data(as_text=True)
    (gpath := tmp_path / "one.geojson").write_text(geo)
    empty_db.execute("DELETE FROM assets")
    assert import_assets(empty_db, gpath).errors == []
    copy = next(iter(empty_db.query("SELECT * FROM assets")))
    assert {k: copy[k] for k in fields.PUBLIC} == public
    # 5. HSDS export and import.
    hsds_io.export_hsds(db, tmp_path / "hsds")
    empty_db.execute("DELETE FROM assets")
    report = hsds_io.import_hsds(empty_db, tmp_path / "hsds")
    assert report.errors == []
    copy = next(iter(empty_db.query("SELECT * FROM assets WHERE name = 'Every Field Centre'")))
    assert {k: copy[k] for k in fields.PUBLIC} == public
    assert copy["verified_by"] is None  # an editor's email never leaves the app


def test_csv_export_reimported_into_the_same_database_changes_nothing(client, db, tmp_path):
    first = client.get("/api/assets.csv").get_data()
    count = store.count_active(db)
    (path := tmp_path / "again.csv").write_bytes(first)
    report = import_assets(db, path)
    assert (report.inserted, report.updated, report.errors) == (0, 0, [])
    assert store.count_active(db) == count
    assert client.get("/api/assets.csv").get_data() == first


# --- the shape of the code -----------------------------------------------------------------------


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def test_no_import_cycle_among_the_projects_modules():
    modules = _modules()
    graph = {m: _imports(m, p, set(modules)) for m, p in modules.items()}
    # A package's __init__ importing its own submodules is how a facade works, not a cycle.
    graph = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert cycles == []


def test_arrows_point_one_way_app_to_assetmap_to_needs_assessment():
    modules = _modules()
    for module, path in modules.items():
        deps = _imports(module, path, set(modules))
        source = path.read_text()
        if module.startswith("needs_assessment"):
            assert not [d for d in deps if not d.startswith("needs_assessment")], module
            assert "import flask" not in source and "from flask" not in source, module
        if module.startswith("assetmap"):
            assert not [d for d in deps if d.startswith("app")], module
            assert "from flask" not in source and "import flask" not in source, module


def test_no_source_file_over_450_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in [*_modules().values(), *(ROOT / "scripts").glob("*.py")]
        if (n := len(p.read_text().splitlines())) > 450
    }
    assert long == {}


def test_only_the_store_writes_sql():
    """SQL statements live in assetmap/store (and migrations); everything else calls the store."""
    offenders = []
    for module, path in _modules().items():
        if module.startswith("assetmap.store"):
            continue
        text = path.read_text()
        for marker in ("db.execute(", "db.query(", ".conn.execute(", 'db["'):
            if marker in text:
                offenders.append((module, marker))
    assert offenders == []


@pytest.mark.parametrize("header,field", [("Organization", "name"), ("Type", "category"), ("Street Address", "address"), ("Town", "community"), ("Postal Code", "postal_code"), ("Phone Number", "phone"), ("Web Site", "website"), ("Lat", "latitude"), ("Long", "longitude"), ("Hours of Operation", "hours_text")])  # fmt: skip
def test_spreadsheet_headers_people_use_are_recognised(header, field):
    assert fields.column_for_header(header) == field


def test_public_view_and_public_asset_agree_on_every_row(db):
    db.execute("UPDATE assets SET extra = '{\"k\": 1}', external_id = 'x:91' WHERE id = 91")
    raw = {r["id"]: r for r in db.query("SELECT * FROM assets WHERE status = 'active'")}
    view = {r["id"]: r for r in db.query("SELECT * FROM public_assets")}
    assert set(raw) == set(view)
    for asset_id, row in raw.items():
        expected = public_asset(row)
        assert {k: expected[k] for k in view[asset_id]} == view[asset_id], asset_id
    assert json.loads(raw[91]["extra"]) == {"k": 1} and view[91]["extra"] is None


def test_readme_architecture_tree_matches_the_code():
    """README's ARCHITECTURE tree is scripts/architecture.py's output: every module, one line each,
    with its docstring's first sentence. After adding a module or changing a docstring's first
    sentence, paste `python scripts/architecture.py` into README's tree block."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts" / "architecture.py")
    architecture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(architecture)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n")[-2].splitlines()
    assert block == architecture.tree()
    named = {line.split()[0].rstrip("/") for line in block}
    for path in architecture.modules():
        assert (path.parent.name if path.name == "__init__.py" else path.name).removesuffix(".py") in {
            n.removesuffix(".py") for n in named
        }, path
