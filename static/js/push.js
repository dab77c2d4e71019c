// Web push alerts: registers the service worker (/sw.js) on every page, and on the notification
// preferences screen turns alerts on for this browser. Every page works without it.
(function () {
  "use strict";

  var SUBSCRIBE_TIMEOUT_MS = 20000;
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function register() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return null;
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      return null;
    });
  }

  function applicationServerKey(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, key) {
    // A subscription made for another server key (the installation's key was replaced) is refused
    // by the push service: it is renewed rather than sent again.
    var given = subscription.options && subscription.options.applicationServerKey;
    if (!given) return true;
    var a = new Uint8Array(given);
    var b = applicationServerKey(key);
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function isIos() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function whyNot() {
    // Why this browser cannot take alerts, in words a salesperson can act on; "" when it can.
    if (!window.isSecureContext) return "Alerts need Forecourt to be opened over https.";
    if (supported) return "";
    if (isIos()) {
      return "On an iPhone or iPad, alerts work once Forecourt is on the home screen: tap Share, then " +
        "\u201cAdd to Home Screen\u201d, open Forecourt from the home screen and turn alerts on there.";
    }
    return "This browser cannot receive alerts. Try Chrome, Edge, Firefox or Safari.";
  }

  function setup(panel) {
    var button = panel.querySelector("[data-push-enable]");
    var status = panel.querySelector("[data-push-status]");
    var key = panel.getAttribute("data-vapid-key");
    var url = panel.getAttribute("data-subscribe-url");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");

    function say(text, kind) {
      status.textContent = text;
      status.className = "push-status" + (kind ? " push-status-" + kind : "");
    }

    var reason = whyNot();
    if (reason) {
      button.disabled = true;
      say(reason, "warning");
      return;
    }
    if (Notification.permission === "denied") {
      say("Alerts are blocked for this site. Allow notifications for it in the browser's site settings, then reload.", "warning");
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (existing) {
      if (!existing) return;
      var here = panel.querySelector('[data-endpoint="' + CSS.escape(existing.endpoint) + '"]');
      if (here) {
        here.classList.add("this-device");
        var mark = here.querySelector("[data-this-device]");
        if (mark) mark.hidden = false;
        say("Alerts are on for this device.", "ok");
      }
    });

    button.addEventListener("click", function () {
      button.disabled = true;
      say("Asking the browser\u2026");
      Notification.requestPermission().then(function (permission) {
        if (permission === "denied") {
          throw new Error("Alerts are blocked for this site. Allow notifications for it in the browser's site settings, then try again.");
        }
        if (permission !== "granted") {
          throw new Error("Alerts were not turned on: the browser asked for permission and it was not given.");
        }
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        function subscribe() {
          var asked = registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: applicationServerKey(key),
          });
          // A browser that cannot reach its push service may never answer: say so rather than wait.
          var late = new Promise(function (resolve, reject) {
            window.setTimeout(function () {
              reject(new Error("The browser's push service did not answer. Check this device's connection and try again."));
            }, SUBSCRIBE_TIMEOUT_MS);
          });
          return Promise.race([asked, late]);
        }
        return registration.pushManager.getSubscription().then(function (existing) {
          if (!existing) return subscribe();
          if (sameKey(existing, key)) return existing;
          return existing.unsubscribe().then(subscribe);
        });
      }).then(function (subscription) {
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
          body: JSON.stringify(subscription.toJSON()),
        });
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) throw new Error(answer.error || "The server did not keep this device (HTTP " + response.status + ").");
          return answer;
        });
      }).then(function () {
        // The list of devices and the test button come from the server: show them.
        window.location.reload();
      }).catch(function (error) {
        button.disabled = false;
        var text = error && error.message ? error.message : "Alerts could not be turned on.";
        // A DOMException (AbortError, NotAllowedError…) is the browser's or its push service's refusal.
        if (error && error.name && error.name !== "Error") text = "The browser's push service refused: " + text;
        say(text, "warning");
      });
    });
  }

  register();
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-push-panel]");
    if (panel) setup(panel);
  });
})();
