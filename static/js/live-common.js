/* Live sessions, shared by the host and player screens: the websocket (reconnection with
   backoff and jitter, seq tracking and resync), the server-clock countdown, answer bars
   and small DOM helpers. The server decides everything; these only draw what it says. */
(function () {
  "use strict";

  // Reconnection waits 250-500 ms, then doubles up to 1.5-3 s (with jitter): after a web
  // process dies its players are back on another within a few seconds, spread out.
  var MIN_DELAY = 500;
  var MAX_DELAY = 3000;
  var PING_EVERY = 20000;
  // No frame (not even the pong to a ping) for this long: the connection is dead without
  // having closed (a cut network, a frozen server); close it and reconnect.
  var SILENCE_LIMIT = 2 * PING_EVERY + 5000;
  var FINAL_CODES = { 4401: "unauthenticated", 4403: "forbidden", 4404: "not_found" };
  // The server is stopping (1012, "service restart": apps/core/ws.py; 1001 "going away"
  // from a proxy): another process behind the same address serves at once. Reconnect
  // now, with a small jitter so a whole room does not arrive in the same millisecond.
  var RESTART_CODES = { 1001: true, 1012: true };
  var RESTART_JITTER = 250;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; }
      else if (name === "html") { node.innerHTML = value; }  // server-sanitised HTML only
      else if (name === "className") { node.className = value; }
      else { node.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  }

  function show(node, visible) {
    if (node) { node.hidden = !visible; }
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : (many || one + "s"));
  }

  /* One polite live region per page for phase changes ("Question 2 of 5", "Paused"…). */
  function announcer(node) {
    var timer = null;
    return function (text) {
      if (!node) { return; }
      // Clear then set, so the same words said twice are announced twice.
      node.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(function () { node.textContent = text; }, 60);
    };
  }

  /* The websocket: state snapshot first, then numbered events. A gap in ``seq`` asks for
     the state again; events at or below the last seq are old news. */
  function Socket(options) {
    this.options = options;
    this.seq = null;
    this.attempt = 0;
    this.stopped = false;
    this.syncing = false;
    this.lastError = null;
    this.ws = null;
    this.retryTimer = null;
    this.pingTimer = null;
    var self = this;
    window.addEventListener("online", function () { self.reconnectNow(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { self.reconnectNow(); }
    });
  }

  Socket.prototype.start = function () {
    this.connect();
    return this;
  };

  Socket.prototype.url = function () {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + this.options.path;
  };

  Socket.prototype.status = function (state, text) {
    if (this.options.onStatus) { this.options.onStatus(state, text); }
  };

  Socket.prototype.connect = function () {
    var self = this;
    if (this.stopped) { return; }
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.seq = null;
    this.syncing = false;
    this.lastError = null;
    this.status("connecting", this.attempt ? "Reconnecting…" : "Connecting…");
    var ws;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", function () {
      clearInterval(self.pingTimer);
      self.lastFrameAt = Date.now();
      self.pingTimer = setInterval(function () {
        if (ws !== self.ws) { return; }
        if (Date.now() - self.lastFrameAt > SILENCE_LIMIT) {
          // Let it go at once (a dead connection's close event may come much later).
          clearInterval(self.pingTimer);
          self.ws = null;
          try { ws.close(); } catch (e) { /* already closing */ }
          self.scheduleRetry();
          return;
        }
        self.send({ type: "ping" });
      }, PING_EVERY);
    });
    ws.addEventListener("message", function (event) {
      if (ws !== self.ws) { return; }
      self.lastFrameAt = Date.now();
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      self.receive(message);
    });
    ws.addEventListener("close", function (event) {
      if (ws !== self.ws) { return; }
      clearInterval(self.pingTimer);
      self.ws = null;
      if (FINAL_CODES[event.code]) {
        self.stopped = true;
        self.status("closed", "Disconnected");
        if (self.options.onGone) { self.options.onGone(event.code, self.lastError); }
        return;
      }
      if (RESTART_CODES[event.code]) {
        self.scheduleRetry(Math.round(Math.random() * RESTART_JITTER));
        return;
      }
      self.scheduleRetry();
    });
  };

  Socket.prototype.receive = function (message) {
    if (message.type === "state") {
      this.attempt = 0;
      this.syncing = false;
      this.seq = message.seq;
      this.status("online", "Connected");
      this.options.onState(message.state);
      return;
    }
    if (message.type === "event") {
      if (this.seq === null || this.syncing) { return; }  // the state is on its way
      if (message.seq <= this.seq) { return; }
      if (message.seq !== this.seq + 1) {
        this.syncing = true;  // missed one: ask for the whole state rather than guess
        this.send({ type: "sync" });
        return;
      }
      this.seq = message.seq;
      this.options.onEvent(message);
      return;
    }
    if (message.type === "error") { this.lastError = message; }
    if (message.type === "pong") { return; }
    if (this.options.onFrame) { this.options.onFrame(message); }
  };

  /* Reconnect after ``soon`` ms if given (a server restarting: the first try is not
     counted, so a failure after it backs off from the start), else with backoff. */
  Socket.prototype.scheduleRetry = function (soon) {
    if (this.stopped || this.retryTimer) { return; }
    var delay;
    if (typeof soon === "number") {
      delay = soon;
    } else {
      var ceiling = Math.min(MAX_DELAY, MIN_DELAY * Math.pow(2, this.attempt));
      // "Equal jitter": half fixed, half random, so a room of phones does not reconnect in step.
      delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
      this.attempt += 1;
    }
    this.status("reconnecting", "Connection lost. Reconnecting…");
    var self = this;
    this.retryTimer = setTimeout(function () { self.retryTimer = null; self.connect(); }, delay);
  };

  Socket.prototype.reconnectNow = function () {
    if (this.stopped || this.ws) { return; }
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  };

  Socket.prototype.send = function (payload) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) { return false; }
    this.ws.send(JSON.stringify(payload));
    return true;
  };

  Socket.prototype.isOpen = function () {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN && this.seq !== null;
  };

  /* A countdown on the server's clock: ``offset`` maps this device's clock onto the
     server's at receipt; the display follows the deadline, it never acts on it. */
  function Countdown(options) {
    this.options = options;  // {seconds: node, fill: node, onTick: fn}
    this.timer = null;
    this.deadline = null;
    this.offset = 0;
    this.limit = 0;
    this.frozen = null;
  }

  Countdown.prototype.set = function (timing, paused) {
    this.stop();
    if (!timing) { this.draw(0); return; }
    this.offset = timing.server_now - Date.now();
    this.limit = timing.limit_ms || 0;
    if (paused || timing.deadline === null || timing.deadline === undefined) {
      this.frozen = timing.remaining_ms || 0;
      this.draw(this.frozen);
      return;
    }
    this.frozen = null;
    this.deadline = timing.deadline;
    var self = this;
    this.timer = setInterval(function () { self.tick(); }, 200);
    this.tick();
  };

  Countdown.prototype.remaining = function () {
    if (this.frozen !== null) { return this.frozen; }
    if (this.deadline === null) { return 0; }
    return Math.max(0, this.deadline - (Date.now() + this.offset));
  };

  Countdown.prototype.tick = function () {
    var left = this.remaining();
    this.draw(left);
    if (left <= 0) { this.stop(); }
  };

  Countdown.prototype.draw = function (ms) {
    var seconds = Math.ceil(ms / 1000);
    if (this.options.seconds) { this.options.seconds.textContent = String(seconds); }
    if (this.options.fill) {
      var share = this.limit ? Math.max(0, Math.min(1, ms / this.limit)) : 0;
      this.options.fill.style.width = (share * 100).toFixed(2) + "%";  // CSSOM: allowed by the CSP
    }
    if (this.options.onTick) { this.options.onTick(seconds, ms); }
  };

  Countdown.prototype.stop = function () {
    clearInterval(this.timer);
    this.timer = null;
  };

  /* Bars for how the room answered: one per choice (or value), with text for everyone
     and a bar for the eye. ``rows``: [{label, html, count, correct}]. */
  function drawBars(list, rows, total, options) {
    options = options || {};
    clear(list);
    var max = 0;
    rows.forEach(function (row) { max = Math.max(max, row.count); });
    rows.forEach(function (row) {
      var share = total ? row.count / total : 0;
      var label = el("span", { className: "live-bar-label" });
      if (row.html) { label.innerHTML = row.html; } else { label.textContent = row.label; }
      var fill = el("span", { className: "live-bar-fill", "aria-hidden": "true" });
      fill.style.width = (max ? (row.count / max) * 100 : 0).toFixed(2) + "%";
      var item = el("li", { className: "live-bar" + (row.correct ? " is-correct" : "") }, [
        el("span", { className: "live-bar-head" }, [
          label,
          row.correct && options.markCorrect ? el("span", { className: "live-bar-mark", text: "✓ Correct" }) : null,
          el("span", { className: "live-bar-count", text: row.count + (total ? " (" + Math.round(share * 100) + "%)" : "") })
        ]),
        el("span", { className: "live-bar-track", "aria-hidden": "true" }, [fill])
      ]);
      list.appendChild(item);
    });
  }

  /* Bar rows for a question and a distribution ({answered, counts}). */
  function barRows(question, distribution, reveal) {
    var counts = (distribution && distribution.counts) || {};
    var correctChoices = (reveal && reveal.correct_choices) || [];
    var type = question ? question.type : "";
    if (type === "single_choice" || type === "multiple_choice") {
      return question.choices.map(function (choice) {
        return {
          html: choice.text_html,
          count: counts[String(choice.id)] || 0,
          correct: correctChoices.indexOf(choice.id) !== -1
        };
      });
    }
    if (type === "true_false") {
      var key = reveal ? reveal.correct_text : null;
      return [
        { label: "True", count: counts["true"] || 0, correct: key === "True" },
        { label: "False", count: counts["false"] || 0, correct: key === "False" }
      ];
    }
    if (type === "ordering") { return []; }
    return Object.keys(counts).map(function (value) {
      return { label: value || "(empty)", count: counts[value], correct: false };
    }).sort(function (a, b) { return b.count - a.count; });
  }

  /* The correct answer in words, as a node. */
  function keyNode(question, reveal) {
    if (!reveal) { return el("p", { text: "" }); }
    var type = question ? question.type : "";
    if ((type === "single_choice" || type === "multiple_choice") && reveal.correct_choices.length) {
      var list = el("ul", { className: "live-key-list" });
      question.choices.forEach(function (choice) {
        if (reveal.correct_choices.indexOf(choice.id) !== -1) {
          list.appendChild(el("li", { html: choice.text_html }));
        }
      });
      return list;
    }
    if (type === "ordering" && reveal.correct_order.length) {
      var byId = {};
      question.choices.forEach(function (choice) { byId[choice.id] = choice; });
      var ordered = el("ol", { className: "live-key-list" });
      reveal.correct_order.forEach(function (id) {
        if (byId[id]) { ordered.appendChild(el("li", { html: byId[id].text_html })); }
      });
      return ordered;
    }
    return el("p", { className: "live-key-text", text: reveal.correct_text || "" });
  }

  function drawLeaderboard(list, rows, highlight) {
    clear(list);
    (rows || []).forEach(function (row) {
      var mine = highlight !== undefined && row.player === highlight;
      list.appendChild(el("li", { className: "live-rank" + (mine ? " is-me" : ""), value: String(row.rank) }, [
        el("span", { className: "live-rank-name", text: row.nickname + (mine ? " (you)" : "") }),
        el("span", { className: "live-rank-score", text: plural(row.score, "point") })
      ]));
    });
  }

  /* Teams ranked by their score (the mean of their players'), ``mine`` marked. */
  function drawTeamBoard(list, rows, mine) {
    clear(list);
    (rows || []).forEach(function (row) {
      var isMine = mine !== undefined && mine !== null && row.team === mine;
      list.appendChild(el("li", { className: "live-rank" + (isMine ? " is-me" : ""), value: String(row.rank) }, [
        el("span", { className: "live-rank-name", text: row.name + (isMine ? " (your team)" : "") }),
        el("span", { className: "live-rank-size muted", text: plural(row.players, "player") }),
        el("span", { className: "live-rank-score", text: plural(row.score, "point") })
      ]));
    });
  }

  function teamName(teams, id) {
    for (var i = 0; i < (teams || []).length; i++) {
      if (teams[i].id === id) { return teams[i].name; }
    }
    return "";
  }

  /* The team a player is in, from the teams' member lists. */
  function teamOf(teams, player) {
    for (var i = 0; i < (teams || []).length; i++) {
      if (teams[i].members.indexOf(player) !== -1) { return teams[i].id; }
    }
    return null;
  }

  /* "+50%", "+10 s", "+50% and 10 s", or "" for none. */
  function extraText(percent, seconds) {
    var parts = [];
    if (percent) { parts.push("+" + percent + "%"); }
    if (seconds) { parts.push((percent ? "" : "+") + seconds + " s"); }
    return parts.join(" and ");
  }

  function drawPodium(list, rows) {
    clear(list);
    var places = ["1st", "2nd", "3rd"];
    (rows || []).slice(0, 3).forEach(function (row, i) {
      list.appendChild(el("li", { className: "podium-place podium-" + (i + 1) }, [
        el("span", { className: "podium-rank", text: places[i] }),
        el("span", { className: "podium-name", text: row.nickname }),
        el("span", { className: "podium-score", text: plural(row.score, "point") }),
        el("span", { className: "podium-step", "aria-hidden": "true" })
      ]));
    });
  }

  function focusHeading(node) {
    if (!node) { return; }
    if (!node.hasAttribute("tabindex")) { node.setAttribute("tabindex", "-1"); }
    node.focus({ preventScroll: false });
  }

  // A public event applied to either screen's state model (the same fields a state
  // frame carries). Returns false for an event this version does not know.
  function applyEvent(model, event) {
    switch (event.event) {
      case "question":
        model.status = "question";
        model.index = event.index;
        model.total = event.total;
        model.round = event.round;
        model.question = event.question;
        model.timing = event.timing;
        model.reveal = null;
        model.voided = false;
        return true;
      case "paused":
        model.status = "paused";
        model.timing = event.timing;
        return true;
      case "resumed":
        model.status = "question";
        model.round = event.round;
        model.timing = event.timing;
        return true;
      case "closed":
        model.status = "review";
        model.index = event.index;
        model.reveal = event.reveal;
        model.distribution = event.distribution;
        model.leaderboard = event.leaderboard;
        model.team_leaderboard = event.team_leaderboard || [];
        model.players = event.players;
        model.voided = event.voided;
        return true;
      case "ended":
        model.status = "ended";
        model.leaderboard = event.leaderboard;
        model.team_leaderboard = event.team_leaderboard || [];
        model.players = event.players;
        return true;
      case "settings":
        model.scoring_mode = event.scoring_mode;
        return true;
      case "teams":
        model.teams = event.teams;
        return true;
      case "extra_time":
        return true;  // between the host and one player: their own frame follows
      default:
        return false;
    }
  }

  window.Live = {
    applyEvent: applyEvent,
    el: el,
    clear: clear,
    show: show,
    plural: plural,
    announcer: announcer,
    Socket: Socket,
    Countdown: Countdown,
    drawBars: drawBars,
    barRows: barRows,
    keyNode: keyNode,
    drawLeaderboard: drawLeaderboard,
    drawTeamBoard: drawTeamBoard,
    teamName: teamName,
    teamOf: teamOf,
    extraText: extraText,
    drawPodium: drawPodium,
    focusHeading: focusHeading
  };
})();
