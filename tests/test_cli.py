"""CLI commands are thin wrappers: they create, load and import, and report bad rows."""

from app import create_app
from assetmap.store import open_database


def make_runner(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "cli.db"), "SECRET_KEY": "test"})
    return app.test_cli_runner()


def test_init_db_and_load_demo_twice(tmp_path):
    runner = make_runner(tmp_path)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Database ready" in result.output
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Loaded 9 categories, 107 dissemination areas, 14 municipalities; "
        "assets: 149 added, 0 updated, 0 unchanged, 0 rejected; example needs assessment: /assessments/1."
    )
    result = runner.invoke(args=["load-demo"])
    assert "assets: 0 added, 0 updated, 149 unchanged, 0 rejected;" in result.output
    db = open_database(tmp_path / "cli.db")
    assert db["assets"].count == 149
    assert db["assessments"].count == 1  # the example assessment is not duplicated
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_import_assets_reports_bad_rows_and_keeps_good(tmp_path):
    runner = make_runner(tmp_path)
    runner.invoke(args=["load-demo"])
    path = tmp_path / "new.csv"
    path.write_text("name,category,postal_code\nNew Pantry,food,P1L 2B5\nNowhere,food,\nOops,bakeries,P1L 2B5\n")
    result = runner.invoke(args=["import-assets", str(path)])
    assert result.exit_code == 1
    assert f"{path}: 1 added, 0 updated, 0 unchanged, 2 rejected." in result.output
    assert "row 3: give latitude/longitude, or an address, postal code or town to locate it" in result.output
    assert "row 4: unknown category 'bakeries'" in result.output
    db = open_database(tmp_path / "cli.db")
    row = next(iter(db.query("SELECT latitude, longitude, location_precision FROM assets WHERE name = 'New Pantry'")))
    assert row == {"latitude": 45.039, "longitude": -79.3103, "location_precision": "postal_code"}


def test_import_assets_unreadable_file(tmp_path):
    runner = make_runner(tmp_path)
    runner.invoke(args=["load-demo"])
    path = tmp_path / "broken.geojson"
    path.write_text("[1, 2")
    result = runner.invoke(args=["import-assets", str(path)])
    assert result.exit_code == 1
    assert "Error: broken.geojson: not valid JSON" in result.output


def test_import_areas_command(tmp_path):
    runner = make_runner(tmp_path)
    runner.invoke(args=["init-db"])
    path = tmp_path / "areas.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"E01","name":"Ward 1",'
        '"pop":900,"imd_score":21.4},"geometry":{"type":"Polygon","coordinates":[[[-1,51],[-0.99,51],[-0.99,51.01],[-1,51]]]}}]}'
    )
    result = runner.invoke(args=["import-areas", str(path), "--level", "LSOA"])
    assert result.exit_code == 0, result.output
    assert "1 areas written, 1 indicators, 0 rejected." in result.output
    assert "Indicators: imd_score" in result.output
