/* Place one asset's point: drag the marker, click the map, or find an address. Writes latitude,
 * longitude and the precision to record into the form; the page works without it (type the numbers).
 */
(function () {
  "use strict";
  var configNode = document.getElementById("place-config");
  if (!configNode || !window.L) return;
  var config = JSON.parse(configNode.textContent);
  var lat = document.getElementById("latitude"), lon = document.getElementById("longitude");
  var precision = document.getElementById("location_precision"), foundBy = document.getElementById("found_by");
  var status = document.getElementById("place-status"), query = document.getElementById("geocode-q");
  var go = document.getElementById("geocode-go");
  var state = { placed: false };
  window.placeState = state;

  var map = L.map("place-map");
  if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  var start = config.point || config.center;
  map.setView(start, config.zoom);
  var marker = L.marker(start, { draggable: true, autoPan: true, keyboard: true, title: "Drag to the site" }).addTo(map);

  function byHand(latlng, words) {
    marker.setLatLng(latlng);
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    precision.value = "exact";
    foundBy.value = "";
    state.placed = true;
    status.textContent = words;
  }
  marker.on("dragend", function () { byHand(marker.getLatLng(), "Marker moved: it will be saved as the exact site."); });
  map.on("click", function (ev) { byHand(ev.latlng, "Point placed: it will be saved as the exact site. Drag the marker to adjust."); });

  function find() {
    var q = query.value.trim();
    if (!q) { status.textContent = "Type an address or a postal code first."; return; }
    status.textContent = "Looking up " + q + "…";
    AM.getJSON(config.geocodeUrl + "?q=" + encodeURIComponent(q)).then(function (r) {
      if (!r.found) { status.textContent = r.message; return; }
      var ll = L.latLng(r.lat, r.lon);
      marker.setLatLng(ll);
      map.setView(ll, 16);
      lat.value = r.lat;
      lon.value = r.lon;
      precision.value = r.precision;
      foundBy.value = q;
      state.placed = true;
      status.textContent = "Found " + r.label + " (" + r.precision_text + "). Drag the marker to the site if you know it.";
    }).catch(function (e) { status.textContent = "Could not look it up: " + e.message; });
  }
  go.hidden = false;
  go.addEventListener("click", find);
  query.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); find(); } });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b)) { marker.setLatLng([a, b]); map.panTo([a, b]); precision.value = "exact"; foundBy.value = ""; }
    });
  });
  var error = document.getElementById("place-error");
  if (error) error.focus();
})();
