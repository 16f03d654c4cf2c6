/* The host's screen (made for a projector): the lobby filling up, the controls, the
   question with its countdown and live answer count, the reveal with the leaderboard,
   and the podium. Every control sends one command; what happens next is the server's
   broadcast, drawn from the same state model as after a reload. */
(function () {
  "use strict";
  var L = window.Live;
  var root = document.getElementById("live");
  if (!root || !L) { return; }

  var $ = function (id) { return document.getElementById(id); };
  var announce = L.announcer($("live-announcer"));
  var connection = $("live-connection");
  var errorBox = $("host-error");
  var phases = { lobby: null, question: $("phase-question"), review: $("phase-review"), final: $("phase-final"), gone: $("phase-gone") };
  var headings = { question: $("question-title"), review: $("review-title"), final: $("final-title"), gone: $("gone-title") };
  var buttons = {};
  Array.prototype.forEach.call(root.querySelectorAll("[data-action]"), function (button) {
    buttons[button.dataset.action] = button;
  });
  var PRIMARY = { lobby: "start", question: "reveal", paused: "resume", review: "next" };
  var COMMANDS = ["start", "next", "reveal", "pause", "resume", "skip", "end"];
  // Extra time a host can give one player: "percent:seconds".
  var EXTRA_CHOICES = [
    ["0:0", "No extra time"], ["25:0", "+25% time"], ["50:0", "+50% time"], ["100:0", "+100% time"],
    ["0:10", "+10 seconds"], ["0:20", "+20 seconds"], ["0:30", "+30 seconds"]
  ];
  var SCORING = { speed: "Speed and accuracy", accuracy: "Accuracy only" };
  var ENABLED = {
    lobby: ["start", "end"],
    question: ["reveal", "pause", "skip", "end"],
    paused: ["reveal", "resume", "skip", "end"],
    review: ["next", "end"],
    ended: []
  };

  var model = null;
  var phase = null;
  var busy = false;
  var busyTimer = null;
  var endArmed = null;
  var builtFor = null;
  var refs = 0;
  var restoreFocus = false;

  var countdown = new L.Countdown({
    seconds: $("q-seconds"),
    fill: $("q-timer-fill"),
    onTick: function (seconds, ms) {
      if (!model) { return; }
      var label = $("q-timer-label");
      if (model.status === "paused") { label.textContent = "seconds left · paused"; }
      else if (ms <= 0 && model.status === "question" && model.timing && model.timing.grace_ms) {
        label.textContent = "time's up · extra time running";
      }
      else if (ms <= 0) { label.textContent = "time's up"; }
      else { label.textContent = "seconds left"; }
    }
  });

  var socket = new L.Socket({
    path: root.dataset.wsPath,
    onStatus: function (state, text) {
      connection.dataset.state = state;
      connection.textContent = text;
      if (state !== "online") { setBusy(false); drawControls(); }
    },
    onState: function (state) {
      var first = model === null;
      model = state;
      setBusy(false);
      render(!first);
    },
    onEvent: onEvent,
    onFrame: onFrame,
    onGone: onGone
  });

  function onEvent(event) {
    if (!model || !L.applyEvent(model, event)) { return; }
    switch (event.event) {
      case "question":
        model.distribution = { answered: 0, correct: 0, counts: {} };
        announce("Question " + (event.index + 1) + " of " + event.total + " is open.");
        break;
      case "paused": announce("Paused."); break;
      case "resumed": announce("Resumed."); break;
      case "closed": announce(event.voided ? "Question skipped." : "Answer revealed."); break;
      case "ended": announce("The session has ended."); break;
      case "settings": announce("Scoring: " + (SCORING[event.scoring_mode] || event.scoring_mode) + "."); break;
      case "teams":
        (model.lobby || []).forEach(function (player) { player.team = L.teamOf(event.teams, player.player); });
        break;
    }
    setBusy(false);
    render(true);
  }

  function onFrame(frame) {
    if (!model) { return; }
    if (frame.type === "lobby") {
      model.lobby = frame.players;
      model.players = frame.count;
      drawPlayers();
      drawStatus();
      drawSetup();
    } else if (frame.type === "answers") {
      if (frame.index === model.index && (model.status === "question" || model.status === "paused")) {
        model.distribution = frame.distribution;
        model.players = frame.players;
        drawLiveAnswers();
      }
    } else if (frame.type === "done") {
      if (COMMANDS.indexOf(frame.action) === -1) { return; }  // set-up: nothing to wait for
      // Done comes just before the broadcast it caused: stay busy until that arrives.
      setBusy(true, 1500);
    } else if (frame.type === "error") {
      setBusy(false);
      errorBox.textContent = frame.message || "That did not work.";
      drawControls();
    }
  }

  function onGone(closeCode, error) {
    countdown.stop();
    setBusy(false);
    var title = $("gone-title");
    var message = $("gone-message");
    var link = $("gone-link");
    if (closeCode === 4404) {
      title.textContent = "This session has ended";
      message.textContent = "It no longer accepts players or commands.";
      link.href = root.dataset.resultsUrl;
      link.textContent = "See the results";
    } else {
      title.textContent = "You cannot run this session";
      message.textContent = (error && error.message) || "Log in as the host to run it.";
      link.href = root.dataset.loginUrl;
      link.textContent = "Log in";
    }
    model = model || { status: "ended" };
    if (closeCode === 4404) { root.dataset.status = "ended"; }
    Object.keys(buttons).forEach(function (name) { buttons[name].disabled = true; });
    setPhase("gone", true);
    announce(title.textContent + ".");
  }

  // ------------------------------------------------------------------ commands

  function setBusy(value, ms) {
    busy = value;
    clearTimeout(busyTimer);
    if (value) {
      busyTimer = setTimeout(function () { busy = false; drawControls(); }, ms || 5000);
    }
  }

  function command(action) {
    if (busy || !socket.isOpen()) { return; }
    errorBox.textContent = "";
    refs += 1;
    if (socket.send({ type: action, ref: refs })) {
      restoreFocus = document.activeElement === buttons[action];
      setBusy(true);
      drawControls();
    }
  }

  Object.keys(buttons).forEach(function (action) {
    buttons[action].addEventListener("click", function () {
      if (action === "end" && endArmed === null) {
        // Ending cannot be undone: ask for a second press.
        buttons.end.textContent = "Press again to end";
        announce("Press End again to end the session for everyone.");
        endArmed = setTimeout(disarmEnd, 4000);
        return;
      }
      disarmEnd();
      command(action);
    });
  });

  function disarmEnd() {
    clearTimeout(endArmed);
    endArmed = null;
    buttons.end.textContent = "End session";
  }

  $("player-list").addEventListener("click", function (event) {
    var button = event.target.closest("[data-kick]");
    if (!button || !socket.isOpen()) { return; }
    errorBox.textContent = "";
    socket.send({ type: "kick", player: parseInt(button.dataset.kick, 10) });
    button.disabled = true;
  });

  // ------------------------------------------------------------------ set-up

  /* A set-up frame (scoring, teams, extra time): the broadcast it causes redraws. */
  function setup(payload) {
    if (!socket.isOpen()) {
      errorBox.textContent = "Not connected: try again in a moment.";
      return false;
    }
    errorBox.textContent = "";
    return socket.send(payload);
  }

  $("player-list").addEventListener("change", function (event) {
    var target = event.target;
    if (target.dataset.teamFor) {
      setup({
        type: "team_assign", player: parseInt(target.dataset.teamFor, 10),
        team: target.value ? parseInt(target.value, 10) : null
      });
    } else if (target.dataset.extraFor) {
      var parts = target.value.split(":");
      setup({
        type: "extra_time", player: parseInt(target.dataset.extraFor, 10),
        percent: parseInt(parts[0], 10), seconds: parseInt(parts[1], 10)
      });
    }
  });

  Array.prototype.forEach.call(root.querySelectorAll("input[name=scoring_mode]"), function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked) { setup({ type: "settings", scoring_mode: radio.value }); }
    });
  });

  $("team-add-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("team-name");
    var name = input.value.trim();
    if (!name) { errorBox.textContent = "Type a team name first."; input.focus(); return; }
    if (setup({ type: "team_add", name: name })) { input.value = ""; }
  });

  $("team-shuffle-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var count = parseInt($("team-count").value, 10);
    if (!(count >= 2 && count <= 20)) {
      errorBox.textContent = "Shuffle into 2 to 20 teams.";
      $("team-count").focus();
      return;
    }
    setup({ type: "team_shuffle", count: count });
  });

  $("teams-clear").addEventListener("click", function () { setup({ type: "team_clear" }); });

  $("team-list").addEventListener("click", function (event) {
    var button = event.target.closest("[data-delete-team]");
    if (button) { setup({ type: "team_delete", team: parseInt(button.dataset.deleteTeam, 10) }); }
  });

  // ------------------------------------------------------------------ drawing

  function phaseFor(status) {
    if (status === "question" || status === "paused") { return "question"; }
    if (status === "review") { return "review"; }
    if (status === "ended") { return "final"; }
    return "lobby";
  }

  function setPhase(name, moveFocus) {
    var changed = phase !== name;
    phase = name;
    root.dataset.phase = name;
    Object.keys(phases).forEach(function (key) { L.show(phases[key], key === name); });
    if (changed && moveFocus && !restoreFocus && headings[name]) { L.focusHeading(headings[name]); }
  }

  function render(moveFocus) {
    var name = phaseFor(model.status);
    drawStatus();
    drawSetup();
    drawPlayers();
    if (name === "question") { drawQuestion(); } else { countdown.stop(); }
    if (name === "review") { drawReview(); }
    if (name === "final") { drawFinal(); }
    setPhase(name, moveFocus);
    drawControls();
  }

  function drawStatus() {
    var text;
    var players = L.plural(model.players || 0, "player");
    if (model.status === "lobby") { text = "Waiting for players · " + players + " joined"; }
    else if (model.status === "question") { text = "Question " + (model.index + 1) + " of " + model.total + " · open"; }
    else if (model.status === "paused") { text = "Question " + (model.index + 1) + " of " + model.total + " · paused"; }
    else if (model.status === "review") { text = "Question " + (model.index + 1) + " of " + model.total + " · answer revealed"; }
    else { text = "Ended · " + players; }
    $("host-status").textContent = text;
    root.dataset.status = model.status;
  }

  function drawControls() {
    var status = model ? model.status : "ended";
    var allowed = ENABLED[status] || [];
    var online = socket.isOpen();
    Object.keys(buttons).forEach(function (name) {
      buttons[name].disabled = busy || !online || allowed.indexOf(name) === -1;
    });
    L.show(buttons.pause, status !== "paused");
    L.show(buttons.resume, status === "paused");
    if (model && model.total) {
      buttons.next.textContent = model.index + 1 >= model.total ? "Show final results" : "Next question";
    }
    if (status === "ended" && endArmed !== null) { disarmEnd(); }
    // Keep keyboard users in the controls: the pressed button is disabled while the
    // command runs, so focus goes on to the button that comes next.
    if (restoreFocus && !busy && online) {
      var active = document.activeElement;
      if (!active || active === document.body || active.disabled || active.hidden) {
        var next = buttons[PRIMARY[status]];
        if (next && !next.disabled && !next.hidden) { next.focus(); }
      }
      restoreFocus = false;
    }
  }

  function drawSetup() {
    var lobby = model.status === "lobby";
    L.show($("lobby-setup"), lobby);
    $("scoring-label").textContent = SCORING[model.scoring_mode] || "";
    Array.prototype.forEach.call(root.querySelectorAll("input[name=scoring_mode]"), function (radio) {
      radio.checked = radio.value === model.scoring_mode;
    });
    var teams = model.teams || [];
    var list = $("team-list");
    var active = document.activeElement;
    var hadFocus = active && active.dataset && active.dataset.deleteTeam;
    L.clear(list);
    var sizes = {};
    (model.lobby || []).forEach(function (player) { sizes[player.team] = (sizes[player.team] || 0) + 1; });
    teams.forEach(function (team) {
      list.appendChild(L.el("li", { className: "live-team-item" }, [
        L.el("span", { className: "live-team-name", text: team.name }),
        L.el("span", { className: "muted", text: L.plural(sizes[team.id] || 0, "player") }),
        L.el("button", {
          type: "button", className: "button-link live-kick", "data-delete-team": String(team.id),
          "aria-label": "Delete team " + team.name, text: "Delete"
        })
      ]));
    });
    L.show($("teams-none"), teams.length === 0);
    L.show($("teams-clear"), teams.length > 0);
    if (hadFocus) { L.focusHeading($("teams-title")); }
  }

  function extraSelect(player) {
    var current = player.extra_percent + ":" + player.extra_seconds;
    var choices = EXTRA_CHOICES.slice();
    if (!choices.some(function (c) { return c[0] === current; })) {
      choices.push([current, L.extraText(player.extra_percent, player.extra_seconds)]);
    }
    var open = model.status === "question" || model.status === "paused";
    return L.el("select", {
      className: "live-player-select", "data-extra-for": String(player.player),
      "data-focus-key": "extra:" + player.player, "aria-label": "Extra time for " + player.nickname,
      disabled: open, title: open ? "Extra time changes between questions" : null
    }, choices.map(function (c) {
      return L.el("option", { value: c[0], text: c[1], selected: c[0] === current });
    }));
  }

  function teamControl(player) {
    var teams = model.teams || [];
    if (!teams.length) { return null; }
    if (model.status !== "lobby") {
      var name = L.teamName(teams, player.team);
      return name ? L.el("span", { className: "badge live-team-badge", text: name }) : null;
    }
    var options = [L.el("option", { value: "", text: "No team", selected: player.team === null })];
    teams.forEach(function (team) {
      options.push(L.el("option", { value: String(team.id), text: team.name, selected: player.team === team.id }));
    });
    return L.el("select", {
      className: "live-player-select", "data-team-for": String(player.player),
      "data-focus-key": "team:" + player.player, "aria-label": "Team of " + player.nickname
    }, options);
  }

  function drawPlayers() {
    var list = $("player-list");
    var players = model.lobby || [];
    var active = document.activeElement;
    var focusIndex = -1;
    var focusKey = active && active.dataset ? active.dataset.focusKey : null;
    if (active && active.dataset && active.dataset.kick) {
      focusIndex = Array.prototype.indexOf.call(list.querySelectorAll("[data-kick]"), active);
    }
    L.clear(list);
    players.forEach(function (player) {
      list.appendChild(L.el("li", { className: "live-player" }, [
        L.el("span", { className: "live-player-name", text: player.nickname }),
        player.guest ? L.el("span", { className: "badge live-guest", text: "guest" }) : null,
        player.first_index > 0 ? L.el("span", { className: "badge live-late", text: "from Q" + (player.first_index + 1) }) : null,
        teamControl(player),
        extraSelect(player),
        L.el("button", {
          type: "button", className: "button-link live-kick", "data-kick": String(player.player),
          "aria-label": "Remove " + player.nickname, text: "Remove"
        })
      ]));
    });
    $("player-count").textContent = String(players.length);
    L.show($("players-empty"), players.length === 0);
    if (focusKey) {
      var again = list.querySelector('[data-focus-key="' + focusKey + '"]');
      if (again) { again.focus(); }
    } else if (focusIndex !== -1) {
      var kicks = list.querySelectorAll("[data-kick]");
      if (kicks.length) { kicks[Math.min(focusIndex, kicks.length - 1)].focus(); }
      else { L.focusHeading($("players-title")); }
    }
  }

  function drawQuestion() {
    var question = model.question;
    var built = model.index + ":" + question.id;
    $("q-number").textContent = String(model.index + 1);
    $("q-total").textContent = String(model.total);
    if (builtFor !== built) {
      builtFor = built;
      $("q-prompt").innerHTML = question.prompt_html;  // sanitised on the server
    }
    var paused = model.status === "paused";
    L.show($("q-paused"), paused);
    var grace = model.timing ? model.timing.grace_ms : 0;
    $("q-extra").textContent = grace
      ? "Players with extra time can answer up to " + L.plural(Math.ceil(grace / 1000), "second") +
        " after the others; the answer is revealed then (or when you reveal it)."
      : "";
    L.show($("q-extra"), !!grace);
    countdown.set(model.timing, paused);
    drawLiveAnswers();
  }

  function drawLiveAnswers() {
    var distribution = model.distribution || { answered: 0, counts: {} };
    $("q-answered").textContent = distribution.answered + " of " + L.plural(model.players || 0, "player") + " answered";
    var progress = $("q-answered-fill");
    var share = model.players ? Math.min(1, distribution.answered / model.players) : 0;
    progress.style.width = (share * 100).toFixed(2) + "%";
    var rows = L.barRows(model.question, distribution, null);
    L.show($("q-bars-box"), rows.length > 0);
    L.drawBars($("q-bars"), rows, distribution.answered, {});
  }

  function drawReview() {
    var question = model.question || { type: "", choices: [] };
    $("review-title").textContent = model.voided
      ? "Question " + (model.index + 1) + " skipped"
      : "Answer to question " + (model.index + 1);
    $("review-prompt").innerHTML = question.prompt_html || "";  // sanitised on the server
    var keyBox = L.clear($("review-key"));
    keyBox.appendChild(L.keyNode(question, model.reveal));
    var distribution = model.distribution || { answered: 0, correct: 0, counts: {} };
    $("review-answered").textContent = distribution.answered + " of " + L.plural(model.players || 0, "player") +
      " answered · " + (distribution.correct || 0) + " right";
    var rows = L.barRows(question, distribution, model.reveal);
    L.show($("review-bars-box"), rows.length > 0);
    L.drawBars($("review-bars"), rows, distribution.answered, { markCorrect: true });
    var explanation = $("review-explanation");
    explanation.innerHTML = (model.reveal && model.reveal.explanation_html) || "";
    L.show($("review-explanation-box"), !!explanation.textContent.trim());
    L.drawLeaderboard($("review-leaderboard"), model.leaderboard);
    L.show($("review-leaderboard-empty"), !(model.leaderboard || []).length);
    L.drawTeamBoard($("review-teams"), model.team_leaderboard);
    L.show($("review-teams-box"), (model.team_leaderboard || []).length > 0);
  }

  function drawFinal() {
    L.drawPodium($("final-podium"), model.leaderboard);
    L.show($("final-empty"), !(model.leaderboard || []).length);
    L.drawTeamBoard($("final-teams"), model.team_leaderboard);
    L.show($("final-teams-box"), (model.team_leaderboard || []).length > 0);
  }

  socket.start();  // last: every handler above is defined by now
})();
