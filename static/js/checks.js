/* Checks inside lessons: answer in place. The form works without this (a POST and a
   redirect back); with it, the same POST is sent by fetch and the server's HTML for the
   check replaces the old, keeping focus on its result. */
(function () {
  "use strict";
  function enhance(section) {
    var form = section.querySelector("form");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
        cache: "no-store"
      }).then(function (response) {
        if (response.status !== 200 && response.status !== 400) { throw new Error(String(response.status)); }
        return response.text();
      }).then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-check]");
        if (!fresh) { throw new Error("no check in the answer"); }
        section.replaceWith(fresh);
        enhance(fresh);
        var result = fresh.querySelector(".lesson-check-result");
        if (result) { result.setAttribute("tabindex", "-1"); result.focus(); }
      }).catch(function () {
        form.submit();  /* fall back to the plain form */
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-check]"), enhance);
})();
