/* A form sent back with errors: move focus to the list of what to fix (no inline script: CSP). */
(function () {
  "use strict";
  var summary = document.querySelector("[role=alert][tabindex='-1']");
  if (summary) summary.focus();
})();
