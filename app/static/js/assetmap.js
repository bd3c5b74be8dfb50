/* Community asset map: loads layers from the JSON API into a folium-built Leaflet map.
 *
 * All text from the data goes into the page through textContent or DOM nodes, never innerHTML,
 * so a name like <img src=x onerror=alert(1)> shows as text.
 * Coordinates: GeoJSON is [lon, lat]; Leaflet is [lat, lon].
 */
(function () {
  "use strict";

  var PALETTES = {
    blues: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    reds: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    greens: ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"]
  };
  var NO_DATA = "#d9d9d9";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function safeHref(url) {
    if (!url) return null;
    var u = String(url).trim();
    if (/^https?:\/\//i.test(u)) return u;
    if (/^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(u)) return "https://" + u;
    return null;
  }

  function telHref(phone) {
    // "705-687-3412 (Town of Gravenhurst); toll-free ..." -> the first number, notes dropped
    var first = String(phone).split(";")[0].replace(/\([^)]*[a-z][^)]*\)/gi, "");
    var digits = first.replace(/[^\d+]/g, "");
    return digits.length >= 7 ? "tel:" + digits : null;
  }

  function fmt(n) {
    if (n === null || n === undefined || isNaN(n)) return "no data";
    var abs = Math.abs(n);
    var digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
    return Number(n).toLocaleString("en-CA", { maximumFractionDigits: digits });
  }

  function setStatus(text) {
    var s = document.getElementById("map-status");
    if (s) s.textContent = text;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) {
        return r.json().then(
          function (body) { throw new Error(body.error || r.statusText); },
          function () { throw new Error(r.status + " " + r.statusText); }
        );
      }
      return r.json();
    });
  }

  /* ---- choropleth ------------------------------------------------------------------------ */

  function quantileBreaks(values, n) {
    var v = values.filter(function (x) { return x !== null && x !== undefined && !isNaN(x); })
      .sort(function (a, b) { return a - b; });
    if (!v.length) return [];
    var breaks = [];
    for (var i = 1; i < n; i++) breaks.push(v[Math.min(v.length - 1, Math.floor((i * v.length) / n))]);
    return breaks;
  }

  function classify(value, option, breaks) {
    if (value === null || value === undefined || isNaN(value)) return -1;
    if (option.scheme === "quintile") return Math.max(0, Math.min(4, Math.round(value) - 1));
    var k = 0;
    while (k < breaks.length && value >= breaks[k]) k++;
    return k;
  }

  function legendRows(option, breaks) {
    var pal = PALETTES[option.palette] || PALETTES.blues;
    var rows = [];
    if (option.scheme === "quintile") {
      var words = ["1 (least deprived fifth)", "2", "3", "4", "5 (most deprived fifth)"];
      for (var q = 0; q < 5; q++) rows.push([pal[q], words[q]]);
    } else {
      var edges = [null].concat(breaks).concat([null]);
      for (var i = 0; i < edges.length - 1; i++) {
        var lo = edges[i], hi = edges[i + 1];
        var label = lo === null ? "under " + fmt(hi) : hi === null ? fmt(lo) + " and over" : fmt(lo) + " to " + fmt(hi);
        rows.push([pal[i], label]);
      }
    }
    rows.push([NO_DATA, "no data"]);
    return rows;
  }

  /* ---- markers --------------------------------------------------------------------------- */

  function pinIcon(category, precise) {
    var span = el("span", {
      className: "pin cat-" + category.slug + (precise ? "" : " hollow"),
      text: category.symbol || "?"
    });
    return L.divIcon({ html: span, className: "am-marker", iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12] });
  }

  /* One cluster group for every category, so sites sharing a point cluster and spiderfy
     together; the ring shows the mix of categories inside. */
  function clusterIconFor(categoriesBySlug) {
    return function (cluster) {
      var counts = {};
      cluster.getAllChildMarkers().forEach(function (m) {
        var slug = m.feature.properties.category;
        counts[slug] = (counts[slug] || 0) + 1;
      });
      var total = cluster.getChildCount(), start = 0, stops = [];
      Object.keys(counts).forEach(function (slug) {
        var colour = (categoriesBySlug[slug] || {}).colour || "#555";
        var end = start + (counts[slug] / total) * 360;
        stops.push(colour + " " + start.toFixed(1) + "deg " + end.toFixed(1) + "deg");
        start = end;
      });
      var ring = el("span", { className: "cluster" }, [el("span", { className: "cluster-count", text: String(total) })]);
      ring.style.background = "conic-gradient(" + stops.join(", ") + ")";
      ring.title = Object.keys(counts).map(function (slug) {
        return counts[slug] + " " + ((categoriesBySlug[slug] || {}).label || slug);
      }).join(", ");
      return L.divIcon({ html: ring, className: "am-cluster", iconSize: [36, 36] });
    };
  }

  function popupContent(feature, categoriesBySlug) {
    var p = feature.properties;
    var cat = categoriesBySlug[p.category] || { label: p.category };
    var rows = [];
    function row(label, value) {
      if (value === null || value === undefined || value === "") return;
      rows.push(el("div", { className: "popup-row" }, [el("dt", { text: label }), el("dd", {}, [value])]));
    }
    var addr = [p.address, p.community, p.postal_code].filter(Boolean).join(", ");
    row("Category", cat.label + (p.subcategory ? " · " + p.subcategory : ""));
    row("Address", addr);
    if (p.phone) {
      var tel = telHref(p.phone);
      row("Phone", tel ? el("a", { href: tel, text: p.phone }) : p.phone);
    }
    var web = safeHref(p.website);
    if (web) row("Website", el("a", { href: web, target: "_blank", rel: "noopener", text: p.website }));
    if (p.hours_text) row("Hours (as last seen)", p.hours_text);
    row("Location", p.location_precision_text);
    var src = safeHref(p.source_url);
    if (src) row("Source", el("a", { href: src, target: "_blank", rel: "noopener nofollow", text: p.source || "source page" }));
    else if (p.source) row("Source", p.source);
    return el("div", { className: "asset-popup" }, [
      el("h2", { text: p.name }),
      el("dl", {}, rows),
      el("p", { className: "popup-note", text: "Details are as last seen on the source; check before you go." })
    ]);
  }

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
      var breaks = option.scheme === "quintile" ? [] : quantileBreaks(values, 5);
      var pal = PALETTES[option.palette] || PALETTES.blues;
      areaLayer.setStyle(function (f) {
        var k = classify(f.properties[option.key], option, breaks);
        return { fillColor: k < 0 ? NO_DATA : pal[k], fillOpacity: 0.55, color: "#555", weight: 0.6, opacity: 0.8 };
      });
      areaLayer.eachLayer(function (layer) {
        var p = layer.feature.properties;
        layer.setTooltipContent(el("div", {}, [
          el("strong", { text: p.name }), el("br"),
          "Population " + fmt(p.population) + " · " + option.label + ": " + fmt(p[option.key])
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
      }).catch(function (e) { setStatus("Could not load population areas: " + e.message); });
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
      }).catch(function (e) { setStatus("Could not load municipality outlines: " + e.message); });
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
      marker.bindPopup(el("div", { className: "asset-popup", text: "Loading…" }), { maxWidth: 320, autoPanPadding: [20, 20] });
      marker.on("popupopen", function (ev) {
        if (marker._detailsLoaded) return;
        getJSON(api + "/assets/" + encodeURIComponent(f.id)).then(function (full) {
          marker._detailsLoaded = true;
          ev.popup.setContent(popupContent(full, categoriesBySlug));
        }).catch(function (e) { ev.popup.setContent(el("p", { text: "Could not load details: " + e.message })); });
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
        setStatus(state.assetsInView + " assets in view. Hollow markers are approximate points.");
      }).catch(function (e) { setStatus("Could not load assets: " + e.message); });
    }
    var timer = null;
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(loadAssets, 150); });
    loadAssets();

    /* assets without a public point: listed, never mapped */
    getJSON(api + "/assets?mapped=0").then(function (data) {
      var list = document.getElementById("unmapped-list");
      var count = document.getElementById("unmapped-count");
      if (count) count.textContent = data.features.length + (data.features.length === 1 ? " asset" : " assets");
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
        var where = p.confidential ? "confidential location" : (p.community || p.municipality || "location unknown");
        list.appendChild(el("li", {}, [link, " — " + cat.label + ", " + where]));
      });
    }).catch(function () {});
  }

  window.AssetMap = { init: init, _test: { quantileBreaks: quantileBreaks, classify: classify, safeHref: safeHref } };
})();
