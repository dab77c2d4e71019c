// The Inventory screens: the progress bar while the worker reads or applies a file, and the
// composer's "listing link" buttons, which put a vehicle's listing address into the text.
(function () {
  if (window.forecourtInventory) return; // the lead page may be swapped in again by htmx
  window.forecourtInventory = true;

  function poll(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = document.getElementById("upload-progress");
    var text = document.getElementById("upload-progress-text");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (state) {
        if (!state.working) { window.location.reload(); return; }
        if (state.status === "received" && bar) {
          bar.value = state.percent;
          bar.textContent = state.percent + "%";
          if (text) text.textContent = state.rows_checked.toLocaleString() + " of about " +
            state.rows_total.toLocaleString() + " rows read.";
        }
        window.setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 3000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-progress-url]");
    if (box) window.setTimeout(function () { poll(box); }, 500);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-insert-link]");
    if (!button) return;
    var area = document.getElementById(button.getAttribute("data-insert-into"));
    if (!area) return;
    event.preventDefault();
    var link = button.getAttribute("data-insert-link");
    var start = area.selectionStart == null ? area.value.length : area.selectionStart;
    var end = area.selectionEnd == null ? area.value.length : area.selectionEnd;
    var before = area.value.slice(0, start);
    var after = area.value.slice(end);
    var pad = before && !/\s$/.test(before) ? " " : "";
    var tail = after && !/^\s/.test(after) ? " " : "";
    area.value = before + pad + link + tail + after;
    var caret = (before + pad + link).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true })); // the counter recounts
  });
})();
