// Forecourt's small bit of JavaScript. Every page works without it; this only tunes htmx.
if (window.htmx) {
  // Pages allow no inline styles (Content-Security-Policy): htmx must not add its own <style>.
  // Set before htmx starts, which is at DOMContentLoaded.
  htmx.config.includeIndicatorStyles = false;
  // Nothing of ours needs htmx to evaluate code from attributes (hx-on, js: values).
  htmx.config.allowEval = false;
}
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  // A form with errors answers 422 with the page and its errors: show it like any answer.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true },
  ];
});
// A part of a page that refreshes itself (hx-trigger="every …") gives a request up after 10 s: on
// a phone between masts a request can be lost and never answered, and every later refresh would
// wait behind it, leaving the thread or the badge as it was. The next beat asks again.
var REFRESH_TIMEOUT_MS = 10000;
document.addEventListener("htmx:configRequest", function (event) {
  var trigger = event.detail.elt.getAttribute("hx-trigger") || "";
  if (event.detail.verb === "get" && /^every /.test(trigger)) event.detail.timeout = REFRESH_TIMEOUT_MS;
});
