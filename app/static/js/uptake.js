/* "Who isn't accessing" map: areas shaded by whether their use of a service is significantly lower,
 * similar or higher than expected (95%), or by the four classes near/far x uptake. The numbers come
 * from GET /api/uptake (the same as the page's tables); text goes in through DOM nodes only.
 */
(function () {
  "use strict";
  var t = AM.t, el = AM.el, getJSON = AM.getJSON, setStatus = AM.setStatus, fmt = AM.fmt;

  var VIEWS = {
    significance: {
      title: "Use of the service compared with expected (95%)",
      field: "significance_95",
      classes: [
        { key: "lower", colour: "#e66101", label: "significantly lower" },
        { key: "similar", colour: "#f7f7f7", label: "similar" },
        { key: "higher", colour: "#5e3c99", label: "significantly higher" }
      ]
    },
    distance: {
      title: "Near or far, and use of the service",
      field: "distance_class",
      classes: [
        { key: "near_lower", colour: "#e66101", label: "near but using it less: barriers other than distance" },
        { key: "far_lower", colour: "#7f2704", label: "far and using it less: distance may be the barrier" },
        { key: "far_similar_or_higher", colour: "#b2abd2", label: "far, using it as expected or more" },
        { key: "near_similar_or_higher", colour: "#f7f7f7", label: "near, using it as expected or more" }
      ]
    }
  };
  var NOT_SHOWN = "#bdbdbd";

  function query(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined && params[k] !== ""; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
  }

  function ratioText(a) {
    if (a.ratio === null) return t("count not shown (small numbers)");
    return t("%(observed)s used, %(expected)s expected: ratio %(ratio)s, likely between %(low)s and %(high)s", {
      observed: fmt(a.observed), expected: fmt(a.expected), ratio: a.ratio.toFixed(2),
      low: a.ratio_low95.toFixed(2), high: a.ratio_high95.toFixed(2)
    });
  }

  function init(map, config) {
    var state = { ready: false, areas: 0, view: config.view, counts: {} };
    window.uptakeMapState = state;
    var areaLayer = null, byId = {}, report = null;

    function legend() {
      var box = document.getElementById("uptake-legend");
      if (!box) {
        box = el("div", { id: "uptake-legend", className: "map-legend" });
        var control = L.control({ position: "bottomright" });
        control.onAdd = function () { return box; };
        control.addTo(map);
      }
      var view = VIEWS[state.view];
      box.textContent = "";
      box.appendChild(el("p", { className: "legend-title", text: t(view.title) }));
      var list = el("ul", {});
      view.classes.concat([{ key: null, colour: NOT_SHOWN, label: "not shown (small numbers or no people)" }]).forEach(function (c) {
        var sw = el("span", { className: "swatch", "aria-hidden": "true" });
        sw.style.background = c.colour;
        list.appendChild(el("li", {}, [sw, t("%(label)s (%(areas)s areas)", { label: t(c.label), areas: state.counts[c.key] || 0 })]));
      });
      box.appendChild(list);
      box.appendChild(el("p", { className: "note", text: t("Area shapes are approximate.") }));
    }

    function shade() {
      if (!areaLayer) return;
      var view = VIEWS[state.view];
      var colours = {};
      view.classes.forEach(function (c) { colours[c.key] = c.colour; });
      state.counts = {};
      areaLayer.eachLayer(function (layer) {
        var a = byId[layer.feature.id];
        var key = a ? a[view.field] : null;
        if (!(key in colours)) key = null;
        state.counts[key] = (state.counts[key] || 0) + 1;
        layer.setStyle({ fillColor: key ? colours[key] : NOT_SHOWN, fillOpacity: 0.7, color: "#555", weight: 0.6 });
        layer.options.uptakeClass = key;
        layer.setTooltipContent(el("div", {}, [
          el("strong", { text: a ? a.name : layer.feature.properties.name }), el("br"),
          a ? ratioText(a) : t("no people counted")
        ]));
      });
      legend();
      var buttons = document.querySelectorAll("#view-switch button");
      Array.prototype.forEach.call(buttons, function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-view") === state.view ? "true" : "false"); });
    }

    var panel = document.getElementById("view-switch");
    if (panel && config.params.service) {
      panel.hidden = false;
      panel.addEventListener("click", function (ev) {
        var view = ev.target.getAttribute && ev.target.getAttribute("data-view");
        if (view && VIEWS[view]) { state.view = view; shade(); }
      });
    }

    AM.areaPane(map);
    var requests = [getJSON(config.api + "/areas?level=" + encodeURIComponent(config.areaLevel || ""))];
    if (config.params.service) requests.push(getJSON(config.api + "/uptake?" + query(config.params)));
    Promise.all(requests).then(function (res) {
      var areas = res[0];
      report = res[1] || null;
      if (report) report.areas.forEach(function (a) { byId[a.id] = a; });
      areaLayer = AM.areaLayer(areas).addTo(map);
      AM.fitToLayer(map, areaLayer);
      state.areas = areas.features.length;
      if (!report) {
        areaLayer.setStyle({ fillColor: NOT_SHOWN, fillOpacity: 0.3, color: "#555", weight: 0.6 });
        state.ready = true;
        return;
      }
      shade();
      var lower = report.areas.filter(function (a) { return a.significance_95 === "lower"; }).length;
      setStatus(t("%(count)s areas use %(service)s significantly less than expected.", { count: lower, service: report.service }));
      state.ready = true;
    }).catch(function (e) { setStatus(t("Could not load the analysis: %(error)s", { error: e.message })); });
  }

  window.UptakeMap = { init: init };
})();
