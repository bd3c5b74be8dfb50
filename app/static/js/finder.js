/* Resident finder enhancements: "use my location", a small map of the results, and a live
 * selection for the handout. The page works without this script; data text goes into the page
 * only through textContent and DOM nodes (AM.el), never innerHTML.
 */
(function () {
  "use strict";
  var t = AM.t, el = AM.el;
  var configNode = document.getElementById("finder-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var state = { map: false, markers: 0, markerNumbers: [], selected: [] };
  window.finderState = state;

  /* after a search, land on the results (or the error) with the compact form just above them */
  var landing = document.getElementById("near-error") || document.getElementById("results-heading");
  var form = document.getElementById("search");
  function land() {
    // not when the person has already moved on (focus elsewhere than the page itself)
    if (document.activeElement && document.activeElement !== document.body) return;
    landing.focus({ preventScroll: true });
  }
  if (landing && form) {
    if (!window.location.hash) form.scrollIntoView({ block: "start" });
    land();
    // Scrolling to the #search fragment moves focus back to the page once loading completes.
    window.addEventListener("load", function () { setTimeout(land, 0); });
  }

  /* use my location: fills "near" with lat,lon (kept only in the URL) and searches */
  var locate = document.getElementById("use-location");
  var near = document.getElementById("near");
  if (locate && near && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var help = document.getElementById("near-help");
      if (help) { help.hidden = false; help.textContent = t("Finding your location…"); }
      navigator.geolocation.getCurrentPosition(function (pos) {
        near.value = pos.coords.latitude.toFixed(4) + "," + pos.coords.longitude.toFixed(4);
        near.form.submit();
      }, function (err) {
        if (help) help.textContent = t("Your browser could not give your location: %(error)s", { error: err.message });
      }, { timeout: 15000, maximumAge: 300000 });
    });
  }

  /* the small map: precise results only (the others have no true point to show) */
  var mapNode = document.getElementById("finder-map");
  if (mapNode && window.L && (config.results.length || config.origin)) {
    mapNode.hidden = false;
    var map = L.map(mapNode, { scrollWheelZoom: false });
    if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    var bounds = [];
    if (config.origin) {
      L.circleMarker(config.origin, { radius: 7, color: "#12355b", fillColor: "#f59e0b", fillOpacity: 1, weight: 2 })
        .bindTooltip(t("Your location")).addTo(map);
      bounds.push(config.origin);
    }
    config.results.forEach(function (r) {
      var marker = L.marker([r.latitude, r.longitude], {
        icon: L.divIcon({
          /* the same number as the result's card in the list */
          html: el("span", { className: "pin cat-" + r.category, text: String(r.number) }),
          className: "am-marker", iconSize: [26, 26], iconAnchor: [13, 13]
        }),
        title: r.number + ". " + r.name, alt: r.number + ". " + r.name, keyboard: false
      });
      marker.on("click", function () {
        var item = document.getElementById("result-" + r.id);
        if (item) { item.scrollIntoView({ behavior: "smooth", block: "start" }); var h = item.querySelector("h3"); if (h) { h.tabIndex = -1; h.focus(); } }
      });
      marker.addTo(map);
      bounds.push([r.latitude, r.longitude]);
      state.markers++;
      state.markerNumbers.push(r.number);
    });
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
    else map.setView(bounds[0], 13);
    mapNode.appendChild(el("p", { className: "sr-only", text: t("Precise points only are shown on the map; others are listed “in” their community.") }));
    state.map = true;
  }

  /* selection: the handout button counts, the URL and the search form carry the list */
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=ids][type=checkbox]"));
  var button = document.getElementById("make-handout");
  var bar = document.getElementById("handout-bar");
  var searchForm = document.querySelector("form.finder-form");
  var carried = [];
  var hidden = searchForm && searchForm.querySelector("input[name=ids]");
  if (hidden && hidden.value) carried = hidden.value.split(",");

  function selection() {
    var shown = boxes.map(function (b) { return b.value; });
    var ids = carried.filter(function (id) { return shown.indexOf(id) < 0; });
    boxes.forEach(function (b) { if (b.checked) ids.push(b.value); });
    return ids;
  }

  function update() {
    var ids = selection();
    state.selected = ids;
    if (button) button.textContent = t("Make a handout of the selected supports (%(count)s)", { count: ids.length });
    if (bar) bar.hidden = ids.length === 0;
    var full = ids.length >= config.maxIds;
    boxes.forEach(function (b) { b.disabled = !b.checked && full; });
    if (searchForm) {
      if (!hidden) {
        hidden = el("input", { type: "hidden", name: "ids" });
        searchForm.appendChild(hidden);
      }
      hidden.value = ids.join(",");
      hidden.disabled = ids.length === 0;
    }
    var url = new URL(window.location.href);
    if (ids.length) url.searchParams.set("ids", ids.join(",")); else url.searchParams.delete("ids");
    window.history.replaceState(null, "", url.toString());
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  if (boxes.length) update();
})();
