/* Printing a map page: the printed map is narrower than the screen's, so refit the same view to
 * the printed size first (Leaflet keeps its old size otherwise and prints a cut-off corner). */
(function () {
  "use strict";
  if (!window.L) return;
  var saved = null;
  function maps() {
    return Object.keys(window).map(function (k) { try { return window[k]; } catch (e) { return null; } })
      .filter(function (v) { return v instanceof L.Map; });
  }
  function toPrint() {
    saved = maps().map(function (m) { return [m, m.getBounds()]; });
    saved.forEach(function (pair) { pair[0].invalidateSize({ pan: false }); pair[0].fitBounds(pair[1], { animate: false }); });
  }
  function back() {
    (saved || []).forEach(function (pair) { pair[0].invalidateSize({ pan: false }); pair[0].fitBounds(pair[1], { animate: false }); });
    saved = null;
  }
  window.addEventListener("beforeprint", toPrint);
  window.addEventListener("afterprint", back);
  if (window.matchMedia) {
    var query = window.matchMedia("print");
    var onChange = function (e) { if (e.matches) toPrint(); else back(); };
    if (query.addEventListener) query.addEventListener("change", onChange); else if (query.addListener) query.addListener(onChange);
  }
})();
