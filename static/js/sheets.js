// The dashboard's quick-action sheets. A quick action (Text, Email, Book) loads its form by htmx
// into the one <dialog> of the page, which then opens; without JavaScript the same links open a page.
document.addEventListener("DOMContentLoaded", function () {
  var dialog = document.getElementById("quick-sheet");
  if (!dialog || !window.htmx || typeof dialog.showModal !== "function") return;

  function say(text) {
    var box = document.getElementById("messages");
    if (!box) return;
    var list = document.createElement("ul");
    list.className = "messages";
    var item = document.createElement("li");
    item.className = "message success";
    item.textContent = text;
    list.appendChild(item);
    box.replaceChildren(list);
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "quick-sheet-body" && !dialog.open) {
      dialog.showModal();
      var first = dialog.querySelector("textarea, input:not([type=hidden]), select");
      if (first) first.focus();
    }
  });

  dialog.addEventListener("click", function (event) {
    // The close buttons, and a tap on the backdrop around the sheet.
    if (event.target === dialog || event.target.closest("[data-sheet-close]")) dialog.close();
  });

  dialog.addEventListener("close", function () {
    document.getElementById("quick-sheet-body").replaceChildren();
  });

  // A text or email sent from the sheet: the thread answers 200 when it is queued, 422 with the
  // reason (shown in the sheet) when it cannot go.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-quick-send]")) return;
    if (event.detail.xhr && event.detail.xhr.status === 200) {
      var done = form.getAttribute("data-quick-send");
      dialog.close();
      say(done);
    }
  });
});
