/* Community asset map: loads layers from the JSON API into a folium-built Leaflet map.
 *
 * All text from the data goes into the page through textContent or DOM nodes, never innerHTML,
 * so a name like <img src=x onerror=alert(1)> shows as text.
 * Coordinates: GeoJSON is [lon, lat]; Leaflet is [lat, lon].
 */
(function () {
  "use strict";
  var t = AM.t, el = AM.el, getJSON = AM.getJSON, setStatus = AM.setStatus, fmt = AM.fmt, PALETTES = AM.PALETTES, NO_DATA = AM.NO_DATA;
  var quantileBreaks = AM.quantileBreaks, classify = AM.classify, legendRows = AM.legendRows;
  var pinIcon = AM.pinIcon, clusterIconFor = AM.clusterIconFor, popupContent = AM.popupContent;

  /* ---- the map --------------------------------------------------------------------------- */

  function init(map, config) {
    var api = config.api;
    var categoriesBySlug = {};
    var clusters = {};
    var loaded = {};
    var state = { assetsInView: 0, areas: 0, outlines: 0 };
    window.assetMapState = state;

    config.categories.forEach(function (c) { categoriesBySlug[c.slug] = c; });
    var clusterGroup = L.markerClusterGroup({
      iconCreateFunction: clusterIconFor(categoriesBySlug),
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      spiderfyOnMaxZoom: true
    }).addTo(map);
    config.categories.forEach(function (c) {
      clusters[c.slug] = L.featureGroup.subGroup(clusterGroup);
      var box = document.getElementById("layer-cat-" + c.slug);
      if (!box || box.checked) clusters[c.slug].addTo(map);
      if (box) box.addEventListener("change", function () {
        if (box.checked) clusters[c.slug].addTo(map);
        else map.removeLayer(clusters[c.slug]);
      });
    });

    /* areas and outlines */
    var areaLayer = null, areaData = null;
    var shadeSelect = document.getElementById("shade-by");

    function currentOption() {
      var key = shadeSelect ? shadeSelect.value : null;
      return config.choropleth.filter(function (o) { return o.key === key; })[0] || config.choropleth[0];
    }

    function restyleAreas() {
      if (!areaLayer || !areaData) return;
      var option = currentOption();
      var values = areaData.features.map(function (f) { return f.properties[option.key]; });
      var breaks = option.scheme === "quintile" || option.classes ? [] : quantileBreaks(values, 5);
      var pal = option.classes ? option.classes.map(function (c) { return c.colour; }) : PALETTES[option.palette] || PALETTES.blues;
      areaLayer.setStyle(function (f) {
        var k = classify(f.properties[option.key], option, breaks);
        return { fillColor: k < 0 ? NO_DATA : pal[k], fillOpacity: 0.55, color: "#555", weight: 0.6, opacity: 0.8 };
      });
      areaLayer.eachLayer(function (layer) {
        var p = layer.feature.properties;
        var k = classify(p[option.key], option, breaks);
        var shown = option.classes && k >= 0 ? option.classes[k].label : fmt(p[option.key]);
        layer.setTooltipContent(el("div", {}, [
          el("strong", { text: p.name }), el("br"),
          t("Population %(population)s · %(label)s: %(value)s", { population: fmt(p.population), label: option.label, value: shown })
        ]));
      });
      var legend = document.getElementById("area-legend");
      if (legend) {
        legend.textContent = "";
        legend.appendChild(el("p", { className: "legend-title", text: option.label }));
        var list = el("ul", {});
        legendRows(option, breaks).forEach(function (r) {
          var sw = el("span", { className: "swatch", "aria-hidden": "true" });
          sw.style.background = r[0];
          list.appendChild(el("li", {}, [sw, r[1]]));
        });
        legend.appendChild(list);
      }
    }

    if (config.areaLevel) {
      map.createPane("areas");
      map.getPane("areas").style.zIndex = 350;
      getJSON(api + "/areas?level=" + encodeURIComponent(config.areaLevel)).then(function (data) {
        areaData = data;
        areaLayer = L.geoJSON(data, {
          pane: "areas",
          className: "am-area",
          onEachFeature: function (f, layer) { layer.bindTooltip("", { sticky: true }); }
        });
        var box = document.getElementById("layer-areas");
        if (!box || box.checked) areaLayer.addTo(map);
        if (box) box.addEventListener("change", function () {
          if (box.checked) areaLayer.addTo(map); else map.removeLayer(areaLayer);
        });
        state.areas = data.features.length;
        if (!config.keepView && areaLayer.getBounds().isValid()) map.fitBounds(areaLayer.getBounds(), { padding: [10, 10] });
        restyleAreas();
      }).catch(function (e) { setStatus(t("Could not load population areas: %(error)s", { error: e.message })); });
      if (shadeSelect) shadeSelect.addEventListener("change", restyleAreas);
    }

    if (config.outlineLevel) {
      map.createPane("outlines");
      map.getPane("outlines").style.zIndex = 400;
      map.getPane("outlines").style.pointerEvents = "none";
      getJSON(api + "/areas?level=" + encodeURIComponent(config.outlineLevel)).then(function (data) {
        var outlines = L.geoJSON(data, {
          pane: "outlines",
          className: "am-outline",
          interactive: false,
          style: { color: "#222", weight: 2, dashArray: "6 4", fill: false }
        });
        var box = document.getElementById("layer-outlines");
        if (!box || box.checked) outlines.addTo(map);
        if (box) box.addEventListener("change", function () {
          if (box.checked) outlines.addTo(map); else map.removeLayer(outlines);
        });
        state.outlines = data.features.length;
      }).catch(function (e) { setStatus(t("Could not load municipality outlines: %(error)s", { error: e.message })); });
    }

    /* assets: fetched for the visible area (padded) whenever the map stops moving */
    function addFeature(f) {
      if (!f.geometry || loaded[f.id]) return;
      var cat = categoriesBySlug[f.properties.category];
      if (!cat) return;
      var c = f.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], {
        icon: pinIcon(cat, f.properties.precise),
        title: f.properties.name,
        alt: f.properties.name,
        keyboard: true
      });
      marker.feature = f;
      marker.bindPopup(el("div", { className: "asset-popup", text: t("Loading…") }), { maxWidth: 320, autoPanPadding: [20, 20] });
      marker.on("popupopen", function (ev) {
        if (marker._detailsLoaded) return;
        getJSON(api + "/assets/" + encodeURIComponent(f.id)).then(function (full) {
          marker._detailsLoaded = true;
          var content = popupContent(full, categoriesBySlug);
          content.appendChild(el("p", { className: "popup-note" }, [
            el("a", { href: api.replace(/\/api$/, "") + "/assets/" + encodeURIComponent(f.id) + "/suggest", text: t("Suggest a correction") })
          ]));
          ev.popup.setContent(content);
        }).catch(function (e) { ev.popup.setContent(el("p", { text: t("Could not load details: %(error)s", { error: e.message }) })); });
      });
      clusters[cat.slug].addLayer(marker);
      loaded[f.id] = marker;
    }

    var pending = null;
    function loadAssets() {
      var b = map.getBounds().pad(0.5);
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
      var request = getJSON(api + "/assets?bbox=" + bbox);
      pending = request;
      request.then(function (data) {
        if (request !== pending) return;
        data.features.forEach(addFeature);
        var inView = map.getBounds();
        state.assetsInView = data.features.filter(function (f) {
          var c = f.geometry.coordinates;
          return inView.contains([c[1], c[0]]);
        }).length;
        state.loaded = Object.keys(loaded).length;
        setStatus(t("%(count)s assets in view. Hollow markers are approximate points.", { count: state.assetsInView }));
      }).catch(function (e) { setStatus(t("Could not load assets: %(error)s", { error: e.message })); });
    }
    var timer = null;
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(loadAssets, 150); });
    loadAssets();

    /* assets without a public point: listed, never mapped */
    getJSON(api + "/assets?mapped=0").then(function (data) {
      var list = document.getElementById("unmapped-list");
      var count = document.getElementById("unmapped-count");
      if (count) count.textContent = data.features.length === 1 ? t("1 asset") : t("%(count)s assets", { count: data.features.length });
      if (!list) return;
      data.features.forEach(function (f) {
        var p = f.properties;
        var cat = categoriesBySlug[p.category] || { label: p.category };
        var link = el("a", { href: api + "/assets/" + encodeURIComponent(f.id), text: p.name });
        link.addEventListener("click", function (ev) {
          ev.preventDefault();
          getJSON(api + "/assets/" + encodeURIComponent(f.id)).then(function (full) {
            var holder = link.parentNode.querySelector(".asset-popup");
            if (holder) holder.remove();
            link.parentNode.appendChild(popupContent(full, categoriesBySlug));
          });
        });
        var where = p.confidential ? t("confidential location") : (p.community || p.municipality || t("location unknown"));
        list.appendChild(el("li", {}, [link, " — " + cat.label + ", " + where]));
      });
    }).catch(function () {});
  }

  window.AssetMap = { init: init };
})();
