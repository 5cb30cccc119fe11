// The consultation room (templates/consultations/room.html): the countdown and the
// camera check before the window, the Jitsi video with a fallback when its script
// cannot load, and the live status pushed over the chat's socket (consultations.live,
// re-dispatched by chat.js as "chat:frame" events). No inline script: configuration and
// translated labels come from data- attributes.
(function () {
  "use strict";

  var LOAD_TIMEOUT_MS = 15000;
  var TERMINAL = { ended: true, cancelled: true, no_show: true };

  function format(template) {
    var args = Array.prototype.slice.call(arguments, 1);
    return template.replace(/%s/g, function () { return String(args.shift()); });
  }

  // 24-hour, in the zone of every other time on the page (as the server writes them).
  function timeLabel(iso, zone) {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone || undefined })
      .format(new Date(iso));
  }

  function durationLabel(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (hours) { return hours + " h " + (minutes < 10 ? "0" : "") + minutes; }
    if (minutes >= 10) { return minutes + " min"; }
    if (minutes) { return minutes + " min " + (rest < 10 ? "0" : "") + rest + " s"; }
    return rest + " s";
  }

  // --- Before the window: the countdown, then the page opens itself ------------------
  // The window's opening is computed here from opensAt (no socket is open before it:
  // the chat opens with the room); at that moment the page reloads into the room.

  function countdown(root) {
    var node = root.querySelector("[data-room-countdown]");
    var opensAt = Date.parse(root.dataset.opensAt);
    if (!node || isNaN(opensAt)) { return; }
    function tick() {
      var left = opensAt - Date.now();
      if (left <= 0) {
        node.textContent = "";
        root.querySelector("[data-room-status]").textContent = root.dataset.labelOpening;
        window.location.reload();
        return;
      }
      node.textContent = "(" + format(root.dataset.labelCountdown, durationLabel(left)) + ")";
      window.setTimeout(tick, left > 120000 ? 15000 : 1000);
    }
    tick();
  }

  function mediaCheck(root) {
    var box = root.querySelector("[data-media-check]");
    if (!box) { return; }
    var button = box.querySelector("[data-media-check-start]");
    var preview = box.querySelector("[data-media-preview]");
    var result = box.querySelector("[data-media-result]");
    button.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        result.textContent = box.dataset.labelMissing;
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
        preview.srcObject = stream;
        preview.hidden = false;
        preview.play().catch(function () { /* muted preview; nothing to do */ });
        result.textContent = box.dataset.labelOk;
        // A check only: the devices are released after a while; Jitsi asks again.
        window.setTimeout(function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          preview.hidden = true;
        }, 20000);
      }, function (error) {
        var missing = error && (error.name === "NotFoundError" || error.name === "OverconstrainedError");
        result.textContent = missing ? box.dataset.labelMissing : box.dataset.labelDenied;
      });
    });
  }

  // --- In the window: the Jitsi video ---------------------------------------------------

  var jitsi = null;

  function startVideo() {
    var node = document.getElementById("jitsi-room");
    if (!node) { return; }
    var data = node.dataset;
    var failed = document.querySelector("[data-video-failed]");
    var loading = node.querySelector("[data-video-loading]");
    var done = false;
    function fail() {
      if (done) { return; }
      done = true;
      if (loading) { loading.remove(); }
      node.hidden = true;
      failed.hidden = false;
    }
    function start() {
      if (done) { return; }
      if (typeof window.JitsiMeetExternalAPI !== "function") { fail(); return; }
      done = true;
      if (loading) { loading.remove(); }
      var config = JSON.parse(document.getElementById("jitsi-config").textContent);
      var options = {
        roomName: data.room,
        parentNode: node,
        width: "100%",
        height: "100%",
        lang: data.lang,
        userInfo: { displayName: data.name },
        configOverwrite: config,
        interfaceConfigOverwrite: { SHOW_JITSI_WATERMARK: false }
      };
      if (data.jwt) { options.jwt = data.jwt; }
      try {
        jitsi = new window.JitsiMeetExternalAPI(data.domain, options);
      } catch (e) {
        done = false;
        fail();
      }
    }
    var script = document.createElement("script");
    script.src = data.script;
    script.async = true;
    script.addEventListener("load", start);
    script.addEventListener("error", fail);
    document.head.appendChild(script);
    window.setTimeout(function () { if (!done) { fail(); } }, LOAD_TIMEOUT_MS);
  }

  function stopVideo() {
    if (jitsi) {
      try { jitsi.dispose(); } catch (e) { /* already gone */ }
      jitsi = null;
    }
  }

  // --- Live status ------------------------------------------------------------------------

  function onStatus(root, frame) {
    var status = root.querySelector("[data-room-status]");
    var d = root.dataset;
    if (frame.event === "joined") {
      if (frame.who === d.me || d.roomStatusNow !== "scheduled") { return; }
      status.textContent = frame.who === "employee" ? d.labelJoinedEmployee : d.labelJoinedPractitioner;
      return;
    }
    d.roomStatusNow = frame.status;
    if (frame.event === "started") {
      status.textContent = format(d.labelStarted, timeLabel(frame.startedAt, d.timeZone));
      return;
    }
    if (!TERMINAL[frame.event]) { return; }
    if (frame.event === "ended") {
      status.textContent = format(d.labelEnded, frame.durationMinutes);
      var reminder = root.querySelector("[data-room-note-reminder]");
      if (reminder) { reminder.hidden = false; }
    } else {
      status.textContent = frame.event === "cancelled" ? d.labelCancelled : d.labelNoShow;
    }
    stopVideo();
    Array.prototype.forEach.call(root.querySelectorAll("[data-room-live]"), function (node) {
      node.hidden = true;
    });
    root.classList.remove("room-open");
    root.classList.add("room-over");
    root.dataset.roomState = "over";
  }

  function start() {
    var root = document.querySelector("[data-room]");
    if (!root) { return; }
    if (root.dataset.roomState === "before") {
      countdown(root);
      mediaCheck(root);
      return;
    }
    root.addEventListener("chat:frame", function (event) {
      if (event.detail && event.detail.type === "status") { onStatus(root, event.detail); }
    });
    if (root.dataset.roomState === "open") { startVideo(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
