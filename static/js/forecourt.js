// Forecourt's small bit of JavaScript. Every page works without it; this only tunes htmx.
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
