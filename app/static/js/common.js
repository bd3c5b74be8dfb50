/* Shared helpers for the map scripts (window.AM). Data text goes into the page only through
 * textContent and DOM nodes, never innerHTML.
 */
(function () {
  "use strict";

  var PALETTES = {
    blues: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    reds: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    greens: ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"]
  };
  var NO_DATA = "#d9d9d9";

  /* Translated strings: the page's JSON catalogue (app/i18n.py), English when absent.
     t("%(count)s assets", {count: 3}) fills %(name)s placeholders. */
  var CATALOGUE = null;
  function catalogue() {
    // Read on first use: this script loads in <head>, before the catalogue at the end of <body>.
    if (CATALOGUE === null) {
      var node = document.getElementById("am-i18n");
      if (!node) return {};
      try { CATALOGUE = JSON.parse(node.textContent) || {}; } catch (e) { CATALOGUE = {}; }
    }
    return CATALOGUE;
  }
  var LOCALE = document.documentElement.lang === "fr" ? "fr-CA" : "en-CA";

  function t(message, values) {
    var cat = catalogue();
    var text = Object.prototype.hasOwnProperty.call(cat, message) ? cat[message] : message;
    return text.replace(/%\((\w+)\)s/g, function (m, key) {
      return values && values[key] !== undefined ? String(values[key]) : m;
    });
  }

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
    if (n === null || n === undefined || isNaN(n)) return t("no data");
    var abs = Math.abs(n);
    var digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
    return Number(n).toLocaleString(LOCALE, { maximumFractionDigits: digits });
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

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.error || r.statusText);
        return data;
      });
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
    if (option.classes) {
      /* deprivation bands: one colour per band value, from the least to the most deprived */
      for (var c = 0; c < option.classes.length; c++) if (option.classes[c].value === Number(value)) return c;
      return -1;
    }
    if (option.scheme === "quintile") return Math.max(0, Math.min(4, Math.round(value) - 1));
    var k = 0;
    while (k < breaks.length && value >= breaks[k]) k++;
    return k;
  }

  function legendRows(option, breaks) {
    var pal = PALETTES[option.palette] || PALETTES.blues;
    var rows = [];
    if (option.classes) {
      option.classes.forEach(function (c) { rows.push([c.colour, c.label]); });
    } else if (option.scheme === "quintile") {
      var words = [t("1 (least deprived fifth)"), "2", "3", "4", t("5 (most deprived fifth)")];
      for (var q = 0; q < 5; q++) rows.push([pal[q], words[q]]);
    } else {
      var edges = [null].concat(breaks).concat([null]);
      for (var i = 0; i < edges.length - 1; i++) {
        var lo = edges[i], hi = edges[i + 1];
        var label = lo === null ? t("under %(value)s", { value: fmt(hi) }) : hi === null ? t("%(value)s and over", { value: fmt(lo) }) : t("%(low)s to %(high)s", { low: fmt(lo), high: fmt(hi) });
        rows.push([pal[i], label]);
      }
    }
    rows.push([NO_DATA, t("no data")]);
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
    row(t("Category"), cat.label + (p.subcategory ? " · " + p.subcategory : ""));
    row(t("Address"), addr);
    if (p.phone) {
      var tel = telHref(p.phone);
      row(t("Phone"), tel ? el("a", { href: tel, text: p.phone }) : p.phone);
    }
    var web = safeHref(p.website);
    if (web) row(t("Website"), el("a", { href: web, target: "_blank", rel: "noopener", text: p.website }));
    if (p.hours_text) row(t("Hours (as last seen)"), p.hours_text);
    row(t("Location"), p.location_precision_text);
    var src = safeHref(p.source_url);
    if (src) row(t("Source"), el("a", { href: src, target: "_blank", rel: "noopener nofollow", text: p.source || t("source page") }));
    else if (p.source) row(t("Source"), p.source);
    return el("div", { className: "asset-popup" }, [
      el("h2", { text: p.name }),
      el("dl", {}, rows),
      el("p", { className: "popup-note", text: t("Details are as last seen on the source; check before you go.") })
    ]);
  }

  window.AM = {
    PALETTES: PALETTES, NO_DATA: NO_DATA, t: t, el: el, safeHref: safeHref, telHref: telHref, fmt: fmt,
    setStatus: setStatus, getJSON: getJSON, postJSON: postJSON, quantileBreaks: quantileBreaks, classify: classify,
    legendRows: legendRows, pinIcon: pinIcon, clusterIconFor: clusterIconFor, popupContent: popupContent
  };
})();
