/* Colour theme: follows the system until the learner picks one; remembered per browser.
   The button always switches to the other theme from the one on screen (one click), and
   picking the system's own theme goes back to following the system. */
(function () {
  "use strict";
  var KEY = "ba-theme";
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function stored() {
    var value;
    try { value = localStorage.getItem(KEY); } catch (e) { value = null; }
    return value === "light" || value === "dark" ? value : "auto";
  }
  function system() { return dark && dark.matches ? "dark" : "light"; }
  function shown(theme) { return theme === "auto" ? system() : theme; }
  function apply(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    var button = document.getElementById("theme-toggle");
    if (!button) { return; }
    var now = shown(theme);
    var other = now === "dark" ? "light" : "dark";
    button.dataset.theme = now;
    button.setAttribute("aria-label", "Dark theme");
    button.setAttribute("aria-pressed", now === "dark" ? "true" : "false");
    button.title = "Switch to the " + other + " theme";
  }
  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    apply(stored());
    var button = document.getElementById("theme-toggle");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var next = shown(stored()) === "dark" ? "light" : "dark";
      var keep = next === system() ? "auto" : next;
      try {
        if (keep === "auto") { localStorage.removeItem(KEY); } else { localStorage.setItem(KEY, keep); }
      } catch (e) { /* private mode: not remembered */ }
      apply(keep);
    });
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", function () { apply(stored()); });
    }
  });
})();
