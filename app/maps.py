"""Build the map page's Leaflet skeleton with folium, from plain data.

The page stays small whatever the data size: folium writes only the map, its base layer and one
element that hands a config object to our own script (static/js/assetmap.js). The script fetches
asset and area layers from the JSON API in the browser. All JavaScript and CSS is served by the
app (vendored Leaflet and Leaflet.markercluster), so the page works with no internet.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from threading import Lock

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template


class OfflineMap(folium.Map):
    """A folium Map whose Leaflet comes from the app's static files, without folium's page styles.

    folium's own header forces `user-scalable=no` (an accessibility failure) and full-window
    html/body styles; this template keeps only what the map needs.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} { position: relative; width: 100%; height: 100%; }
                .leaflet-container { font-size: {{ this.font_size }}; }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }} role="region" aria-label="Map"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, *args, static_url: str = "/static/", **kwargs):
        self.default_js = [("leaflet", static_url + "vendor/leaflet/leaflet.js")]
        self.default_css = [("leaflet_css", static_url + "vendor/leaflet/leaflet.css")]
        super().__init__(*args, **kwargs)


class LayerScript(JSCSSMixin, MacroElement):
    """Hands a config object to one of our static scripts, which loads the layers from the API."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.init }}({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, init: str, config: dict, scripts: list[str], static_url: str = "/static/"):
        super().__init__()
        if not all(part.isidentifier() for part in init.split(".")):
            raise ValueError(f"init must be a dotted JavaScript name, not {init!r}")
        self._name = "LayerScript"
        self.init = init
        self.config = config
        self.default_js = [
            ("markercluster", static_url + "vendor/leaflet.markercluster/leaflet.markercluster.js"),
            ("subgroup", static_url + "vendor/leaflet.featuregroup.subgroup/leaflet.featuregroup.subgroup.js"),
            ("common", static_url + "js/common.js"),
        ] + [(name, static_url + name) for name in scripts]
        self.default_css = [
            ("markercluster_css", static_url + "vendor/leaflet.markercluster/MarkerCluster.css"),
            ("markercluster_default_css", static_url + "vendor/leaflet.markercluster/MarkerCluster.Default.css"),
        ]


_cache: OrderedDict[str, dict[str, str]] = OrderedDict()
_cache_lock = Lock()
_CACHE_SIZE = 64


def build_map(**kwargs) -> dict[str, str]:
    """render_map() with its output kept per arguments: the same map is rendered once, not per request.

    Element ids stay the same between hits, which is harmless: each page holds one map.
    """
    key = json.dumps(kwargs, sort_keys=True, default=str)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    parts = render_map(**kwargs)
    with _cache_lock:
        _cache[key] = parts
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return parts


def render_map(
    *,
    center: tuple[float, float],
    zoom: int,
    tile_url: str,
    tile_attribution: str,
    layer_config: dict,
    static_url: str = "/static/",
    init: str = "AssetMap.init",
    scripts: tuple[str, ...] = ("js/assetmap.js",),
) -> dict[str, str]:
    """Render the map parts for a page template: {'header', 'html', 'script'}.

    center is (lat, lon), Leaflet order. layer_config is passed as JSON to the JavaScript
    function `init` (defined in one of `scripts`, paths under static/).
    """
    fmap = OfflineMap(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        static_url=static_url,
    )
    if tile_url:
        folium.TileLayer(
            tile_url,
            attr=tile_attribution,
            name="OpenStreetMap",
            max_zoom=19,
            max_native_zoom=19,
        ).add_to(fmap)
    LayerScript(init, layer_config, list(scripts), static_url=static_url).add_to(fmap)
    root = fmap.get_root()
    root.render()
    return {
        "header": root.header.render(),
        "html": root.html.render(),
        "script": root.script.render(),
    }
