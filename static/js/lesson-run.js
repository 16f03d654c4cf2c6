/* Runnable examples in a lesson: Run sends the example (the author's code, or the
 * learner's edit in the exercises' CodeMirror editor) to the REST API, then follows the
 * run on its websocket (seq-checked; sync after a gap; polling when sockets fail) and
 * shows what it prints under the block as it arrives. Reset puts the author's code back.
 */
(function () {
  "use strict";
  var NONCE = (document.currentScript && document.currentScript.nonce) || "";
  var FINISHED = { done: 1, failed: 1, timeout: 1, error: 1, refused: 1 };
  var STATUS_TEXT = {
    queued: "Queued…", running: "Running…", done: "Finished", failed: "Exited with an error",
    timeout: "Timed out", error: "Error", refused: "Refused"
  };
  var root = document.getElementById("lesson-runnable");
  if (!root || !window.fetch) { return; }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  var busy = false;
  var blocks = [];

  function setBusy(value) {
    busy = value;
    blocks.forEach(function (b) { b.run.disabled = value; });
  }

  function makeEditor(host, doc, label) {
    var CM = window.CM;
    if (!CM) { return null; }
    var dark = document.documentElement.dataset.theme === "dark" ||
      (document.documentElement.dataset.theme !== "light" && window.matchMedia &&
       window.matchMedia("(prefers-color-scheme: dark)").matches);
    return new CM.EditorView({
      parent: host,
      state: CM.EditorState.create({
        doc: doc,
        extensions: [
          dark ? CM.oneDark : [], CM.basicSetup, CM.python(), CM.indentUnit.of("    "),
          CM.EditorState.tabSize.of(4), CM.keymap.of([CM.indentWithTab]),
          CM.EditorView.cspNonce.of(NONCE),
          CM.EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true" })
        ]
      })
    });
  }

  function Block(wrapper) {
    var self = this;
    this.wrapper = wrapper;
    this.number = parseInt(wrapper.dataset.block, 10);
    this.hash = wrapper.dataset.hash;
    this.pre = wrapper.querySelector("pre");
    this.author = this.pre.textContent;
    this.run = wrapper.querySelector(".run-block-run");
    this.edit = wrapper.querySelector(".run-block-edit");
    this.reset = wrapper.querySelector(".run-block-reset");
    this.status = wrapper.querySelector(".run-block-status");
    this.outputBox = wrapper.querySelector(".run-block-output");
    this.output = this.outputBox.querySelector("pre");
    this.view = null;
    this.textarea = null;
    this.run.addEventListener("click", function () { self.start(); });
    this.edit.addEventListener("click", function () { self.openEditor(); });
    this.reset.addEventListener("click", function () { self.resetCode(); });
  }
  Block.prototype.code = function () {
    if (this.view) { return this.view.state.doc.toString(); }
    if (this.textarea) { return this.textarea.value; }
    return this.author;
  };
  Block.prototype.openEditor = function () {
    if (this.host) { return; }
    var label = "Code of example " + (this.number + 1);
    this.host = document.createElement("div");
    this.host.className = "editor run-block-editor";
    this.pre.parentNode.insertBefore(this.host, this.pre);
    this.view = makeEditor(this.host, this.author, label);
    if (!this.view) { // no editor script: a plain textarea
      this.textarea = document.createElement("textarea");
      this.textarea.className = "code-input";
      this.textarea.rows = Math.min(30, this.author.split("\n").length + 1);
      this.textarea.spellcheck = false;
      this.textarea.value = this.author;
      this.textarea.setAttribute("aria-label", label);
      this.host.appendChild(this.textarea);
    }
    this.pre.hidden = true;
    this.edit.setAttribute("aria-expanded", "true");
    this.edit.hidden = true;
    this.reset.hidden = false;
    (this.view || this.textarea).focus();
  };
  Block.prototype.resetCode = function () {
    if (this.view) {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: this.author } });
      this.view.focus();
    } else if (this.textarea) {
      this.textarea.value = this.author;
      this.textarea.focus();
    }
    this.status.textContent = "The author's code is back.";
  };
  Block.prototype.show = function (run) {
    this.outputBox.hidden = false;
    if (typeof run.output === "string") { this.output.textContent = run.output; }
    if (!run.status) { return; } // an output frame: the status has not changed
    this.wrapper.dataset.status = run.status;
    var text = STATUS_TEXT[run.status] || run.status;
    if (FINISHED[run.status]) {
      if (run.exit_code !== null && run.exit_code !== undefined) { text += " (exit status " + run.exit_code + ")"; }
      if (run.duration_ms !== null && run.duration_ms !== undefined) { text += " in " + run.duration_ms + " ms"; }
      text += ".";
      if (run.reason) { text += " " + run.reason; }
    }
    this.status.textContent = text;
  };
  Block.prototype.start = function () {
    if (busy) { return; }
    var self = this;
    var code = this.code();
    var body = { key: newKey(), block_hash: this.hash };
    if (code !== this.author) { body.code = code; }
    setBusy(true);
    this.status.textContent = "Starting…";
    var url = root.dataset.runUrl.replace(/\/blocks\/0\/runs\/$/, "/blocks/" + this.number + "/runs/");
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().then(function (data) { return { status: res.status, data: data }; });
    }).then(function (answer) {
      if (answer.status === 202) {
        self.output.textContent = "";
        self.show(answer.data);
        self.follow(answer.data.id);
        return;
      }
      setBusy(false);
      var error = answer.data && answer.data.error;
      self.status.textContent = error ? error.message : "The run could not be started.";
    }).catch(function () {
      setBusy(false);
      self.status.textContent = "The server could not be reached; try again.";
    });
  };
  Block.prototype.follow = function (runId) {
    var self = this;
    var lastSeq = -1, socket = null, closed = false, retries = 0, pollTimer = null, syncing = false;
    function finish() {
      closed = true;
      if (pollTimer) { clearTimeout(pollTimer); }
      if (socket) { try { socket.close(); } catch (e) { /* closed */ } }
      setBusy(false);
    }
    function apply(frame) {
      if (frame.type === "error") { if (frame.code === "not_found") { finish(); } return; }
      if (typeof frame.seq !== "number") { return; }
      if (frame.type === "state") {
        syncing = false;
        lastSeq = frame.seq;
        self.show(frame.run);
        if (FINISHED[frame.run.status]) { finish(); }
        return;
      }
      if (frame.seq <= lastSeq) { return; }
      if (frame.seq > lastSeq + 1) {
        if (!syncing && socket && socket.readyState === 1) { syncing = true; socket.send(JSON.stringify({ type: "sync" })); }
        return;
      }
      lastSeq = frame.seq;
      self.show(frame);
      if (frame.type === "done") { finish(); }
    }
    function poll() {
      fetch("/api/v1/block-runs/" + runId + "/", { credentials: "same-origin" })
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
      try { socket = new WebSocket(scheme + location.host + root.dataset.socketPath + runId + "/"); } catch (e) { poll(); return; }
      socket.onmessage = function (event) {
        retries = 0;
        try { apply(JSON.parse(event.data)); } catch (e) { /* a bad frame */ }
      };
      socket.onclose = function () {
        if (closed) { return; }
        retries++;
        if (retries > 3) { poll(); return; }
        setTimeout(connect, 500 * retries);
      };
    }
    connect();
  };

  var wrappers = root.querySelectorAll(".run-block");
  for (var i = 0; i < wrappers.length; i++) {
    if (wrappers[i].querySelector(".run-block-run")) { blocks.push(new Block(wrappers[i])); }
  }
})();
