/* Opens /ws/system/, pings through the channel layer and shows the round trip. */
(function () {
  "use strict";
  var panel = document.getElementById("ws-status");
  if (!panel || !("WebSocket" in window)) { return; }
  var text = document.getElementById("ws-status-text");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + panel.dataset.wsPath);
  var sentAt = 0;
  function set(state, message) {
    panel.dataset.state = state;
    text.textContent = message;
  }
  socket.addEventListener("open", function () {
    sentAt = performance.now();
    socket.send(JSON.stringify({ type: "ping", nonce: String(Date.now()) }));
  });
  socket.addEventListener("message", function (event) {
    var data = JSON.parse(event.data);
    if (data.type === "hello") {
      panel.dataset.layer = data.layer;
    } else if (data.type === "pong") {
      var ms = (performance.now() - sentAt).toFixed(1);
      set("ok", "Connected: ping → " + (panel.dataset.layer || "channel layer") + " → pong in " + ms + " ms.");
    }
  });
  socket.addEventListener("error", function () { set("down", "The websocket could not connect."); });
  socket.addEventListener("close", function (event) {
    if (panel.dataset.state !== "ok") { set("down", "The websocket closed (code " + event.code + ")."); }
  });
})();
