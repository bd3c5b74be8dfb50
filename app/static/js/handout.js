/* Handout page: a Print button (the page prints on one sheet through its print CSS). */
(function () {
  "use strict";
  var button = document.getElementById("print-handout");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
