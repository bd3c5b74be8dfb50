/* Asset form map: find a candidate point by address/postal code/community, drag the marker to
 * the exact site. Writes latitude, longitude and location precision into the form fields.
 */
(function () {
  "use strict";

  function init(map, config) {
    var lat = document.getElementById("f-latitude");
    var lon = document.getElementById("f-longitude");
    var precision = document.getElementById("f-location_precision");
    var result = document.getElementById("geocode-result");
    var query = document.getElementById("geocode-q");
    var marker = null;

    function place(latlng, zoom) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, autoPan: true, title: "Drag to the exact site", keyboard: true }).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          lat.value = p.lat.toFixed(6);
          lon.value = p.lng.toFixed(6);
          precision.value = "exact";
          result.textContent = "Marker moved: the point is now marked as the exact site.";
        });
      } else {
        marker.setLatLng(latlng);
      }
      map.setView(latlng, zoom || Math.max(map.getZoom(), 15));
    }

    if (config.point) place(config.point, 15);

    function typedPoint() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) place([a, b]);
    }
    lat.addEventListener("change", typedPoint);
    lon.addEventListener("change", typedPoint);

    map.on("click", function (ev) {
      place(ev.latlng);
      lat.value = ev.latlng.lat.toFixed(6);
      lon.value = ev.latlng.lng.toFixed(6);
      precision.value = "exact";
      result.textContent = "Point placed: marked as the exact site. Drag the marker to adjust.";
    });

    function find() {
      var q = query.value.trim() || [document.getElementById("f-address").value, document.getElementById("f-community").value,
        document.getElementById("f-postal_code").value].filter(Boolean).join(", ");
      if (!q) { result.textContent = "Type an address, a postal code or a community name first."; return; }
      result.textContent = "Looking up " + q + "…";
      AM.getJSON(config.geocodeUrl + "?q=" + encodeURIComponent(q)).then(function (r) {
        if (!r.found) { result.textContent = r.message; return; }
        place([r.lat, r.lon], r.precision === "address" || r.precision === "postal_code" ? 16 : 13);
        lat.value = r.lat;
        lon.value = r.lon;
        precision.value = r.precision;
        // fill empty address fields from what was found; never overwrite what the editor typed
        [["f-postal_code", r.postal_code], ["f-community", r.community]].forEach(function (pair) {
          var input = document.getElementById(pair[0]);
          if (input && !input.value && pair[1]) input.value = pair[1];
        });
        result.textContent = "Found " + r.label + " (" + r.precision_text + "). Drag the marker to the exact site if you know it.";
      }).catch(function (e) { result.textContent = "Could not look it up: " + e.message; });
    }
    document.getElementById("geocode-go").addEventListener("click", find);
    query.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); find(); } });
  }

  window.AssetForm = { init: init };
})();
