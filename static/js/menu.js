/* The site menu on a phone: a disclosure button folds the header's navigation away.
   Without this script the menu simply stays open (its links wrap onto several lines). */
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-folded", !open);
  }

  button.hidden = false;
  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.offsetParent !== null) {
      setOpen(false);
      button.focus();
    }
  });
})();
