/* Class pages: times in the viewer's own time zone, copy buttons, and the assignment
   form showing the fields of the chosen kind of work. Everything works without it. */
(function () {
  "use strict";

  // <time datetime="…" data-local> holds the class's time zone; show the viewer's own.
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (error) { format = null; }
  if (format) {
    document.querySelectorAll("time[data-local]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      node.title = "In the class's time zone: " + node.textContent;
      node.textContent = format.format(when);
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
