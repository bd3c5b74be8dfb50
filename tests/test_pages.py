"""Server-rendered pages: the map page is small, self-contained (no CDN) and escapes user text."""

import re


def test_map_page_is_small_and_offline(client):
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert len(resp.data) <= 50_000
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in srcs
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in srcs
    assert "/static/js/assetmap.js" in srcs
    assert [s for s in srcs if not s.startswith("/")] == []  # every script and stylesheet is ours
    for path in srcs:
        assert client.get(path).status_code == 200, path
    assert "user-scalable=no" not in html


def test_map_page_controls_legend_and_attributions(client):
    html = client.get("/").get_data(as_text=True)
    for slug, label in [("parks", "Parks and green space"), ("early_years", "Education and early years")]:
        assert f'id="layer-cat-{slug}"' in html
        assert label in html
    assert '<select id="shade-by"' in html
    assert "Population density (people per km²)" in html
    assert "Deprivation (CIMD 2021): economic dependency, national quintile" in html
    assert "Area shapes are approximate." in html
    assert "Open Government Licence – Canada" in html
    assert "GeoNames" in html and "CC BY 4.0" in html
    assert "OpenStreetMap" in html
    assert "tile.openstreetmap.org" in html  # the base map is configured, loaded only when reachable


def test_no_tiles_when_tile_url_empty(app, client):
    app.config["TILE_URL"] = ""
    html = client.get("/").get_data(as_text=True)
    assert "L.tileLayer" not in html


def test_category_text_is_escaped_in_page_and_config(client, db):
    db["categories"].insert(
        {
            "slug": "xss",
            "label": "</script><script>alert(1)</script>",
            "colour": "red;}body{x",
            "symbol": "<b>",
            "sort_order": 99,
        }
    )
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the legend label, as text
    assert "\\u003c/script\\u003e" in html  # the JSON config handed to the map script
    css = client.get("/categories.css").get_data(as_text=True)
    assert ".cat-xss" not in css  # an invalid colour is left out, not written into the stylesheet
    assert ".cat-food { --pin: #c2410c; }" in css


def test_sources_page_lists_every_asset_with_safe_links(client, db):
    db["assets"].update(1, {"source_url": "javascript:alert(1)"})
    html = client.get("/sources").get_data(as_text=True)
    assert "Community assets (149)" in html
    assert "javascript:alert(1)" not in html
    assert 'href="https://www.statcan.gc.ca/en/lode/databases/odcaf"' in html
