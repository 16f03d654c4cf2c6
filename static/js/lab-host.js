/* The host's board of a code lab, fed by /ws/labs/<code>/host/: a whole snapshot on
 * connect, after every host action, every few seconds and after a gap in the numbered
 * board events (sync); in between, each learner's new line as their runs are queued
 * and finish. The overview (tests passing, histogram, counts) is recomputed here from
 * the lines, as the server computes it for the snapshot.
 */
(function () {
  "use strict";
  var root = document.getElementById("lab-host");
  if (!root || !window.WebSocket) { return; }

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }
  function minutes(seconds) {
    if (seconds === null || seconds === undefined) { return "–"; }
    return Math.floor(seconds / 60) + " min " + (seconds % 60) + " s";
  }

  var board = null;
  var lastSeq = -1;
  var ahead = {}; // seq -> frame received past a missing one
  var gapTimer = null;
  var syncing = false;
  var socket = null;
  var retries = 0;
  var itemId = null;
  var sortKey = "name";
  var sortDir = 1;
  var viewing = null; // {learner, item} whose code is open
  var clockBase = Date.now();
  var connection = $("lab-connection");
  var errorEl = $("host-error");
  var announcer = $("host-announcer");
  var select = $("item-select");

  function send(message) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); return true; }
    errorEl.textContent = "Not connected: wait a moment and try again.";
    return false;
  }
  function currentItem() {
    if (!board) { return null; }
    for (var i = 0; i < board.items.length; i++) {
      if (board.items[i].id === itemId) { return board.items[i]; }
    }
    return board.items[0] || null;
  }

  /* ---------------------------------------------------------------- overview */

  function summarise(item) {
    var groups = item.groups;
    var total = groups.length;
    var histogram = [];
    for (var i = 0; i <= total; i++) { histogram.push(0); }
    var passing = {};
    groups.forEach(function (g) { passing[g] = 0; });
    var firsts = [];
    var ran = 0, allPass = 0, stuck = 0;
    item.rows.forEach(function (row) {
      histogram[Math.min(row.passed, total)]++;
      groups.forEach(function (g) { if (row.tests[g]) { passing[g]++; } });
      if (row.full_pass_seconds !== null && row.full_pass_seconds !== undefined) {
        firsts.push(row.full_pass_seconds);
      }
      if (row.runs) { ran++; }
      if (total && row.passed >= total) { allPass++; }
      if (row.stuck) { stuck++; }
    });
    firsts.sort(function (a, b) { return a - b; });
    var median = null;
    if (firsts.length) {
      var mid = Math.floor(firsts.length / 2);
      median = firsts.length % 2 ? firsts[mid] : Math.floor((firsts[mid - 1] + firsts[mid]) / 2);
    }
    return {
      learners: item.rows.length,
      tests: groups.map(function (g) { return { name: g, passing: passing[g] }; }),
      histogram: histogram, ran: ran, all_pass: allPass, full_pass: firsts.length,
      median_full_pass_seconds: median, stuck: stuck
    };
  }

  function bar(count, of) {
    var cell = el("td", "lab-bar-cell");
    var track = el("span", "lab-bar");
    track.setAttribute("aria-hidden", "true");
    var fill = el("span", "lab-bar-fill");
    fill.style.width = (of ? Math.round(100 * count / of) : 0) + "%";
    track.appendChild(fill);
    cell.appendChild(track);
    return cell;
  }

  function renderOverview(item, summary) {
    var stats = $("lab-stats");
    stats.textContent = "";
    [["Learners", summary.learners], ["Ran at least once", summary.ran],
     ["Pass everything", summary.all_pass],
     ["Median time to first full pass", minutes(summary.median_full_pass_seconds)],
     ["Stuck", summary.stuck]].forEach(function (pair) {
      var box = el("div", "lab-stat");
      box.appendChild(el("dt", null, pair[0]));
      box.appendChild(el("dd", null, pair[1]));
      stats.appendChild(box);
    });
    var tests = document.querySelector("#tests-table tbody");
    tests.textContent = "";
    summary.tests.forEach(function (t) {
      var row = el("tr");
      var name = el("th", null);
      name.scope = "row";
      name.appendChild(el("code", null, t.name));
      row.appendChild(name);
      row.appendChild(el("td", "align-right", t.passing + " of " + summary.learners));
      row.appendChild(bar(t.passing, summary.learners));
      tests.appendChild(row);
    });
    var histogram = document.querySelector("#histogram-table tbody");
    histogram.textContent = "";
    summary.histogram.forEach(function (count, passed) {
      var row = el("tr");
      var head = el("th", null, passed + " of " + (summary.histogram.length - 1));
      head.scope = "row";
      row.appendChild(head);
      row.appendChild(el("td", "align-right", count));
      row.appendChild(bar(count, summary.learners));
      histogram.appendChild(row);
    });
  }

  function renderStuck(item) {
    var list = $("stuck-list");
    list.textContent = "";
    var stuck = item.rows.filter(function (r) { return r.stuck; });
    stuck.forEach(function (row) {
      var li = el("li");
      li.appendChild(el("strong", null, row.name));
      li.appendChild(document.createTextNode(": " + row.stuck + " "));
      var look = el("button", "button-link", "Look at the code");
      look.type = "button";
      look.addEventListener("click", function () { openCode(row.learner, item.id); });
      li.appendChild(look);
      list.appendChild(li);
    });
    $("stuck-count").textContent = stuck.length;
    $("stuck-none").hidden = stuck.length > 0;
  }

  function renderClusters(item) {
    var body = document.querySelector("#clusters-table tbody");
    body.textContent = "";
    item.clusters.forEach(function (c) {
      var row = el("tr");
      var test = el("th", null);
      test.scope = "row";
      test.appendChild(el("code", null, c.test));
      row.appendChild(test);
      var error = el("td");
      error.appendChild(el("strong", null, c.kind));
      if (c.message) { error.appendChild(el("span", "lab-cluster-message", c.message)); }
      row.appendChild(error);
      row.appendChild(el("td", "align-right", c.runs));
      row.appendChild(el("td", "align-right", c.learners === null ? "–" : c.learners));
      body.appendChild(row);
    });
    $("clusters-none").hidden = item.clusters.length > 0;
  }

  /* ---------------------------------------------------------------- learners */

  function sortValue(row, key) {
    if (key === "name") { return row.name.toLowerCase(); }
    if (key === "stuck") { return row.stuck ? 1 : 0; }
    if (key === "last_run_at") { return row.last_run_at ? Date.parse(row.last_run_at) : 0; }
    return row[key] || 0;
  }

  function renderLearners(item) {
    var body = document.querySelector("#learners-table tbody");
    body.textContent = "";
    var rows = item.rows.slice().sort(function (a, b) {
      var x = sortValue(a, sortKey), y = sortValue(b, sortKey);
      if (x < y) { return -sortDir; }
      if (x > y) { return sortDir; }
      return a.learner - b.learner;
    });
    rows.forEach(function (row) {
      var tr = el("tr", row.stuck ? "is-stuck" : "");
      tr.dataset.learner = row.learner;
      var name = el("th", null, row.name);
      name.scope = "row";
      tr.appendChild(name);
      tr.appendChild(el("td", "align-right", row.passed + "/" + row.total));
      tr.appendChild(el("td", "align-right", row.runs));
      var last = el("td");
      if (row.last_run_at) {
        last.appendChild(window.BA.dates.element(row.last_run_at, "time"));
        last.appendChild(document.createTextNode(" " + (row.last_status || "")));
      } else {
        last.appendChild(el("span", "muted", "no run"));
      }
      tr.appendChild(last);
      tr.appendChild(el("td", "align-right", row.full_pass_at ? "solved" : row.minutes_since_progress));
      tr.appendChild(el("td", row.stuck ? "lab-stuck-flag" : "muted", row.stuck || "no"));
      var actions = el("td", "lab-row-actions");
      var view = el("button", "button button-secondary button-small", "Code");
      view.type = "button";
      view.appendChild(el("span", "visually-hidden", " of " + row.name));
      view.addEventListener("click", function () { openCode(row.learner, item.id); });
      actions.appendChild(view);
      var hint = el("button", "button button-secondary button-small", "Hint");
      hint.type = "button";
      hint.appendChild(el("span", "visually-hidden", " to " + row.name));
      hint.addEventListener("click", function () {
        $("hint-to").value = String(row.learner);
        $("hint-text").focus();
      });
      actions.appendChild(hint);
      tr.appendChild(actions);
      body.appendChild(tr);
    });
    $("learner-count").textContent = item.rows.length;
    $("learners-none").hidden = item.rows.length > 0;
    document.querySelectorAll("#learners-table th[scope=col]").forEach(function (th) {
      var button = th.querySelector("button[data-sort]");
      if (!button) { return; }
      if (button.dataset.sort === sortKey) {
        th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    var to = $("hint-to");
    var chosen = to.value;
    while (to.options.length > 1) { to.remove(1); }
    item.rows.slice().sort(function (a, b) { return a.name < b.name ? -1 : 1; }).forEach(function (row) {
      var option = el("option", null, row.name);
      option.value = String(row.learner);
      to.appendChild(option);
    });
    to.value = chosen;
    if (to.value !== chosen) { to.value = ""; }
  }

  /* ---------------------------------------------------------------- the rest */

  function renderLab() {
    var lab = board.lab;
    $("lab-state").textContent = lab.status;
    root.dataset.status = lab.status;
    document.querySelector("[data-action=pause]").hidden = lab.status !== "running";
    document.querySelector("[data-action=resume]").hidden = lab.status !== "paused";
    document.querySelector("[data-action=end]").hidden = lab.status === "ended";
    if (document.activeElement !== $("stuck-minutes")) { $("stuck-minutes").value = lab.stuck_minutes; }
    if (document.activeElement !== $("stuck-failures")) { $("stuck-failures").value = lab.stuck_failures; }
    var spot = board.spotlight;
    $("spotlight").hidden = !spot;
    if (spot) {
      $("spotlight-label").textContent = "a learner's code in " + spot.title + " (" + spot.passed + " of " + spot.total + " passed)";
      $("spotlight-code").textContent = spot.code;
    }
    var list = $("hint-list");
    list.textContent = "";
    board.hints.forEach(function (h) {
      var li = el("li");
      li.appendChild(el("span", "muted", h.to ? "To " + h.to + ": " : "To everyone: "));
      li.appendChild(document.createTextNode(h.text));
      list.appendChild(li);
    });
    tickClock();
  }
  function tickClock() {
    if (!board) { return; }
    var running = board.lab.status === "running";
    $("lab-timer").textContent = clock(board.lab.elapsed + (running ? Math.floor((Date.now() - clockBase) / 1000) : 0));
  }

  function render() {
    if (!board) { return; }
    renderLab();
    var item = currentItem();
    if (!item) { return; }
    itemId = item.id;
    item.summary = summarise(item);
    renderOverview(item, item.summary);
    renderStuck(item);
    renderClusters(item);
    renderLearners(item);
    $("unlock-button").hidden = item.solution_unlocked;
    $("unlock-state").textContent = item.solution_unlocked ? "The reference solution is unlocked for learners." : "";
  }

  function applyRows(rows) {
    rows.forEach(function (row) {
      board.items.forEach(function (item) {
        if (item.id !== row.item) { return; }
        for (var i = 0; i < item.rows.length; i++) {
          if (item.rows[i].learner === row.learner) {
            if (row.version >= item.rows[i].version) { item.rows[i] = row; }
            return;
          }
        }
        item.rows.push(row);
      });
    });
  }
  function applyFailures(failures) {
    (failures || []).forEach(function (f) {
      board.items.forEach(function (item) {
        if (item.id !== f.item) { return; }
        var found = null;
        item.clusters.forEach(function (c) {
          if (c.test === f.test && c.kind === f.kind && c.message === f.message) { found = c; }
        });
        if (found) {
          found.runs++;
          found.learners = null; // known again at the next snapshot
        } else {
          item.clusters.push({ test: f.test, kind: f.kind, message: f.message, runs: 1, learners: 1 });
        }
        item.clusters.sort(function (a, b) { return b.runs - a.runs; });
      });
    });
  }

  function apply(frame) {
    if (frame.type === "board_state") {
      board = frame.board;
      lastSeq = frame.seq;
      syncing = false;
      Object.keys(ahead).forEach(function (seq) { // newer than the snapshot: keep them
        if (Number(seq) > lastSeq) { applyBoardFrame(ahead[seq]); } else { delete ahead[seq]; }
      });
      while (ahead[lastSeq + 1]) { delete ahead[lastSeq + 1]; lastSeq++; }
      clockBase = Date.now();
      if (itemId === null && board.items.length) { itemId = board.items[0].id; }
      render();
      return;
    }
    if (frame.type === "code") { showCode(frame.code); return; }
    if (frame.type === "error") { errorEl.textContent = frame.message; return; }
    if (frame.type === "done") {
      errorEl.textContent = "";
      announcer.textContent = {
        pause: "The lab is paused.", resume: "The lab runs again.", end: "The lab has ended.",
        hint: "Hint sent.", unlock: "The reference solution is unlocked.",
        spotlight: "The projector is updated.", settings: "Settings applied."
      }[frame.action] || "";
      if (frame.action === "end") { window.location.href = root.dataset.resultsUrl; }
      return;
    }
    if (frame.type !== "board" || !board) { return; }
    if (frame.seq <= lastSeq || ahead[frame.seq]) { return; }
    // Lines from several processes may arrive out of order: each is applied at once (a
    // learner's line carries its version), and a number still missing a second later
    // means a lost frame: the whole board is asked for again.
    ahead[frame.seq] = frame;
    applyBoardFrame(frame);
    while (ahead[lastSeq + 1]) { delete ahead[lastSeq + 1]; lastSeq++; }
    if (Object.keys(ahead).length && !gapTimer) {
      gapTimer = setTimeout(function () {
        gapTimer = null;
        if (Object.keys(ahead).length && !syncing) { syncing = true; send({ type: "sync" }); }
      }, 1000);
    }
    render();
  }
  function applyBoardFrame(frame) {
    if (frame.event === "learner") {
      applyRows(frame.rows || []);
      applyFailures(frame.failures);
    }
  }

  function openCode(learner, item) {
    viewing = { learner: learner, item: item };
    send({ type: "code", learner: learner, item: item });
  }
  function showCode(code) {
    $("code-viewer").hidden = false;
    $("code-name").textContent = code.name;
    $("code-summary").textContent = code.run ? (code.status + ": " + code.passed + " of " + code.total + " tests passed") : "No run yet.";
    $("code-text").textContent = code.code || "";
    var tests = $("code-tests");
    tests.textContent = "";
    code.tests.forEach(function (t) {
      var li = el("li", "test-" + t.outcome);
      li.appendChild(el("strong", null, t.outcome + " "));
      li.appendChild(el("code", null, t.name));
      if (t.message) { li.appendChild(el("pre", "lab-test-message", t.message)); }
      tests.appendChild(li);
    });
    $("code-show").hidden = !code.run;
    $("code-title").focus();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = function () {
      connection.dataset.state = "online";
      connection.textContent = "Live";
    };
    socket.onmessage = function (event) {
      retries = 0;
      try { apply(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
    };
    socket.onclose = function (event) {
      if (event.code >= 4400 && event.code < 4500) {
        connection.dataset.state = "closed";
        connection.textContent = "Not allowed: reload the page.";
        return;
      }
      connection.dataset.state = "reconnecting";
      connection.textContent = "Reconnecting…";
      if (event.code === 1012 || event.code === 1001) {
        // The server is stopping and another serves the same address: go now (a jitter
        // of at most 250 ms), no backoff; the state frame on connect resyncs by seq.
        setTimeout(connect, Math.round(Math.random() * 250));
        return;
      }
      retries++;
      setTimeout(connect, Math.min(500 * retries, 5000)); // the snapshot on connect resyncs
    };
  }

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.action;
      if (action === "end" && !window.confirm("End the lab for everyone?")) { return; }
      var message = { type: action };
      if (action === "pause") { message.message = $("pause-message").value.slice(0, 200); }
      send(message);
    });
  });
  $("lab-settings").addEventListener("submit", function (event) {
    event.preventDefault();
    send({ type: "settings", stuck_minutes: parseInt($("stuck-minutes").value, 10),
           stuck_failures: parseInt($("stuck-failures").value, 10) });
  });
  $("hint-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("hint-text").value.trim();
    if (!text) { return; }
    var message = { type: "hint", text: text };
    var to = $("hint-to").value;
    if (to) { message.learner = parseInt(to, 10); }
    if (send(message)) { $("hint-text").value = ""; }
  });
  $("unlock-button").addEventListener("click", function () {
    if (window.confirm("Show the reference solution to every learner?")) {
      send({ type: "unlock", item: itemId });
    }
  });
  $("code-show").addEventListener("click", function () {
    if (viewing) { send({ type: "spotlight", learner: viewing.learner, item: viewing.item }); }
  });
  $("code-close").addEventListener("click", function () { $("code-viewer").hidden = true; viewing = null; });
  $("spotlight-clear").addEventListener("click", function () { send({ type: "spotlight" }); });
  select.addEventListener("change", function () { itemId = parseInt(select.value, 10); render(); });
  document.querySelectorAll("#learners-table button[data-sort]").forEach(function (button) {
    button.addEventListener("click", function () {
      var key = button.dataset.sort;
      sortDir = key === sortKey ? -sortDir : (key === "name" ? 1 : -1);
      sortKey = key;
      render();
    });
  });
  var projector = $("projector-toggle");
  projector.addEventListener("click", function () {
    var on = projector.getAttribute("aria-pressed") !== "true";
    projector.setAttribute("aria-pressed", on ? "true" : "false");
    root.classList.toggle("is-projector", on);
  });
  setInterval(tickClock, 1000);
  connect();
})();
