{% load static %}
// Forecourt's service worker (served at /sw.js so that it covers the whole site). It shows the web
// push alerts the server sends and opens the page an alert is about when it is tapped. It caches
// nothing: every page comes from the server, as it does without it.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function sameSite(url) {
  // Only pages of this site are opened, whatever a payload says.
  try {
    var target = new URL(url || "/", self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", function (event) {
  var alert = {};
  if (event.data) {
    try {
      alert = event.data.json();
    } catch (error) {
      alert = { body: event.data.text() };
    }
  }
  var options = {
    body: alert.body || "",
    icon: "{% static 'icons/forecourt-192.png' %}",
    badge: "{% static 'icons/forecourt-badge-96.png' %}",
    data: { url: sameSite(alert.url) },
  };
  if (alert.tag) {
    options.tag = alert.tag; // a newer alert about the same thing replaces the older one…
    options.renotify = true; // …and still buzzes
  }
  event.waitUntil(self.registration.showNotification(alert.title || "Forecourt", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = sameSite(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
