/* Class pages: times in the viewer's own time zone, copy buttons, and the assignment
   form showing the fields of the chosen kind of work. Everything works without it. */
(function () {
  "use strict";

  // <time datetime="…" data-local> holds the class's time zone; show the viewer's own
  // in the site's one format (static/js/dates.js).
  var dates = window.BA && window.BA.dates;
  if (dates) {
    document.querySelectorAll("time[data-local]").forEach(function (node) {
      var text = dates.format(node.getAttribute("datetime"), "datetime");
      if (!text) { return; }
      node.title = "In the class's time zone: " + node.textContent;
      node.textContent = text + " (" + dates.zone() + ")";
      node.dataset.localised = "1";
    });
  }

  // Copy buttons: <button data-copy="input-id" hidden> next to a read-only input.
  var status = document.querySelector("[data-copy-status]");
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        if (status) { status.textContent = "Copied."; }
        button.dataset.copied = "1";
      }, function () {
        source.select();
        if (status) { status.textContent = "Select the text and copy it."; }
      });
    });
  });

  // The assignment form: only the fieldset for the chosen kind of work is shown.
  var kinds = document.querySelectorAll("input[name=kind]");
  var groups = document.querySelectorAll(".kind-fields[data-kind]");
  function showKind() {
    var chosen = document.querySelector("input[name=kind]:checked");
    groups.forEach(function (group) {
      group.hidden = !chosen || group.dataset.kind !== chosen.value;
    });
  }
  if (kinds.length && groups.length) {
    kinds.forEach(function (input) { input.addEventListener("change", showKind); });
    showKind();
  }
})();
