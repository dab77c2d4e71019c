// Forecourt live chat: the widget a dealer's website shows. Plain JavaScript, no dependencies.
// It draws itself inside a shadow root, so the website's CSS and ours never meet, and talks to
// Forecourt's chat endpoint only; the visitor's token is kept in this website's localStorage.
(function () {
  "use strict";
  var config = window.forecourtChat;
  if (!config || window.forecourtChatStarted) return;
  if (config.origins.indexOf(window.location.origin) < 0) {
    if (window.console) console.warn("Forecourt chat: " + window.location.origin + " is not one of " + config.name + "'s chat websites (dealership settings).");
    return;
  }
  window.forecourtChatStarted = true;

  var endpoint = config.base + "/chat/" + config.slug + "/messages";
  var storeKey = "forecourt-chat:" + config.slug;
  var POLL_MS = 3000;
  var token = read("token");
  var lastId = 0;
  var shown = {};
  var polling = null;
  var unread = 0;
  var seen = parseInt(read("seen") || "0", 10) || 0; // the newest message the visitor has had open

  function read(name) {
    try { return window.localStorage.getItem(storeKey + ":" + name) || ""; } catch (e) { return ""; }
  }
  function write(name, value) {
    try {
      if (value) window.localStorage.setItem(storeKey + ":" + name, value);
      else window.localStorage.removeItem(storeKey + ":" + name);
    } catch (e) { /* private mode: the chat lasts as long as the page */ }
  }

  var CSS =
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:24px;padding:12px 20px;" +
    "background:#0b57d0;color:#fff;font-size:16px;font-weight:600;box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer}" +
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:360px;max-width:calc(100vw - 16px);" +
    "height:520px;max-height:calc(100vh - 32px);display:flex;flex-direction:column;background:#fff;color:#1f1f1f;" +
    "border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.35);overflow:hidden}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}" +
    "[hidden]{display:none!important}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;background:#0b57d0;color:#fff}" +
    "header h2{margin:0;font-size:17px;font-weight:600}" +
    ".close{border:0;background:transparent;color:#fff;font-size:26px;line-height:1;padding:4px 8px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;margin:0;padding:12px;list-style:none;background:#f4f6f8}" +
    ".msg{max-width:85%;margin:0 0 10px;padding:8px 12px;border-radius:14px;font-size:15px;line-height:1.4;" +
    "white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".msg small{display:block;font-size:12px;opacity:.75;margin-bottom:2px}" +
    ".you{margin-left:auto;background:#0b57d0;color:#fff;border-bottom-right-radius:4px}" +
    ".dealer{background:#fff;border:1px solid #dde1e6;border-bottom-left-radius:4px}" +
    ".intro{font-size:15px;margin:0 0 10px;color:#444}" +
    "form{padding:10px 12px 12px;border-top:1px solid #dde1e6;background:#fff}" +
    "label{display:block;font-size:13px;color:#444;margin:6px 0 2px}" +
    "input,textarea{width:100%;font-size:16px;padding:8px 10px;border:1px solid #b8bfc7;border-radius:8px;color:#1f1f1f;background:#fff}" +
    "textarea{resize:none;height:64px}" +
    ".row{display:flex;gap:8px}.row>div{flex:1;min-width:0}" +
    ".send{margin-top:8px;width:100%;border:0;border-radius:8px;padding:11px;background:#0b57d0;color:#fff;font-size:16px;font-weight:600;cursor:pointer}" +
    ".send:disabled{opacity:.6}" +
    ".problem{color:#b3261e;font-size:14px;margin:6px 0 0}";

  var host = document.createElement("div");
  host.id = "forecourt-chat";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  // A constructed stylesheet needs no 'unsafe-inline' in the website's Content-Security-Policy.
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var launcher = el("button", { type: "button", class: "launcher", id: "chat-open" }, "Chat with us");
  var panel = el("section", { class: "panel", role: "dialog", "aria-label": "Chat with " + config.name });
  panel.hidden = true;
  var header = el("header");
  header.appendChild(el("h2", {}, config.name));
  var close = el("button", { type: "button", class: "close", id: "chat-close", "aria-label": "Close the chat" }, "×");
  header.appendChild(close);
  var log = el("ol", { class: "log", id: "chat-log", "aria-live": "polite" });
  var intro = el("p", { class: "intro", id: "chat-intro" }, "Hi! Ask us anything. Please leave your name and a phone number or email, so we can answer even if you step away.");
  log.appendChild(intro);
  var form = el("form", { id: "chat-form", novalidate: "" });
  var contact = el("div", { id: "chat-contact" });
  function field(name, label, type, auto) {
    var wrap = el("div");
    wrap.appendChild(el("label", { for: "chat-" + name }, label));
    wrap.appendChild(el("input", { id: "chat-" + name, name: name, type: type, autocomplete: auto, maxlength: "100" }));
    return wrap;
  }
  contact.appendChild(field("name", "Your name", "text", "name"));
  var row = el("div", { class: "row" });
  row.appendChild(field("phone", "Mobile number", "tel", "tel"));
  row.appendChild(field("email", "or email", "email", "email"));
  contact.appendChild(row);
  form.appendChild(contact);
  form.appendChild(el("label", { for: "chat-body" }, "Message"));
  form.appendChild(el("textarea", { id: "chat-body", name: "body", maxlength: "2000", required: "" }));
  var problem = el("p", { class: "problem", id: "chat-problem", role: "alert" });
  form.appendChild(problem);
  var send = el("button", { type: "submit", class: "send", id: "chat-send" }, "Send");
  form.appendChild(send);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  function $(id) { return root.querySelector ? root.querySelector("#" + id) : document.getElementById(id); }

  function showContact() { contact.hidden = !!token; }

  function markSeen() {
    if (lastId > seen) {
      seen = lastId;
      write("seen", String(seen));
    }
  }

  function add(message) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    lastId = Math.max(lastId, message.id);
    var item = el("li", { class: "msg " + (message.from === "you" ? "you" : "dealer"), "data-id": String(message.id) });
    item.appendChild(el("small", {}, message.name));
    item.appendChild(document.createTextNode(message.body));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    if (!panel.hidden) markSeen();
    else if (message.from !== "you" && message.id > seen) {
      unread += 1;
      launcher.textContent = unread === 1 ? "1 new message" : unread + " new messages";
    }
  }

  function call(method, url, body) {
    var headers = {};
    if (token) headers["X-Chat-Visitor"] = token;
    if (body) headers["Content-Type"] = "application/json";
    return fetch(url, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, credentials: "omit" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) { return { status: response.status, data: data }; });
      });
  }

  function forget() {
    token = "";
    write("token", "");
    write("seen", "");
    seen = 0;
    showContact();
  }

  function poll() {
    if (!token || document.hidden) return;
    call("GET", endpoint + "?after=" + lastId).then(function (answer) {
      if (answer.status === 200) (answer.data.messages || []).forEach(add);
      else if (answer.status === 403) forget();
    }).catch(function () { /* offline for a moment: the next poll catches up */ });
  }

  function startPolling() {
    if (!polling) polling = window.setInterval(poll, POLL_MS);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = $("chat-body").value;
    var payload = { body: body };
    if (!token) {
      payload.name = $("chat-name").value;
      payload.phone = $("chat-phone").value;
      payload.email = $("chat-email").value;
    }
    problem.textContent = "";
    send.disabled = true;
    call("POST", endpoint, payload).then(function (answer) {
      send.disabled = false;
      if (answer.status === 201) {
        $("chat-body").value = "";
        if (answer.data.visitor) {
          token = answer.data.visitor;
          write("token", token);
          showContact();
          startPolling();
        }
        (answer.data.messages || []).forEach(add);
        if (answer.data.message) add(answer.data.message);
        return;
      }
      var error = answer.data.error || {};
      if (error.code === "unknown_visitor") forget();
      // Nothing typed is lost: the message stays in the box to send again.
      problem.textContent = error.message || "The message could not be sent; please try again.";
    }).catch(function () {
      send.disabled = false;
      problem.textContent = "No connection; your message is still here, please try again.";
    });
  });

  function open() {
    panel.hidden = false;
    launcher.hidden = true;
    unread = 0;
    launcher.textContent = "Chat with us";
    markSeen();
    write("open", "1");
    poll();
    (token ? $("chat-body") : $("chat-name")).focus();
  }
  launcher.addEventListener("click", open);
  close.addEventListener("click", function () {
    panel.hidden = true;
    launcher.hidden = false;
    write("open", "");
  });
  document.addEventListener("visibilitychange", poll);

  function mount() {
    document.body.appendChild(host);
    showContact();
    if (token) {
      startPolling();
      poll();
    }
    if (read("open")) open();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
