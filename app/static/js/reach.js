/* "Who isn't reached" map: areas shaded by the share of people beyond reach, the category's
 * assets with their reach rings, and what-if tools (place or remove a site, suggest the best site).
 * Nothing is saved: scenarios are computed by POST /api/reach/scenario.
 */
(function () {
  "use strict";
  var t = AM.t, el = AM.el, getJSON = AM.getJSON, postJSON = AM.postJSON, setStatus = AM.setStatus, fmt = AM.fmt;

  var SHARE_CLASSES = [
    { max: 0, colour: "#f7f7f7", label: "everyone reached" },
    { max: 0.25, colour: "#fcc5c0", label: "up to 25% beyond reach" },
    { max: 0.5, colour: "#fa9fb5", label: "25–50%" },
    { max: 0.75, colour: "#dd3497", label: "50–75%" },
    { max: 1.01, colour: "#7a0177", label: "over 75%" }  // labels translated where shown
  ];
  var NO_DATA = "#d9d9d9";
  var UNMEASURED = "#bdbdbd";

  /* Counts of people: whole numbers in every display (the API keeps its own precision). */
  function people(n) {
    if (n === null || n === undefined || isNaN(n)) return t("not shown");
    return Math.round(n).toLocaleString(document.documentElement.lang === "fr" ? "fr-CA" : "en-CA");
  }

  function shareClass(share, population) {
    if (population === null || population === undefined) return -1;
    for (var i = 0; i < SHARE_CLASSES.length; i++) {
      if (i === 0 ? share <= 0 : share <= SHARE_CLASSES[i].max) return i;
    }
    return SHARE_CLASSES.length - 1;
  }

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined && params[k] !== ""; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
  }

  function init(map, config) {
    var api = config.api, params = config.params;
    var category = config.categories.filter(function (c) { return c.slug === config.category; })[0] || { slug: config.category, symbol: "?" };
    var state = { areas: 0, assets: 0, scenario: null };
    window.reachMapState = state;
    var areaLayer = null, byId = {}, report = null;
    var byTime = config.travel || null;  // mode=car|transit|walk|bicycle: minutes, no reach rings
    var additions = [], removals = [];
    var scenarioLayer = L.layerGroup().addTo(map);
    var ringLayer = L.layerGroup().addTo(map);
    var assetLayer = L.layerGroup().addTo(map);

    function legend(counts) {
      var box = document.getElementById("reach-legend");
      if (!box) {
        box = el("div", { id: "reach-legend", className: "map-legend" });
        var control = L.control({ position: "bottomright" });
        control.onAdd = function () { return box; };
        control.addTo(map);
      }
      box.textContent = "";
      if (report && report.measurable === false) {
        box.appendChild(el("p", { className: "legend-title", text: t("Cannot be measured") }));
        box.appendChild(el("p", { className: "note", text: report.reason }));
        return;
      }
      box.appendChild(el("p", { className: "legend-title", text: t("Share of people beyond reach") }));
      var list = el("ul", {});
      SHARE_CLASSES.forEach(function (c, i) {
        var sw = el("span", { className: "swatch", "aria-hidden": "true" });
        sw.style.background = c.colour;
        var n = counts[i] || { areas: 0, people: 0 };
        list.appendChild(el("li", {}, [sw, t("%(label)s (%(areas)s areas, %(people)s beyond reach)",
          { label: t(c.label), areas: n.areas, people: people(n.people) })]));
      });
      var sw = el("span", { className: "swatch", "aria-hidden": "true" });
      sw.style.background = NO_DATA;
      list.appendChild(el("li", {}, [sw, t("no census count")]));
      box.appendChild(list);
      box.appendChild(el("p", { className: "note", text: byTime ? t("By travel time to the nearest site. Area shapes are approximate.") : t("Rings: reach of each site (solid in town, dashed elsewhere). Area shapes are approximate.") }));
      if (!byTime) box.appendChild(el("p", { className: "note", text: t("Outlined in black: uncertain, an asset left out for its approximate point is nearer than any used.") }));
    }

    function shade(unreachedById) {
      if (!areaLayer) return;
      var counts = {};
      areaLayer.eachLayer(function (layer) {
        var a = byId[layer.feature.id];
        if (report.measurable === false) {
          layer.setStyle({ fillColor: UNMEASURED, fillOpacity: 0.5, color: "#555", weight: 0.6 });
          if (a) layer.setTooltipContent(el("div", {}, [el("strong", { text: a.name }), el("br"), report.reason]));
          return;
        }
        var scenario = unreachedById && unreachedById[layer.feature.id] !== undefined;
        var unreached = scenario ? unreachedById[layer.feature.id] : (a ? a.unreached_population : null);
        var hidden = scenario ? unreached === -1 : (a && a.unreached_suppressed);
        if (hidden) unreached = null;
        // A hidden count is 1 to 9 people: shaded as "up to 25%", never as "everyone reached".
        var share = hidden ? 0.01 : (a && a.population ? (unreached || 0) / a.population : 0);
        var k = a ? shareClass(share, a.population) : -1;
        if (a && a.measured === false) k = -1;  // not in the travel-time file: no data, not "reached"
        if (k >= 0) {
          counts[k] = counts[k] || { areas: 0, people: 0 };
          counts[k].areas += 1;
          counts[k].people += unreached || 0;
        }
        var uncertain = a && a.uncertain;
        layer.setStyle({ fillColor: k < 0 ? NO_DATA : SHARE_CLASSES[k].colour, fillOpacity: 0.65,
          color: uncertain ? "#000" : "#555", weight: uncertain ? 2 : 0.6, dashArray: uncertain ? "3 3" : null });
        if (a) {
          var line = hidden ? t("fewer than %(n)s of %(population)s people beyond reach", { n: config.smallCount || 10, population: people(a.population) })
            : t("%(unreached)s of %(population)s people beyond reach", { unreached: people(unreached), population: people(a.population) });
          layer.setTooltipContent(el("div", {}, [
            el("strong", { text: a.name }), el("br"),
            line + (a.nearest_m !== null ? t("; nearest about %(km)s km by road (estimated)", { km: fmt(a.nearest_m / 1000) }) : "") +
              (a.nearest_min !== undefined && a.nearest_min !== null ? t("; nearest %(minutes)s min", { minutes: fmt(a.nearest_min) }) : ""),
            uncertain ? el("br") : "", uncertain ? t("Uncertain: an asset left out for its approximate point is nearer.") : ""
          ]));
        }
      });
      legend(counts);
    }

    function drawAssets() {
      ringLayer.clearLayers();
      assetLayer.clearLayers();
      var th = report.thresholds, c = report.circuity;
      report.assets.forEach(function (a) {
        var removed = removals.indexOf(a.id) >= 0;
        var latlng = [a.lat, a.lon];
        if (!removed && !byTime) {
          // Rings show straight-line reach: the road threshold divided by the circuity factor.
          L.circle(latlng, { radius: th.rural_m / c, color: "#333", weight: 1, dashArray: "4 4", fill: false, interactive: false, className: "am-ring" }).addTo(ringLayer);
          if (th.urban_m !== th.rural_m) {
            L.circle(latlng, { radius: th.urban_m / c, color: "#333", weight: 1.5, fill: false, interactive: false, className: "am-ring" }).addTo(ringLayer);
          }
        }
        var icon = AM.pinIcon(category, a.location_precision === "exact" || a.location_precision === "address" || a.location_precision === "landmark" || a.location_precision === "postal_code");
        var marker = L.marker(latlng, { icon: icon, title: a.name, keyboard: true, opacity: removed ? 0.35 : 1 }).addTo(assetLayer);
        var button = el("button", { type: "button", className: "link-button", text: removed ? t("Put it back") : t("What if this closed?") });
        button.addEventListener("click", function () {
          var i = removals.indexOf(a.id);
          if (i >= 0) removals.splice(i, 1); else removals.push(a.id);
          map.closePopup();
          runScenario();
        });
        marker.bindPopup(el("div", { className: "asset-popup" }, [el("h2", { text: a.name }), button]));
      });
      state.assets = report.assets.length;
    }

    function runScenario() {
      scenarioLayer.clearLayers();
      additions.forEach(function (p) {
        L.marker([p.lat, p.lon], { icon: AM.pinIcon(category, true), title: t("Hypothetical site"), keyboard: true })
          .bindTooltip(t("Hypothetical site")).addTo(scenarioLayer);
        var th = report.thresholds;
        if (!byTime) L.circle([p.lat, p.lon], { radius: th.rural_m / report.circuity, color: "#7a0177", weight: 2, dashArray: "4 4", fill: false, interactive: false }).addTo(scenarioLayer);
      });
      drawAssets();
      var out = document.getElementById("whatif-result");
      if (!additions.length && !removals.length) {
        state.scenario = null;
        shade(null);
        if (out) out.textContent = "";
        return Promise.resolve(null);
      }
      var body = {
        category: params.category, threshold_m: params.threshold_m, circuity: params.circuity,
        include_imprecise: params.include_imprecise ? 1 : 0,
        mode: params.mode, threshold_min: params.threshold_min, travel_source: params.travel_source,
        add: additions.map(function (p) { return { lon: p.lon, lat: p.lat }; }),
        remove: removals
      };
      if (out) out.textContent = t("Calculating…");
      return postJSON(api + "/reach/scenario", body).then(function (res) {
        state.scenario = res;
        var after = {};
        res.areas.forEach(function (a) { after[a.id] = a.suppressed ? -1 : a.unreached_after; });  // -1: hidden (1-9)
        shade(after);
        if (out) {
          var change = res.change;
          var words = change < 0 ? t("%(count)s more people reached", { count: people(-change) })
            : change > 0 ? t("%(count)s more people beyond reach", { count: people(change) }) : t("no change in who is reached");
          out.textContent = t("People beyond reach: %(before)s → %(after)s (%(words)s).", {
            before: people(res.before.unreached_population), after: people(res.after.unreached_population), words: words
          }) + " " + t("New sites: %(added)s. Sites closed: %(removed)s. Nothing was saved.", { added: res.added, removed: res.removed });
          if (byTime && res.distance_method !== report.distance_method) {
            out.textContent += " " + t("Measured on the road network: the travel-time matrix has no times to a new site.");
          }
        }
        return res;
      }).catch(function (e) { if (out) out.textContent = t("Could not compute the scenario: %(error)s", { error: e.message }); });
    }

    AM.areaPane(map);
    Promise.all([
      getJSON(api + "/areas?level=" + encodeURIComponent(config.areaLevel)),
      getJSON(api + "/reach?" + query(params))
    ]).then(function (res) {
      var areas = res[0];
      report = res[1];
      report.areas.forEach(function (a) { byId[a.id] = a; });
      areaLayer = AM.areaLayer(areas).addTo(map);
      AM.fitToLayer(map, areaLayer);
      state.areas = areas.features.length;
      shade(null);
      drawAssets();
      summary = report.measurable === false ? report.reason
        : t("%(unreached)s of %(population)s people beyond reach.", { unreached: people(report.unreached_population), population: people(report.total_population) });
      setStatus(summary);
      state.ready = true;
    }).catch(function (e) { setStatus(t("Could not load the analysis: %(error)s", { error: e.message })); });

    /* what-if controls (the panel is hidden without JavaScript) */
    var panel = document.getElementById("what-if");
    if (panel) panel.hidden = false;
    var addButton = document.getElementById("whatif-add");
    var placing = false;
    var summary = "";
    function setPlacing(on) {
      if (on && byTime && !byTime.canAdd) {  // a matrix knows only the sites that exist
        var why = document.getElementById("whatif-result");
        if (why) why.textContent = byTime.cannotAdd;
        return;
      }
      placing = on;
      if (addButton) addButton.setAttribute("aria-pressed", on ? "true" : "false");
      map.getContainer().style.cursor = on ? "crosshair" : "";
      setStatus(on ? t("Click the map where the new site would be.") : summary);  // the hint goes once placed
    }
    if (addButton) addButton.addEventListener("click", function () { setPlacing(!placing); });
    map.on("click", function (ev) {
      if (!placing || !report) return;
      additions.push({ lon: Number(ev.latlng.lng.toFixed(5)), lat: Number(ev.latlng.lat.toFixed(5)) });
      setPlacing(false);
      runScenario();
    });
    var suggest = document.getElementById("whatif-suggest");
    if (suggest) suggest.addEventListener("click", function () {
      if (byTime) {
        var note = document.getElementById("whatif-result");
        if (note) note.textContent = t("Suggestions are measured by straight line: choose “Straight line” to get one, then place it on the map to measure it by travel time.");
        return;
      }
      var weight = document.getElementById("whatif-weight");
      var q = query({ category: params.category, threshold_m: params.threshold_m, circuity: params.circuity,
        include_imprecise: params.include_imprecise, weight: weight ? weight.value : "" });
      var out = document.getElementById("whatif-result");
      if (out) out.textContent = t("Searching the area centres…");
      getJSON(api + "/reach/suggest?" + q).then(function (s) {
        additions.push({ lon: s.site.lon, lat: s.site.lat });
        map.panTo([s.site.lat, s.site.lon]);
        return runScenario().then(function () {
          if (out) out.textContent = t("Best site for %(weight)s: near the centre of %(area)s (on its own it would reach %(count)s more).", {
            weight: s.weight, area: s.site.area_name, count: fmt(s.newly_reached) }) + " " + out.textContent;
        });
      }).catch(function (e) { if (out) out.textContent = t("Could not suggest a site: %(error)s", { error: e.message }); });
    });
    var reset = document.getElementById("whatif-reset");
    if (reset) reset.addEventListener("click", function () {
      additions = []; removals = [];
      setPlacing(false);
      runScenario();
    });
  }

  window.ReachMap = { init: init };
})();
