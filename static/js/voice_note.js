// A voice note for the email composer: recorded in the browser with MediaRecorder, played back,
// and put in the form's "voice" file field, so it is uploaded with the email like a chosen file.
// Browsers without MediaRecorder keep the plain file field (a phone can record a memo there).
(function () {
  if (window.forecourtVoiceNote) return; // the lead page may be swapped in again by htmx
  window.forecourtVoiceNote = true;

  var recorder = null;
  var chunks = [];

  function parts() {
    return {
      box: document.getElementById("voice-recorder"),
      record: document.getElementById("voice-record"),
      stop: document.getElementById("voice-stop"),
      discard: document.getElementById("voice-discard"),
      preview: document.getElementById("voice-preview"),
      status: document.getElementById("voice-status"),
      field: document.getElementById("composer-voice"),
    };
  }

  function canRecord() {
    return !!(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.DataTransfer);
  }

  function setUp() {
    var p = parts();
    if (!p.box || !canRecord()) return;
    p.box.hidden = false;
  }

  function say(text) {
    var p = parts();
    if (p.status) p.status.textContent = text;
  }

  function start() {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var p = parts();
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (event) { if (event.data.size) chunks.push(event.data); });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        keep(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
      });
      recorder.start();
      p.record.hidden = true;
      p.stop.hidden = false;
      say("Recording… tap Stop when you are done.");
    }).catch(function () {
      say("The microphone could not be used. Allow it in the browser, or attach a recording below.");
      var p = parts();
      p.box.hidden = true;
    });
  }

  function keep(blob) {
    var p = parts();
    var type = blob.type.split(";")[0] || "audio/webm";
    var extension = type.indexOf("ogg") >= 0 ? "ogg" : type.indexOf("mp4") >= 0 ? "m4a" : "webm";
    var file = new File([blob], "voice-note." + extension, { type: type });
    var files = new DataTransfer();
    files.items.add(file);
    p.field.files = files.files;
    p.preview.src = URL.createObjectURL(blob);
    p.preview.hidden = false;
    p.stop.hidden = true;
    p.record.hidden = false;
    p.record.textContent = "Record again";
    p.discard.hidden = false;
    say("Voice note ready (" + Math.max(1, Math.round(blob.size / 1024)) + " KB): it goes with the email.");
  }

  function discard() {
    var p = parts();
    p.field.value = "";
    p.preview.removeAttribute("src");
    p.preview.hidden = true;
    p.discard.hidden = true;
    p.record.textContent = "Record a voice note";
    say("");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.id) return;
    if (target.id === "voice-record") start();
    else if (target.id === "voice-stop" && recorder && recorder.state !== "inactive") recorder.stop();
    else if (target.id === "voice-discard") discard();
  });
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:afterSettle", setUp);
})();
