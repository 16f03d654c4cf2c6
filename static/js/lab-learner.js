/* A code lab's panel on the learner's exercise page: the lab's clock and state, hints
 * as they arrive, the place in the sandbox queue, the reference solution once the
 * instructor unlocks it. Fed by /ws/labs/<code>/: a whole state on connect and after a
 * gap in the numbered events (sync), so a reload or a dropped connection restores
 * everything. A paused or ended lab locks the editor and the Run / Submit buttons
 * (exercises.js listens for "exercise:lock").
 */
(function () {
  "use strict";
  var panel = document.getElementById("lab-panel");
  var form = document.getElementById("exercise-form");
  if (!panel || !form || !window.WebSocket) { return; }

  var STATUS_TEXT = { running: "Running", paused: "Paused", ended: "Ended" };
  var exercise = panel.dataset.exercise;
  var timerEl = document.getElementById("lab-timer");
  var statusEl = document.getElementById("lab-status");
  var messageEl = document.getElementById("lab-message");
  var queueEl = document.getElementById("lab-queue");
  var hintsEl = document.getElementById("lab-hints");
  var noHintsEl = document.getElementById("lab-no-hints");
  var solutionBox = document.getElementById("lab-solution-box");
  var solutionEl = document.getElementById("lab-solution");
  var connectionEl = document.getElementById("lab-connection");

  var lastSeq = -1;
  var syncing = false;
  var socket = null;
  var retries = 0;
  var status = panel.dataset.status;
  var elapsed = parseInt(timerEl.dataset.elapsed, 10) || 0;
  var clockBase = Date.now();
  var runInFlight = false;

  function ordinal(n) {
    var tens = n % 100;
    if (tens >= 11 && tens <= 13) { return n + "th"; }
    return n + ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
  }
  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }
  function tick() {
    var now = elapsed + (status === "running" ? Math.floor((Date.now() - clockBase) / 1000) : 0);
    timerEl.textContent = clock(now);
  }
  function lock(locked) {
    var event;
    try { event = new CustomEvent("exercise:lock", { detail: { locked: locked } }); } catch (e) { return; }
    form.dispatchEvent(event);
  }
  function applyLab(lab) {
    status = lab.status;
    elapsed = lab.elapsed;
    clockBase = Date.now();
    panel.dataset.status = status;
    statusEl.textContent = STATUS_TEXT[status] || status;
    var message = status === "ended" ? "The lab has ended. Your runs are saved." :
      (status === "paused" ? (lab.message || "The lab is paused.") : "");
    messageEl.textContent = message;
    messageEl.hidden = !message;
    lock(status !== "running");
    tick();
  }
  function addHint(hint) {
    var item = document.createElement("li");
    if (hint.personal) {
      item.className = "lab-hint-personal";
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "For you";
      item.appendChild(badge);
      item.appendChild(document.createTextNode(" "));
    }
    item.appendChild(document.createTextNode(hint.text));
    hintsEl.appendChild(item);
    noHintsEl.hidden = true;
  }
  function showSolution(slug, code) {
    if (slug !== exercise || code === null || code === undefined) { return; }
    solutionEl.textContent = code;
    solutionBox.hidden = false;
  }
  function setQueue(place) {
    queueEl.textContent = place ? (place === 1 ? "Next in line for the sandbox" :
      ordinal(place) + " in line for the sandbox") : "";
  }
  function state(s) {
    lastSeq = s.seq;
    syncing = false;
    applyLab(s);
    hintsEl.textContent = "";
    noHintsEl.hidden = s.hints.length > 0;
    s.hints.forEach(addHint);
    solutionBox.hidden = true;
    s.items.forEach(function (item) { showSolution(item.slug, item.solution); });
    setQueue(s.queue);
  }
  function send(message) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); }
  }
  function apply(frame) {
    if (frame.type === "state") { state(frame.state); return; }
    if (frame.type === "queue") { setQueue(runInFlight ? frame.place : null); return; }
    if (frame.type !== "event" || typeof frame.seq !== "number") { return; }
    if (frame.seq <= lastSeq) { return; }
    if (frame.seq > lastSeq + 1) {
      if (!syncing) { syncing = true; send({ type: "sync" }); }
      return;
    }
    lastSeq = frame.seq;
    if (frame.event === "paused" || frame.event === "resumed" || frame.event === "ended") {
      applyLab(frame.lab);
    } else if (frame.event === "hint") {
      addHint(frame.hint);
    } else if (frame.event === "solution") {
      showSolution(frame.exercise, frame.solution);
    }
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + panel.dataset.wsPath);
    socket.onopen = function () { connectionEl.textContent = "Connected to the lab."; };
    socket.onmessage = function (event) {
      retries = 0;
      try { apply(JSON.parse(event.data)); } catch (e) { /* ignore a bad frame */ }
    };
    socket.onclose = function (event) {
      if (event.code >= 4400 && event.code < 4500) {
        connectionEl.textContent = "This page cannot follow the lab; reload it.";
        return;
      }
      connectionEl.textContent = "Reconnecting to the lab…";
      if (event.code === 1012 || event.code === 1001) {
        // The server is stopping and another serves the same address: go now (a jitter
        // of at most 250 ms), no backoff; the state frame on connect resyncs by seq.
        setTimeout(connect, Math.round(Math.random() * 250));
        return;
      }
      retries++;
      setTimeout(connect, Math.min(500 * retries, 5000)); // the state frame resyncs
    };
  }

  form.addEventListener("exercise:run", function () {
    runInFlight = true;
    send({ type: "queue" });
  });
  form.addEventListener("exercise:done", function () { runInFlight = false; setQueue(null); });
  setInterval(tick, 1000);
  setInterval(function () { if (runInFlight) { send({ type: "queue" }); } }, 5000);
  if (status !== "running") { lock(true); }
  tick();
  connect();
})();
