/* The personal agenda's "Print" button: shown only where this script runs (without it,
   the browser's own print command does the same). */
(function () {
  "use strict";
  var button = document.querySelector(".print-button");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
