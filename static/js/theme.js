/* Colour theme: automatic (follows the system), light or dark; remembered per browser. */
(function () {
  "use strict";
  var KEY = "ba-theme";
  var order = ["auto", "light", "dark"];
  function current() {
    try { return localStorage.getItem(KEY) || "auto"; } catch (e) { return "auto"; }
  }
  function apply(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    var button = document.getElementById("theme-toggle");
    if (button) {
      button.setAttribute("aria-label", "Colour theme: " + (theme === "auto" ? "automatic" : theme));
      button.dataset.theme = theme;
    }
  }
  apply(current());
  document.addEventListener("DOMContentLoaded", function () {
    apply(current());
    var button = document.getElementById("theme-toggle");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var next = order[(order.indexOf(current()) + 1) % order.length];
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: not remembered */ }
      apply(next);
    });
  });
})();
