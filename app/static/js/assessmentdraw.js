/* Draw a polygon for a needs assessment: click the map to add corners (a simple tool of our own,
 * no plugin). The polygon is written as GeoJSON (lon, lat) into the form's hidden #polygon field.
 * Without JavaScript the form still works with the municipality and area lists.
 */
(function () {
  "use strict";

  function init(map, config) {
    var tools = document.getElementById("draw-tools");
    var field = document.getElementById("polygon");
    var status = document.getElementById("draw-status");
    var startBtn = document.getElementById("draw-start");
    var radio = document.getElementById("kind-polygon");
    var corners = [];
    var drawing = false;
    var areas = L.geoJSON(null, {
      style: { color: "#12355b", weight: 1, fillOpacity: 0.05 },
      interactive: false
    }).addTo(map);
    var shape = L.polygon([], { color: "#b45309", weight: 3, fillOpacity: 0.15 }).addTo(map);
    var state = (window.assessmentDrawState = { ready: false, corners: corners });
    tools.hidden = false;

    AM.getJSON(config.api + "/areas?level=" + encodeURIComponent(config.areaLevel)).then(function (fc) {
      areas.addData(fc);
      if (areas.getBounds().isValid()) map.fitBounds(areas.getBounds());
      state.ready = true;
    }, function (err) {
      status.textContent = "Areas could not be loaded: " + err.message;
      state.ready = true;
    });

    function update() {
      shape.setLatLngs(corners);
      if (corners.length >= 3) {
        var ring = corners.map(function (c) { return [Number(c.lng.toFixed(6)), Number(c.lat.toFixed(6))]; });
        ring.push(ring[0]);
        field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
        radio.checked = true;
        status.textContent = corners.length + " corners. Areas whose centre is inside will be assessed.";
      } else {
        field.value = "";
        status.textContent = corners.length ? corners.length + " corner(s): add at least 3." : "Click “Draw”, then click the map to add corners.";
      }
    }

    // A polygon typed or kept from an earlier submission is shown again.
    if (field.value) {
      try {
        JSON.parse(field.value).coordinates[0].slice(0, -1).forEach(function (p) { corners.push(L.latLng(p[1], p[0])); });
      } catch (e) { field.value = ""; }
      update();
    }

    startBtn.addEventListener("click", function () {
      drawing = !drawing;
      startBtn.setAttribute("aria-pressed", drawing ? "true" : "false");
      map.getContainer().style.cursor = drawing ? "crosshair" : "";
      if (drawing) radio.checked = true;
    });
    document.getElementById("draw-undo").addEventListener("click", function () { corners.pop(); update(); });
    document.getElementById("draw-clear").addEventListener("click", function () { corners.length = 0; update(); });
    map.on("click", function (e) {
      if (!drawing) return;
      corners.push(e.latlng);
      update();
    });
  }

  window.AssessmentDraw = { init: init };
})();
