/* Job progress: poll the status URL while a job runs, then reload the page to show the results. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || ["pending", "running"].indexOf(box.dataset.status) < 0) return;
  var status = document.getElementById("job-status");
  var bar = document.getElementById("job-progress");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }).then(function (j) {
      if (j.total) bar.max = j.total;
      bar.value = j.done;
      status.textContent = j.status + " — " + j.done + " of " + (j.total || "?") + " done" +
        (j.kind === "import" ? " (" + j.inserted + " added, " + j.updated + " updated, " + j.rejected + " rejected)" : "") +
        (j.message ? " (" + j.message + ")" : "");
      if (j.status === "pending" || j.status === "running") setTimeout(poll, 700);
      else window.location.reload();
    }).catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 300);
})();
