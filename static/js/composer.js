// The composer's character and segment counter, and the Text button that opens the composer.
// conversations/segments.py counts the same way on the server (tests hold both to one rule).
(function () {
  if (window.forecourtComposer) return; // the lead page may be swapped in again by htmx
  window.forecourtComposer = true;
  document.documentElement.classList.add("js");

  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  function count(body) {
    var chars = Array.from(body);
    var gsm = chars.every(function (ch) { return BASIC.indexOf(ch) >= 0 || EXTENDED.indexOf(ch) >= 0; });
    var units, single, each;
    if (gsm) {
      units = chars.reduce(function (n, ch) { return n + (EXTENDED.indexOf(ch) >= 0 ? 2 : 1); }, 0);
      single = 160; each = 153;
    } else {
      units = body.length; // UTF-16 code units: an emoji takes two
      single = 70; each = 67;
    }
    var segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / each);
    // Python's len() counts code points, as Array.from does.
    var n = chars.length;
    return (segments === 1 ? "1 segment" : segments + " segments") + ", " +
      (n === 1 ? "1 character" : n + " characters") + (gsm ? "" : " (special characters: 70 a segment)");
  }
  window.forecourtCount = count;

  function refresh(area) {
    var target = document.getElementById(area.getAttribute("data-counter"));
    if (target) target.textContent = count(area.value);
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    if (area.matches && area.matches("textarea[data-counter]")) refresh(area);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-counter]").forEach(refresh);
    scrollThreads();
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-focus]");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("data-focus"));
    if (!field) return;
    event.preventDefault();
    var closed = field.closest("details:not([open])");
    if (closed) closed.open = true;
    field.scrollIntoView({ block: "center" });
    field.focus();
  });

  // The newest message is at the bottom: show it.
  function scrollThreads() {
    document.querySelectorAll(".thread").forEach(function (thread) { thread.scrollTop = thread.scrollHeight; });
  }
  document.addEventListener("htmx:afterSettle", scrollThreads);
  // A lead page left open in a background tab stops asking; it catches up within 5 s of coming back.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt && event.detail.elt.id === "thread") event.preventDefault();
  });
})();
