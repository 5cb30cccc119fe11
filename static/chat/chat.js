// HuntZen Care chat: one websocket per [data-chat] panel. No framework, no inline
// script: configuration and translated labels come from data- attributes.
(function () {
  "use strict";

  var FINAL_CODES = { 4401: "signedOut", 4403: "refused", 4404: "refused" };
  var CLOSED_CODE = 4409;
  // Every other close is retried with backoff: 4503 (the server's "unavailable, try
  // again": database, cache or channel layer down), 1006 (connection dropped: a
  // process restarted or killed, a reader too slow), 1011/1012. Messages not yet
  // confirmed are resent with their clientMessageId: the server stores each once.
  var TYPING_EVERY_MS = 3000;
  var TYPING_IDLE_MS = 5000;
  var TYPING_SHOWN_MS = 6000;
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 30000;

  function format(template) {
    var args = Array.prototype.slice.call(arguments, 1);
    return template.replace(/%s/g, function () { return String(args.shift()); });
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // In the zone the server renders every other time of the page in (data-time-zone),
  // not the device's: both participants read the same hour.
  function timeLabel(iso, zone) {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { hour: "2-digit", minute: "2-digit", timeZone: zone || undefined }).format(new Date(iso));
  }

  function Chat(root) {
    this.root = root;
    this.d = root.dataset;
    this.log = root.querySelector("[data-chat-log]");
    this.status = root.querySelector("[data-chat-status]");
    this.typing = root.querySelector("[data-chat-typing]");
    this.announce = root.querySelector("[data-chat-announce]");
    this.form = root.querySelector("[data-chat-form]");
    this.input = root.querySelector("[data-chat-input]");
    this.error = root.querySelector("[data-chat-error]");
    this.older = root.querySelector("[data-chat-older]");
    this.me = this.d.chatUser;
    this.byId = {};          // message id -> element
    this.pending = {};       // clientMessageId -> {body, element}
    this.oldestId = null;
    this.attempt = 0;
    this.socket = null;
    this.finished = false;
    this.lastTypingSent = 0;
    this.typingIdle = null;
    this.typingHide = null;
    this.bind();
    if (this.d.chatOpen === "true") { this.connect(); } else { this.closed(); }
  }

  Chat.prototype.bind = function () {
    var self = this;
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    this.input.addEventListener("input", function () { self.typed(); });
    this.older.addEventListener("click", function () {
      if (!self.oldestId) { return; }
      if (self.readOnly) { self.fetchHistory(self.oldestId); } else {
        self.send({ type: "history", before: self.oldestId });
      }
    });
    document.addEventListener("visibilitychange", function () { self.markRead(); });
  };

  Chat.prototype.setStatus = function (text, isError) {
    this.status.textContent = text;
    this.status.classList.toggle("is-error", Boolean(isError));
  };

  // --- Connection ------------------------------------------------------------------

  Chat.prototype.connect = function () {
    var self = this;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    this.setStatus(this.d.labelConnecting);
    var socket = new WebSocket(scheme + window.location.host + this.d.chatWs);
    this.socket = socket;
    socket.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      self.handle(frame);
    });
    socket.addEventListener("close", function (event) { self.onClose(event.code); });
  };

  Chat.prototype.onClose = function (code) {
    this.socket = null;
    if (this.finished) { return; }
    if (code === CLOSED_CODE) { this.closed(); return; }
    if (FINAL_CODES[code]) {
      this.finished = true;
      this.form.hidden = true;
      this.setStatus(code === 4401 ? this.d.labelSignedOut : this.d.labelRefused, true);
      return;
    }
    // Exponential backoff with jitter: 1 s, 2 s, 4 s ... 30 s.
    var delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, this.attempt));
    delay = Math.round(delay / 2 + Math.random() * delay / 2);
    this.attempt += 1;
    this.setStatus(format(this.d.labelReconnecting, Math.ceil(delay / 1000)), true);
    var self = this;
    window.setTimeout(function () { self.connect(); }, delay);
  };

  // The chat window is over (or the consultation cancelled): history stays readable.
  Chat.prototype.closed = function () {
    this.finished = true;
    this.readOnly = true;
    this.form.hidden = true;
    this.setStatus(this.d.labelClosed);
    this.fetchHistory(null);
  };

  Chat.prototype.fetchHistory = function (before) {
    var self = this;
    var url = this.d.chatHistoryUrl + (before ? "?before=" + encodeURIComponent(before) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) {
        if (page) { self.renderHistory(page.results, page.hasMore, before); }
      })
      .catch(function () { /* the status already says the chat is closed */ });
  };

  Chat.prototype.send = function (frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  // --- Frames from the server --------------------------------------------------------

  Chat.prototype.handle = function (frame) {
    switch (frame.type) {
      case "ready":
        this.attempt = 0;
        this.setStatus(this.d.labelConnected);
        break;
      case "history":
        this.renderHistory(frame.messages, frame.hasMore, frame.before);
        if (!frame.before) { this.flushPending(); }
        break;
      case "message":
        this.receive(frame);
        break;
      case "retracted":
        this.retract(frame.id);
        break;
      case "typing":
        this.showTyping(frame.active);
        break;
      case "read":
        this.showRead(frame.upTo);
        break;
      case "error":
        this.showError(frame);
        break;
      default:
        // Other frames (the consultation's live status) are for the page around the chat.
        this.root.dispatchEvent(new CustomEvent("chat:frame", { detail: frame, bubbles: true }));
    }
  };

  Chat.prototype.renderHistory = function (messages, hasMore, before) {
    var self = this;
    if (!before) {
      this.log.textContent = "";
      this.byId = {};
    }
    var anchor = before ? this.log.firstChild : null;
    messages.forEach(function (message) {
      // Sent before a disconnect and stored: no longer pending, nothing to resend.
      var pending = message.sender === self.me && self.pending[message.clientMessageId];
      if (pending) {
        if (pending.element.parentNode) { pending.element.remove(); }
        delete self.pending[message.clientMessageId];
      }
      if (self.byId[message.id]) { return; }
      var element = self.render(message);
      self.log.insertBefore(element, anchor);
    });
    if (this.readUpTo && this.byId[this.readUpTo]) { this.showRead(this.readUpTo); }
    if (messages.length) { this.oldestId = messages[0].id; }
    this.older.hidden = !hasMore;
    if (!before) {
      // Messages written while disconnected stay on screen until they are sent.
      Object.keys(this.pending).forEach(function (id) { self.log.appendChild(self.pending[id].element); });
      if (!this.log.firstChild) {
        var empty = document.createElement("li");
        empty.className = "chat-empty";
        empty.textContent = this.d.labelEmpty;
        this.log.appendChild(empty);
      }
      this.log.scrollTop = this.log.scrollHeight;
      this.markRead();
    }
  };

  Chat.prototype.render = function (message, pending) {
    var mine = message.sender === this.me;
    var item = document.createElement("li");
    item.className = "chat-msg" + (mine ? " is-mine" : "");
    var body = document.createElement("p");
    body.className = "chat-msg-body";
    body.textContent = message.body === null ? this.d.labelUnreadable : message.body;
    var meta = document.createElement("p");
    meta.className = "chat-msg-meta";
    var who = document.createElement("span");
    who.textContent = mine ? this.d.nameSelf : this.d.nameOther;
    var when = document.createElement("span");
    when.setAttribute("data-chat-when", "");
    if (pending) {
      when.textContent = this.d.labelSending;
    } else {
      var time = document.createElement("time");
      time.dateTime = message.createdAt;
      time.textContent = timeLabel(message.createdAt, this.d.timeZone);
      when.appendChild(time);
      item.dataset.id = message.id;
      this.byId[message.id] = item;
    }
    meta.appendChild(who);
    meta.appendChild(when);
    item.appendChild(body);
    item.appendChild(meta);
    return item;
  };

  // At least once: a resend after a reconnect is broadcast again; one id shows once.
  // The other participant's message may arrive before the server committed it: a
  // "retracted" frame then takes it back (retract).
  Chat.prototype.receive = function (message) {
    var confirmed = message.sender === this.me && this.pending[message.clientMessageId];
    if (this.byId[message.id]) {
      if (confirmed) {
        confirmed.element.remove();
        delete this.pending[message.clientMessageId];
      }
      return;
    }
    var empty = this.log.querySelector(".chat-empty");
    if (empty) { empty.remove(); }
    var element = this.render(message);
    var pending = message.sender === this.me && this.pending[message.clientMessageId];
    if (pending) {
      this.log.replaceChild(element, pending.element);
      delete this.pending[message.clientMessageId];
    } else {
      this.log.appendChild(element);
    }
    this.log.scrollTop = this.log.scrollHeight;
    if (message.id === this.readUpTo) { this.showRead(message.id); }
    if (message.sender !== this.me) {
      this.showTyping(false);
      this.announce.textContent = format(this.d.labelNewMessage, this.d.nameOther,
        message.body === null ? this.d.labelUnreadable : message.body);
      this.markRead();
    }
  };

  // Shown before its commit, then not stored (the server's commit failed): removed. Its
  // sender's client still has it pending and resends it; it comes back under the same id.
  // (The sender's own pending copy carries no id yet: it stays, "sending".)
  Chat.prototype.retract = function (id) {
    var element = this.byId[id];
    if (!element) { return; }
    element.remove();
    delete this.byId[id];
    if (this.lastReadSent === id) { this.lastReadSent = null; }
  };

  Chat.prototype.showTyping = function (active) {
    var self = this;
    window.clearTimeout(this.typingHide);
    this.typing.textContent = active ? format(this.d.labelTyping, this.d.nameOther) : "";
    if (active) {
      this.typingHide = window.setTimeout(function () { self.typing.textContent = ""; }, TYPING_SHOWN_MS);
    }
  };

  // The other participant's receipt can overtake this page's own confirmation (her page
  // shows a message on receipt, this one learns its id on commit): the receipt is kept
  // and shown when that id arrives (receive, renderHistory).
  Chat.prototype.showRead = function (upTo) {
    this.readUpTo = upTo;
    var element = this.byId[upTo];
    if (!element || element.querySelector("[data-chat-read]")) { return; }
    var previous = this.log.querySelector("[data-chat-read]");
    if (previous) { previous.remove(); }
    var mark = document.createElement("span");
    mark.setAttribute("data-chat-read", "");
    mark.textContent = this.d.labelRead;
    element.querySelector(".chat-msg-meta").appendChild(mark);
  };

  Chat.prototype.showError = function (frame) {
    var pending = frame.clientMessageId && this.pending[frame.clientMessageId];
    if (frame.code === "unavailable") {
      this.setStatus(this.d.labelUnavailable, true);
      return;
    }
    if (pending) {
      this.fail(frame.clientMessageId, frame.message);
    } else {
      this.error.textContent = frame.message;
    }
  };

  // --- Sending ---------------------------------------------------------------------

  Chat.prototype.submit = function () {
    var body = this.input.value;
    this.error.textContent = "";
    if (!body.trim()) { return; }
    var clientMessageId = newClientId();
    var element = this.render({ sender: this.me, body: body }, true);
    var empty = this.log.querySelector(".chat-empty");
    if (empty) { empty.remove(); }
    this.log.appendChild(element);
    this.log.scrollTop = this.log.scrollHeight;
    this.pending[clientMessageId] = { body: body, element: element };
    this.input.value = "";
    this.send({ type: "message", body: body, clientMessageId: clientMessageId });
    window.clearTimeout(this.typingIdle);
    this.lastTypingSent = 0;
    this.send({ type: "typing", active: false });
  };

  // After (re)connecting: resend what was never confirmed; the same client id makes the
  // server store it once.
  Chat.prototype.flushPending = function () {
    var self = this;
    Object.keys(this.pending).forEach(function (clientMessageId) {
      var item = self.pending[clientMessageId];
      if (item.failed) { return; }
      self.send({ type: "message", body: item.body, clientMessageId: clientMessageId });
    });
  };

  Chat.prototype.fail = function (clientMessageId, reason) {
    var self = this;
    var item = this.pending[clientMessageId];
    item.failed = true;
    item.element.classList.add("is-failed");
    var when = item.element.querySelector("[data-chat-when]");
    when.textContent = this.d.labelFailed + " : " + reason + " ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = this.d.labelRetry;
    retry.addEventListener("click", function () {
      item.failed = false;
      item.element.classList.remove("is-failed");
      when.textContent = self.d.labelSending;
      self.send({ type: "message", body: item.body, clientMessageId: clientMessageId });
    });
    when.appendChild(retry);
  };

  Chat.prototype.typed = function () {
    var self = this;
    var now = Date.now();
    if (now - this.lastTypingSent > TYPING_EVERY_MS) {
      this.lastTypingSent = now;
      this.send({ type: "typing", active: true });
    }
    window.clearTimeout(this.typingIdle);
    this.typingIdle = window.setTimeout(function () {
      self.lastTypingSent = 0;
      self.send({ type: "typing", active: false });
    }, TYPING_IDLE_MS);
  };

  Chat.prototype.markRead = function () {
    if (document.visibilityState !== "visible") { return; }
    var items = this.log.querySelectorAll(".chat-msg:not(.is-mine)[data-id]");
    if (!items.length) { return; }
    var last = items[items.length - 1].dataset.id;
    if (last !== this.lastReadSent && this.send({ type: "read", upTo: last })) {
      this.lastReadSent = last;
    }
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chat]"), function (root) {
      if (!root.chat) { root.chat = new Chat(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
