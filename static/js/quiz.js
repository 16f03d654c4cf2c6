/* Quiz taking: autosave each change, count answered questions, show the server's deadline. */
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var statusEl = document.getElementById("save-status");
  var countEl = document.getElementById("answered-count");
  var progressEl = document.getElementById("answered-progress");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var pending = null;
  var dirty = {};

  function responseFor(item) {
    var id = item.dataset.question;
    var type = item.dataset.type;
    var name = "q-" + id;
    if (type === "single_choice") {
      var picked = item.querySelector("input[name='" + name + "']:checked");
      return picked ? { choice: parseInt(picked.value, 10) } : null;
    }
    if (type === "multiple_choice") {
      var boxes = item.querySelectorAll("input[name='" + name + "']:checked");
      if (!boxes.length) { return null; }
      return { choices: Array.prototype.map.call(boxes, function (b) { return parseInt(b.value, 10); }) };
    }
    if (type === "true_false") {
      var tf = item.querySelector("input[name='" + name + "']:checked");
      return tf ? { value: tf.value === "true" } : null;
    }
    if (type === "numeric" || type === "short_text") {
      var text = item.querySelector("input[name='" + name + "']").value.trim();
      if (!text) { return null; }
      return type === "numeric" ? { value: text } : { text: text };
    }
    if (type === "ordering") {
      var selects = item.querySelectorAll("select");
      var ranks = [];
      for (var i = 0; i < selects.length; i++) {
        if (!selects[i].value) { return null; }
        ranks.push([parseInt(selects[i].value, 10), parseInt(selects[i].name.split("-").pop(), 10)]);
      }
      var seen = {};
      for (var j = 0; j < ranks.length; j++) { if (seen[ranks[j][0]]) { return null; } seen[ranks[j][0]] = true; }
      ranks.sort(function (a, b) { return a[0] - b[0]; });
      return { order: ranks.map(function (r) { return r[1]; }) };
    }
    return null;
  }

  function updateCount() {
    var items = form.querySelectorAll(".question");
    var answered = 0;
    Array.prototype.forEach.call(items, function (item) { if (responseFor(item)) { answered++; } });
    countEl.textContent = answered;
    progressEl.value = answered;
  }

  function save() {
    pending = null;
    var answers = {};
    var any = false;
    Object.keys(dirty).forEach(function (id) {
      var item = document.getElementById("question-" + id);
      var response = responseFor(item);
      if (response) { answers[id] = response; any = true; }
    });
    dirty = {};
    if (!any) { return; }
    statusEl.textContent = "Saving…";
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answers: answers })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        statusEl.textContent = "All answers saved at " + window.BA.dates.format(new Date(), "time") + ".";
      } else {
        statusEl.textContent = "Not saved: " + result.body.error.message;
      }
    }).catch(function () {
      statusEl.textContent = "Not saved: you appear to be offline. Your answers will be sent when you submit.";
    });
  }

  form.addEventListener("change", function (event) {
    var item = event.target.closest(".question");
    if (!item) { return; }
    dirty[item.dataset.question] = true;
    updateCount();
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(save, 400);
  });

  var timer = document.getElementById("quiz-timer");
  if (timer) {
    var deadline = new Date(timer.dataset.deadline).getTime();
    var value = document.getElementById("timer-value");
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      value.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 60) { statusEl.textContent = "One minute left."; }
      if (left <= 0) {
        clearInterval(handle);
        document.getElementById("submit-attempt").click();
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
