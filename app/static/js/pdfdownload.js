/* PDF links: say that the PDF is being made (it takes a few seconds the first time), then open it.
 * Without JavaScript the links work as plain links. */
(function () {
  "use strict";
  var status = document.getElementById("pdf-status");
  document.querySelectorAll("a[data-pdf]").forEach(function (link) {
    link.addEventListener("click", function (ev) {
      if (!window.fetch || !window.URL || !status) return;
      ev.preventDefault();
      var started = Date.now();
      status.textContent = "Preparing the PDF… this takes a few seconds the first time.";
      var timer = setInterval(function () {
        status.textContent = "Preparing the PDF… " + Math.round((Date.now() - started) / 1000) + " s";
      }, 1000);
      fetch(link.href).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + r.statusText);
        return r.blob();
      }).then(function (blob) {
        clearInterval(timer);
        status.textContent = "The PDF is ready.";
        window.location.href = URL.createObjectURL(blob);
      }).catch(function (e) {
        clearInterval(timer);
        status.textContent = "The PDF could not be made (" + e.message + "). Try again, or use the print layout.";
      });
    });
  });
})();
