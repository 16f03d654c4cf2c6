// Admin widgets drawn by Django's scripts, made valid for assistive technology.
// SelectFilter2 (filter_horizontal) draws its help icons as <span aria-label="…">: a
// plain span may not carry a name, so the icon becomes an image named by that text.
(function () {
  "use strict";
  function nameHelpIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  // The widgets are drawn on window load (and when an inline row is added), so watch.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          if (node.matches("span.help-tooltip[aria-label]:not([role])")) node.setAttribute("role", "img");
          nameHelpIcons(node);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
