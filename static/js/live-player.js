/* A player's screen: draws the state the server sends, sends answers with an idempotency
   key (kept on this device until acknowledged, resent with the same key after a
   reconnect), and shows the result, the reveal and the final rank. Nothing is decided
   here: the server's clock and the server's grading are the only ones. */
(function () {
  "use strict";
  var L = window.Live;
  var root = document.getElementById("live");
  if (!root || !L) { return; }

  var $ = function (id) { return document.getElementById(id); };
  var code = root.dataset.code;
  var storeKey = "live:" + code + ":answer";
  var announce = L.announcer($("live-announcer"));
  var connection = $("live-connection");
  var phases = {
    lobby: $("phase-lobby"),
    question: $("phase-question"),
    review: $("phase-review"),
    final: $("phase-final"),
    gone: $("phase-gone")
  };
  var headings = {
    lobby: $("lobby-title"),
    question: $("question-title"),
    review: $("review-title"),
    final: $("final-title"),
    gone: $("gone-title")
  };

  var model = null;        // the last state, kept current by events
  var results = {};        // index -> result frame
  var finalFrame = null;
  var phase = null;
  var builtFor = null;     // which question the answer controls were built for
  var warned = null;       // round for which "10 seconds left" was said
  var retryTimer = null;
  var pending = load();    // {index, key, response, acked}

  // ------------------------------------------------------------------ storage

  function load() {
    try { return JSON.parse(sessionStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }

  function save() {
    try {
      if (pending) { sessionStorage.setItem(storeKey, JSON.stringify(pending)); }
      else { sessionStorage.removeItem(storeKey); }
    } catch (e) { /* storage unavailable: the in-memory copy still retries */ }
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);  // plain-HTTP pages have no randomUUID
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ------------------------------------------------------------------ socket

  var countdown = new L.Countdown({
    seconds: $("q-seconds"),
    fill: $("q-timer-fill"),
    onTick: function (seconds, ms) {
      var label = $("q-timer-label");
      if (!model) { return; }
      if (model.status === "question" && ms <= 0) {
        label.textContent = "Time's up";
        if (!(pending && pending.index === model.index)) { lockControls(true); }  // the server's deadline has passed
      }
      else if (model.status === "paused") { label.textContent = "Paused"; }
      else { label.textContent = "seconds left"; }
      if (model.status === "question" && seconds === 10 && warned !== model.round && model.seconds_per_question > 10) {
        warned = model.round;
        announce("10 seconds left.");
      }
    }
  });

  var socket = new L.Socket({
    path: root.dataset.wsPath,
    onStatus: function (state, text) {
      connection.dataset.state = state;
      connection.textContent = text;
    },
    onState: onState,
    onEvent: onEvent,
    onFrame: onFrame,
    onGone: onGone
  });

  function onState(state) {
    var first = model === null;
    model = state;
    if (state.status === "question" || state.status === "paused") {
      var mine = state.me && state.me.answer;
      if (mine && mine.index === state.index) {
        var same = pending && pending.index === state.index && pending.key === mine.key;
        pending = { index: mine.index, key: mine.key, response: same ? pending.response : null, acked: true };
        save();
      } else if (pending && pending.index === state.index && !pending.acked) {
        sendPending();
      } else if (pending && pending.index !== state.index) {
        pending = null;
        save();
      }
    } else if (state.status !== "review" && pending) {
      pending = null;
      save();
    }
    render(!first);
  }

  function onEvent(event) {
    if (!model || !L.applyEvent(model, event)) { return; }
    if (event.event === "question") {
      model.distribution = null;
      if (model.me) {
        model.me.answer = null;
        model.me.joined_mid_question = event.index < model.me.first_index;
      }
      if (pending && pending.index !== event.index) { pending = null; save(); }
    } else if (event.event === "teams" && model.me) {
      var before = model.me.team;
      model.me.team = L.teamOf(event.teams, model.me.player);
      if (model.me.team !== before && model.me.team !== null) {
        announce("You are in team " + L.teamName(model.teams, model.me.team) + ".");
      }
    } else if (event.event === "settings") {
      announce(event.scoring_mode === "accuracy" ? "Scoring: accuracy only." : "Scoring: speed and accuracy.");
    }
    render(true);
    switch (event.event) {
      case "question": announce("Question " + (event.index + 1) + " of " + event.total + "."); break;
      case "paused": announce("The host paused the question."); break;
      case "resumed": announce("The question continues."); break;
    }
  }

  function onFrame(frame) {
    if (frame.type === "ack") {
      if (pending && frame.ref === pending.key) {
        pending.acked = true;
        save();
        clearTimeout(retryTimer);
        drawAnswerStatus();
        announce("Answer received.");
      }
    } else if (frame.type === "result") {
      results[frame.index] = frame;
      if (frame.answered && model && model.me) {
        model.me.score = frame.score;
        model.me.streak = frame.streak;
      }
      if (model) { render(true); }
    } else if (frame.type === "final") {
      finalFrame = frame;
      if (model) { render(true); }
    } else if (frame.type === "extra_time") {
      if (model && model.me) {
        model.me.extra_percent = frame.extra_percent;
        model.me.extra_seconds = frame.extra_seconds;
        render(false);
        var extra = L.extraText(frame.extra_percent, frame.extra_seconds);
        announce(extra ? "The host gave you extra time: " + extra + " on each question, from the next one." : "Your extra time was removed.");
      }
    } else if (frame.type === "error") {
      onError(frame);
    }
  }

  function onError(frame) {
    if (pending && frame.ref && frame.ref === pending.key) {
      clearTimeout(retryTimer);
      if (frame.code === "already_answered") {
        pending.acked = true;
        save();
        drawAnswerStatus("You had already answered this question.");
        return;
      }
      var refused = pending;
      pending = null;
      save();
      if (frame.code === "too_late" || frame.code === "question_not_open" || frame.code === "joined_mid_question") {
        pending = { index: refused.index, key: refused.key, response: refused.response, acked: false, refused: true };
        lockControls(true);
        drawAnswerStatus(frame.message || "Too late: the answer was not counted.");
        announce(frame.message || "Too late.");
        return;
      }
      lockControls(false);  // an answer the server could not read: try again
      drawAnswerStatus(frame.message || "That answer could not be sent.");
      announce(frame.message || "That answer could not be sent.");
      return;
    }
    if (frame.code === "rate_limited") { drawAnswerStatus(frame.message); }
  }

  function onGone(closeCode, error) {
    countdown.stop();
    clearTimeout(retryTimer);
    var title = $("gone-title");
    var message = $("gone-message");
    var link = $("gone-link");
    if (closeCode === 4404) {
      title.textContent = "This session has ended";
      message.textContent = "The host has closed the session.";
      link.href = root.dataset.resultsUrl;
      link.textContent = "See the results";
    } else if (error && error.code === "player_removed") {
      title.textContent = "You were removed";
      message.textContent = error.message || "The host removed you from this session.";
      link.href = root.dataset.homeUrl;
      link.textContent = "Join another session";
    } else {
      title.textContent = "You are no longer in this session";
      message.textContent = (error && error.message) || "Join the session again to keep playing.";
      link.href = root.dataset.playUrl;
      link.textContent = "Join again";
    }
    setPhase("gone", true);
    announce(title.textContent + ". " + message.textContent);
  }

  // ------------------------------------------------------------------ answering

  function sendPending() {
    if (!pending || pending.acked || pending.refused) { return; }
    clearTimeout(retryTimer);
    var sent = socket.send({ type: "answer", index: pending.index, response: pending.response, key: pending.key });
    drawAnswerStatus(sent ? null : "Saved on this device: it will be sent when the connection is back.");
    // No ack yet (a frame lost on a dying connection)? Resend: the same key counts once.
    retryTimer = setTimeout(function () {
      if (pending && !pending.acked && socket.isOpen()) { sendPending(); }
    }, 4000);
  }

  function answer(response) {
    if (!model || (model.status !== "question" && model.status !== "paused")) { return; }
    if (model.me && model.me.joined_mid_question) { return; }  // plays from the next one
    if (pending && pending.index === model.index) { return; }  // one answer per question
    pending = { index: model.index, key: newKey(), response: response, acked: false };
    save();
    lockControls(true);
    markChosen();
    sendPending();
  }

  function lockControls(locked) {
    var form = $("answer-form");
    Array.prototype.forEach.call(form.querySelectorAll("button, input, select"), function (control) {
      control.disabled = locked;
    });
  }

  function markChosen() {
    var response = pending && pending.index === (model && model.index) ? pending.response : null;
    Array.prototype.forEach.call($("answer-controls").querySelectorAll("[data-choice]"), function (button) {
      var value = button.dataset.choice;
      var chosen = false;
      if (response) {
        if ("choice" in response) { chosen = String(response.choice) === value; }
        else if ("choices" in response) { chosen = response.choices.map(String).indexOf(value) !== -1; }
        else if ("value" in response && typeof response.value === "boolean") { chosen = String(response.value) === value; }
      } else if (button.dataset.toggle) {
        chosen = button.getAttribute("aria-pressed") === "true";
      }
      button.classList.toggle("is-chosen", chosen);
      if (button.dataset.toggle || response) { button.setAttribute("aria-pressed", chosen ? "true" : "false"); }
    });
    if (response && ("value" in response || "text" in response) && typeof response.value !== "boolean") {
      var input = $("answer-input");
      if (input && !input.value) { input.value = response.value !== undefined ? response.value : response.text; }
    }
  }

  function drawAnswerStatus(text) {
    var node = $("answer-status");
    if (text) { node.textContent = text; return; }
    if (!pending || !model || pending.index !== model.index) { node.textContent = ""; return; }
    if (pending.refused) { return; }
    node.textContent = pending.acked ? "Answer received. Wait for the reveal." : "Sending your answer…";
    node.dataset.state = pending.acked ? "received" : "sending";
  }

  function choiceButton(value, html, letter, toggle) {
    var attrs = { type: "button", className: "live-choice", "data-choice": String(value) };
    if (toggle) { attrs["data-toggle"] = "1"; attrs["aria-pressed"] = "false"; }
    var button = L.el("button", attrs, [
      L.el("span", { className: "live-choice-letter", "aria-hidden": "true", text: letter }),
      L.el("span", { className: "live-choice-text", html: html })
    ]);
    return button;
  }

  function buildControls(question) {
    var box = L.clear($("answer-controls"));
    var hint = $("answer-hint");
    var submit = $("answer-submit");
    submit.hidden = true;
    var letters = "ABCDEFGHIJKLMNOP";
    if (question.type === "single_choice") {
      hint.textContent = "Choose one answer.";
      question.choices.forEach(function (choice, i) {
        var button = choiceButton(choice.id, choice.text_html, letters[i] || "", false);
        button.addEventListener("click", function () { answer({ choice: choice.id }); });
        box.appendChild(button);
      });
    } else if (question.type === "true_false") {
      hint.textContent = "True or false?";
      [["true", "True"], ["false", "False"]].forEach(function (pair, i) {
        var button = choiceButton(pair[0], "", letters[i], false);
        button.querySelector(".live-choice-text").textContent = pair[1];
        button.addEventListener("click", function () { answer({ value: pair[0] === "true" }); });
        box.appendChild(button);
      });
    } else if (question.type === "multiple_choice") {
      hint.textContent = "Choose all that apply, then send.";
      question.choices.forEach(function (choice, i) {
        var button = choiceButton(choice.id, choice.text_html, letters[i] || "", true);
        button.addEventListener("click", function () {
          var on = button.getAttribute("aria-pressed") !== "true";
          button.setAttribute("aria-pressed", on ? "true" : "false");
          button.classList.toggle("is-chosen", on);
        });
        box.appendChild(button);
      });
      submit.hidden = false;
    } else if (question.type === "numeric" || question.type === "short_text") {
      var numeric = question.type === "numeric";
      hint.textContent = numeric ? "Type a number, then send." : "Type your answer, then send.";
      box.appendChild(L.el("label", { "for": "answer-input", className: "live-input-label", text: numeric ? "Your answer (a number)" : "Your answer" }));
      box.appendChild(L.el("input", {
        type: "text", id: "answer-input", className: "live-input", autocomplete: "off",
        inputmode: numeric ? "decimal" : "text", maxlength: numeric ? "40" : "500",
        spellcheck: "false", autocapitalize: "off", enterkeyhint: "send"
      }));
      submit.hidden = false;
    } else if (question.type === "ordering") {
      hint.textContent = "Give each item its position, 1 being first, then send.";
      question.choices.forEach(function (choice) {
        var id = "order-" + choice.id;
        var select = L.el("select", { id: id, "data-order": String(choice.id), className: "live-select" },
          [L.el("option", { value: "", text: "–" })].concat(question.choices.map(function (c, n) {
            return L.el("option", { value: String(n + 1), text: String(n + 1) });
          })));
        box.appendChild(L.el("div", { className: "order-item live-order-item" }, [
          L.el("label", { "for": id, html: choice.text_html }), select
        ]));
      });
      submit.hidden = false;
    }
  }

  $("answer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!model || !model.question) { return; }
    var type = model.question.type;
    var box = $("answer-controls");
    if (type === "multiple_choice") {
      var picked = Array.prototype.filter.call(box.querySelectorAll("[data-choice]"), function (b) {
        return b.getAttribute("aria-pressed") === "true";
      }).map(function (b) { return parseInt(b.dataset.choice, 10); });
      if (!picked.length) { drawAnswerStatus("Choose at least one answer."); return; }
      answer({ choices: picked });
    } else if (type === "numeric" || type === "short_text") {
      var text = $("answer-input").value.trim();
      if (!text) { drawAnswerStatus("Type an answer first."); $("answer-input").focus(); return; }
      answer(type === "numeric" ? { value: text } : { text: text });
    } else if (type === "ordering") {
      var ranks = [];
      var seen = {};
      var selects = box.querySelectorAll("select");
      for (var i = 0; i < selects.length; i++) {
        var position = selects[i].value;
        if (!position || seen[position]) {
          drawAnswerStatus("Give each item a different position.");
          return;
        }
        seen[position] = true;
        ranks.push([parseInt(position, 10), parseInt(selects[i].dataset.order, 10)]);
      }
      ranks.sort(function (a, b) { return a[0] - b[0]; });
      answer({ order: ranks.map(function (r) { return r[1]; }) });
    }
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
    Object.keys(phases).forEach(function (key) { L.show(phases[key], key === name); });
    root.dataset.phase = name;
    if (changed && moveFocus) { L.focusHeading(headings[name]); }
  }

  function render(moveFocus) {
    var me = model.me || {};
    $("live-score").textContent = String(me.score || 0);
    $("live-players").textContent = L.plural(model.players || 0, "player") + " in the room";
    var team = me.team !== null && me.team !== undefined ? L.teamName(model.teams, me.team) : "";
    $("live-team").textContent = team;
    L.show($("live-team-item"), !!team);
    $("live-mode").textContent = model.scoring_mode === "accuracy"
      ? "Accuracy only: a right answer scores in full, whatever the time."
      : "Speed and accuracy: the sooner a right answer comes, the more it scores.";
    var extra = L.extraText(me.extra_percent, me.extra_seconds);
    $("live-extra").textContent = extra ? "You have extra time on every question: " + extra + "." : "";
    L.show($("live-extra"), !!extra);
    var name = phaseFor(model.status);
    if (name === "question") { drawQuestion(); }
    else { countdown.stop(); }
    if (name === "review") { drawReview(); }
    if (name === "final") { drawFinal(); }
    setPhase(name, moveFocus);
  }

  function drawQuestion() {
    var question = model.question;
    var built = model.index + ":" + question.id;
    $("q-number").textContent = String(model.index + 1);
    $("q-total").textContent = String(model.total);
    if (builtFor !== built) {
      builtFor = built;
      $("q-prompt").innerHTML = question.prompt_html;  // sanitised on the server
      buildControls(question);
      $("answer-status").textContent = "";
    }
    var paused = model.status === "paused";
    L.show($("q-paused"), paused);
    var late = !!(model.me && model.me.joined_mid_question);
    L.show($("q-late"), late);
    countdown.set(model.timing, paused);
    var answered = pending && pending.index === model.index;
    var timeUp = !paused && countdown.remaining() <= 0;
    lockControls(!!answered || late || timeUp);
    markChosen();
    drawAnswerStatus();
  }

  function outcome() {
    var index = model.index;
    var frame = results[index];
    if (model.voided) {
      return { title: "Question skipped", detail: "The host skipped this question: it does not count.", tone: "neutral" };
    }
    if ((frame && frame.joined_late) || (model.me && model.me.joined_mid_question)) {
      return { title: "You joined mid-question", detail: "You'll play from the next question.", tone: "neutral" };
    }
    if (!frame && model.me && model.me.answer && model.me.answer.index === index && "correct" in model.me.answer) {
      var a = model.me.answer;
      frame = { answered: true, correct: a.correct, points: a.points, bonus: null, streak: model.me.streak };
    }
    if (!frame) {
      if (pending && pending.index === index && pending.acked) {
        return { title: "Answer revealed", detail: "Your result is on its way…", tone: "neutral" };
      }
      return { title: "Time's up", detail: "You did not answer this one.", tone: "bad" };
    }
    if (!frame.answered) {
      return { title: "Time's up", detail: "You did not answer this one. Your streak starts again.", tone: "bad" };
    }
    var points = "+" + L.plural(frame.points || 0, "point");
    if (frame.bonus) { points += ", including a " + frame.bonus + "-point streak bonus"; }
    if (frame.correct) {
      var streak = frame.streak > 1 ? " " + frame.streak + " right in a row!" : "";
      return { title: "Correct!", detail: points + "." + streak, tone: "ok" };
    }
    if (frame.points > 0) {
      return { title: "Partly right", detail: points + ". Your streak starts again.", tone: "part" };
    }
    return { title: "Not quite", detail: "No points this time. Your streak starts again.", tone: "bad" };
  }

  function drawReview() {
    var result = outcome();
    var title = $("review-title");
    title.textContent = result.title;
    title.dataset.tone = result.tone;
    $("review-points").textContent = result.detail;
    var question = model.question || { type: "", choices: [] };
    $("review-prompt").innerHTML = question.prompt_html || "";  // sanitised on the server
    var keyBox = L.clear($("review-key"));
    keyBox.appendChild(L.keyNode(question, model.reveal));
    var rows = L.barRows(question, model.distribution, model.reveal);
    var answered = model.distribution ? model.distribution.answered : 0;
    $("review-answered").textContent = L.plural(answered, "player") + " answered.";
    L.show($("review-bars-box"), rows.length > 0);
    L.drawBars($("review-bars"), rows, answered, { markCorrect: true });
    var explanation = $("review-explanation");
    explanation.innerHTML = (model.reveal && model.reveal.explanation_html) || "";
    L.show($("review-explanation-box"), !!explanation.textContent.trim());
    L.drawLeaderboard($("review-leaderboard"), model.leaderboard, model.me && model.me.player);
    L.drawTeamBoard($("review-teams"), model.team_leaderboard, model.me && model.me.team);
    L.show($("review-teams-box"), (model.team_leaderboard || []).length > 0);
    var last = model.index + 1 >= model.total;
    $("review-next").textContent = last ? "That was the last question: the final scores are next." : "Get ready for the next question…";
    var key = "review:" + model.index + ":" + result.title;
    if (root.dataset.said !== key) {
      root.dataset.said = key;
      announce(result.title + " " + result.detail);
    }
  }

  function drawFinal() {
    var me = model.me || {};
    var score = finalFrame ? finalFrame.score : me.score;
    var rank = finalFrame ? finalFrame.rank : me.rank;
    var line = "You scored " + L.plural(score || 0, "point");
    if (rank) { line = "You finished #" + rank + " of " + (model.players || rank) + " with " + L.plural(score || 0, "point"); }
    if (finalFrame) { line += " (" + L.plural(finalFrame.correct, "correct answer") + ")"; }
    $("final-rank").textContent = line + ".";
    L.drawPodium($("final-podium"), model.leaderboard);
    var teams = model.team_leaderboard || [];
    L.drawTeamBoard($("final-teams"), teams, me.team);
    L.show($("final-teams-box"), teams.length > 0);
    var mine = teams.filter(function (row) { return row.team === me.team; })[0];
    $("final-team").textContent = mine
      ? "Your team, " + mine.name + ", finished #" + mine.rank + " of " + teams.length + " with " + L.plural(mine.score, "point") + "."
      : "";
    if (root.dataset.said !== "final:" + rank) {
      root.dataset.said = "final:" + rank;
      announce("Game over. " + line + ".");
    }
  }

  socket.start();  // last: every handler above is defined by now
})();
