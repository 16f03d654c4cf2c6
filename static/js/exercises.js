/* Code exercises: the CodeMirror editor, Run / Submit through the REST API, results
 * streamed from the run's websocket (seq-checked, with sync after a gap and polling when
 * sockets fail), the past runs list. Without this script the page still works: the
 * textarea posts the form and the run's page refreshes itself until the run is done.
 *
 * Keyboard: Tab indents in the editor. Escape, then Tab (or Shift+Tab), leaves it
 * (CodeMirror's own "tab focus" escape; Ctrl+M toggles it for good).
 */
(function () {
  "use strict";
  var NONCE = (document.currentScript && document.currentScript.nonce) || "";
  var FINISHED = { passed: 1, failed: 1, error: 1, timeout: 1, refused: 1 };
  var STATUS_TEXT = {
    queued: "Queued", running: "Running", passed: "Passed", failed: "Failed",
    error: "Error", timeout: "Timed out", refused: "Refused"
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  /* ------------------------------------------------------------------ results view */

  function Results(root) {
    this.root = root;
    this.summary = $("run-summary");
    this.progress = $("run-progress");
    this.progressText = $("run-progress-text");
    this.list = $("test-list");
    this.output = $("run-output");
  }
  Results.prototype.reset = function (run) {
    this.list.textContent = "";
    this.output.textContent = "";
    this.setProgress(0, run.total);
    this.summary.textContent = (run.mode === "submit" ? "Submit" : "Run") + ": queued…";
    this.root.dataset.status = run.status;
  };
  Results.prototype.setProgress = function (done, total) {
    this.progress.max = Math.max(total || 0, 1);
    this.progress.value = Math.min(done, this.progress.max);
    this.progress.textContent = done + " of " + (total || 0);
    this.progressText.textContent = done + " of " + (total || 0);
  };
  Results.prototype.addTest = function (test) {
    var item = el("li", "test test-" + test.outcome + (test.hidden ? " test-hidden" : ""));
    item.appendChild(el("span", "test-outcome", test.outcome));
    item.appendChild(el("span", "test-name", test.name));
    item.appendChild(el("span", "test-time muted", test.duration_ms + " ms"));
    if (test.message) { item.appendChild(el("pre", "test-message", test.message)); }
    this.list.appendChild(item);
  };
  Results.prototype.running = function (passed, finished, total) {
    this.summary.textContent = "Running: " + finished + " of " + total + " tests finished, " +
      passed + " passed.";
    this.setProgress(finished, total);
  };
  Results.prototype.showState = function (run) {
    this.list.textContent = "";
    var passed = 0;
    for (var i = 0; i < run.tests.length; i++) {
      this.addTest(run.tests[i]);
      if (run.tests[i].outcome === "passed") { passed++; }
    }
    this.root.dataset.status = run.status;
    if (FINISHED[run.status]) { this.finish(run); } else if (run.status === "running") {
      this.running(passed, run.tests.length, run.total);
    } else {
      this.setProgress(0, run.total);
      this.summary.textContent = (run.mode === "submit" ? "Submit" : "Run") + ": queued…";
    }
  };
  Results.prototype.finish = function (done) {
    this.root.dataset.status = done.status;
    this.summary.textContent = "";
    this.summary.appendChild(el("span", "run-status run-status-" + done.status,
      STATUS_TEXT[done.status] || done.status));
    var text = " — " + done.passed + " of " + done.total + " test" + (done.total === 1 ? "" : "s") +
      " passed" + (done.duration_ms !== null && done.duration_ms !== undefined ?
        " in " + done.duration_ms + " ms" : "") + ".";
    if (done.reason && done.status !== "passed") { text += " " + done.reason; }
    this.summary.appendChild(document.createTextNode(text));
    this.setProgress(done.total, done.total);
    this.progress.value = this.progress.max;
    this.output.textContent = done.output || "";
  };

  /* ------------------------------------------------------------------ following a run */

  function follow(runId, socketPath, results, onDone) {
    var lastSeq = -1;
    var passed = 0;
    var finished = 0;
    var total = 0;
    var socket = null;
    var closed = false;
    var retries = 0;
    var pollTimer = null;
    var syncing = false;

    function apply(frame) {
      if (frame.type === "error") {
        if (frame.code === "not_found") { stop(); }
        return;
      }
      if (frame.type === "pong" || typeof frame.seq !== "number") { return; }
      if (frame.type === "state") {
        syncing = false;
        lastSeq = frame.seq;
        var run = frame.run;
        total = run.total;
        finished = run.tests.length;
        passed = run.tests.filter(function (t) { return t.outcome === "passed"; }).length;
        results.showState(run);
        if (FINISHED[run.status]) { done(run); }
        return;
      }
      if (frame.seq <= lastSeq) { return; } // already have it
      if (frame.seq > lastSeq + 1) { // a frame went missing: ask for everything again, once
        if (!syncing) { syncing = true; send({ type: "sync" }); }
        return;
      }
      lastSeq = frame.seq;
      if (frame.type === "status") {
        total = frame.total; finished = 0; passed = 0;
        results.list.textContent = "";
        results.root.dataset.status = frame.status;
        results.running(0, 0, total);
      } else if (frame.type === "test") {
        results.addTest(frame.test);
        finished = frame.index + 1; passed = frame.passed; total = frame.total;
        results.running(passed, finished, total);
      } else if (frame.type === "done") {
        results.finish(frame);
        done(frame);
      }
    }
    function send(message) {
      if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); }
    }
    function done(final) {
      if (closed) { return; }
      stop();
      if (onDone) { onDone(final); }
    }
    function stop() {
      closed = true;
      if (pollTimer) { clearTimeout(pollTimer); }
      if (socket) { try { socket.close(); } catch (e) { /* already closed */ } }
    }
    function poll() { // when websockets cannot be used
      fetch("/api/v1/runs/" + runId + "/", { credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (run) {
          if (closed || !run) { return; }
          if (run.seq > lastSeq) { apply({ type: "state", seq: run.seq, run: run }); }
          if (!closed) { pollTimer = setTimeout(poll, 1000); }
        })
        .catch(function () { if (!closed) { pollTimer = setTimeout(poll, 2000); } });
    }
    function connect() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      try {
        socket = new WebSocket(scheme + location.host + socketPath + runId + "/");
      } catch (e) {
        poll();
        return;
      }
      socket.onmessage = function (event) {
        retries = 0;
        try { apply(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
      };
      socket.onclose = function () {
        if (closed) { return; }
        retries++;
        if (retries > 3) { poll(); return; }
        setTimeout(connect, 500 * retries); // the state frame on reconnect resyncs
      };
    }
    connect();
    return { stop: stop };
  }

  /* ------------------------------------------------------------------ past runs */

  function refreshRuns(form) {
    var body = $("runs-body");
    if (!body) { return; }
    fetch(form.dataset.runsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (page) {
        if (!page) { return; }
        body.textContent = "";
        if (!page.results.length) {
          var empty = el("tr", "runs-empty");
          var cell = el("td", "muted", "No runs yet.");
          cell.colSpan = 5;
          empty.appendChild(cell);
          body.appendChild(empty);
        }
        page.results.forEach(function (run) {
          var row = el("tr");
          row.dataset.run = run.id;
          var when = window.BA.dates.element(run.queued_at, "datetime");
          var whenCell = el("td");
          whenCell.appendChild(when);
          row.appendChild(whenCell);
          row.appendChild(el("td", null, run.mode));
          var statusCell = el("td");
          statusCell.appendChild(el("span", "run-status run-status-" + run.status,
            STATUS_TEXT[run.status] || run.status));
          row.appendChild(statusCell);
          row.appendChild(el("td", "align-right", run.passed + "/" + run.total));
          var linkCell = el("td");
          var link = el("a", null, "View");
          link.href = run.url;
          link.appendChild(el("span", "visually-hidden", " run " + run.id));
          linkCell.appendChild(link);
          row.appendChild(linkCell);
          body.appendChild(row);
        });
      })
      .catch(function () { /* the list is refreshed on the next run */ });
  }

  /* ------------------------------------------------------------------ the editor */

  function makeEditor(textarea, host) {
    var CM = window.CM;
    if (!CM || !host) { return null; }
    var root = document.documentElement;
    var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
    function dark() {
      return root.dataset.theme === "dark" ||
        (root.dataset.theme !== "light" && !!media && media.matches);
    }
    var theme = new CM.Compartment(); // follows the site's theme switch
    var editable = new CM.Compartment(); // a paused code lab locks editing
    var extensions = [
      theme.of(dark() ? CM.oneDark : []),
      editable.of([]),
      CM.basicSetup,
      CM.python(),
      CM.indentUnit.of("    "),
      CM.EditorState.tabSize.of(4),
      CM.keymap.of([CM.indentWithTab]),
      CM.EditorView.cspNonce.of(NONCE), // its <style> elements carry the page's nonce
      CM.EditorView.contentAttributes.of({
        "aria-labelledby": "code-label",
        "aria-describedby": "editor-help",
        "aria-multiline": "true",
        // Focusable by attribute as well as by contenteditable: the scroller around it
        // is then a region the keyboard reaches (axe: scrollable-region-focusable),
        // a paused (read-only) lab's code included.
        tabindex: "0"
      }),
      CM.EditorView.updateListener.of(function (update) {
        if (update.docChanged) { textarea.value = update.state.doc.toString(); }
      })
    ];
    var view = new CM.EditorView({
      parent: host,
      state: CM.EditorState.create({ doc: textarea.value, extensions: extensions })
    });
    function retheme() { view.dispatch({ effects: theme.reconfigure(dark() ? CM.oneDark : []) }); }
    new MutationObserver(retheme).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
    if (media && media.addEventListener) { media.addEventListener("change", retheme); }
    textarea.hidden = true;
    host.hidden = false;
    view.setLocked = function (locked) {
      view.dispatch({ effects: editable.reconfigure(locked ?
        [CM.EditorView.editable.of(false), CM.EditorState.readOnly.of(true)] : []) });
    };
    return view;
  }

  function exercisePage(form) {
    var textarea = $("code");
    var view = makeEditor(textarea, $("editor"));
    var results = new Results($("run-results"));
    var statusEl = $("action-status");
    var runButton = $("run-button");
    var submitButton = $("submit-button");
    var restore = $("restore-starter");
    var starter = JSON.parse($("starter-code").textContent);
    var busy = false;
    var locked = false;

    function code() { return view ? view.state.doc.toString() : textarea.value; }
    function setBusy(value) {
      busy = value;
      if (runButton) { runButton.disabled = value || locked; }
      if (submitButton) { submitButton.disabled = value || locked; }
    }
    function announce(name, detail) {
      var event;
      try { event = new CustomEvent(name, { detail: detail }); } catch (e) { return; }
      form.dispatchEvent(event);
    }
    // A code lab's page locks editing and runs while the lab is paused or over.
    form.addEventListener("exercise:lock", function (event) {
      locked = !!(event.detail && event.detail.locked);
      textarea.readOnly = locked;
      if (view && view.setLocked) { view.setLocked(locked); }
      setBusy(busy);
    });
    function watch(run) {
      setBusy(true);
      announce("exercise:run", { id: run.id, mode: run.mode });
      statusEl.textContent = "";
      results.reset(run);
      follow(run.id, form.dataset.socketPath, results, function (final) {
        setBusy(false);
        announce("exercise:done", { id: run.id, status: final.status });
        refreshRuns(form);
        var badge = $("exercise-progress");
        if (run.mode === "submit" && final.status === "passed") {
          if (!badge) {
            badge = el("span", "badge badge-done");
            badge.id = "exercise-progress";
            document.querySelector(".exercise-meta").appendChild(badge);
          }
          badge.className = "badge badge-done";
          badge.textContent = "Solved";
        }
      });
      refreshRuns(form);
    }

    if (restore) {
      restore.addEventListener("click", function (event) {
        event.preventDefault();
        if (view) {
          view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: starter } });
          view.focus();
        } else {
          textarea.value = starter;
          textarea.focus();
        }
        statusEl.textContent = "The starter code is back.";
      });
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || !window.fetch) { textarea.value = code(); return; } // plain form post
      event.preventDefault();
      if (busy || locked) { return; }
      var mode = submitter.name === "submit" ? "submit" : "run";
      var body = JSON.stringify({ code: code(), mode: mode, key: newKey() });
      setBusy(true);
      statusEl.textContent = mode === "submit" ? "Submitting…" : "Running…";
      fetch(form.dataset.createUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(),
                   Accept: "application/json" },
        body: body
      }).then(function (res) {
        return res.json().then(function (data) { return { status: res.status, data: data }; });
      }).then(function (answer) {
        if (answer.status === 202) { watch(answer.data); return; }
        setBusy(false);
        var error = answer.data && answer.data.error;
        var details = error && error.details;
        if (answer.status === 409 && details && details.run) { // follow the one in flight
          watch({ id: details.run, mode: mode, status: "queued", total: 0 });
        }
        statusEl.textContent = error ? error.message : "The run could not be started.";
      }).catch(function () {
        setBusy(false);
        statusEl.textContent = "The server could not be reached; try again.";
      });
    });

    if (form.dataset.activeRun) {
      watch({ id: parseInt(form.dataset.activeRun, 10), mode: "run", status: "queued", total: 0 });
    }
  }

  function runPage(page) {
    var root = $("run-results");
    if (!root || !root.dataset.run || FINISHED[root.dataset.status]) { return; }
    follow(parseInt(root.dataset.run, 10), page.dataset.socketPath, new Results(root), null);
  }

  var form = $("exercise-form");
  if (form) { exercisePage(form); }
  var page = $("run-page");
  if (page) { runPage(page); }
})();
