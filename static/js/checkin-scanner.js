/* The check-in scanner: keeps the camera open, decodes QR codes with the vendored jsQR,
   posts each one to the workspace and shows the answer. Texts come from the page's
   data-text-* attributes (translated there); no sound, the result is announced through
   the aria-live region. */
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) {
    return;
  }
  var video = document.getElementById("scanner-video");
  var result = document.getElementById("scanner-result");
  var next = document.getElementById("scanner-next");
  var noCamera = document.getElementById("scanner-no-camera");
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var pauseMs = parseInt(root.dataset.pauseMs, 10) || 2500;
  var SCAN_EVERY_MS = 150;
  var MAX_WIDTH = 640; // enough for a phone-held code, and cheap to decode
  var KINDS = {
    checked_in: ["ok", "textCheckedIn"],
    already: ["warn", "textAlready"],
    other_event: ["bad", "textOtherEvent"],
    unknown: ["bad", "textUnknown"],
    not_confirmed: ["bad", "textNotConfirmed"],
  };
  var paused = false;
  var busy = false;
  var resumeTimer = null;
  var stream = null;

  function text(key, values) {
    return (root.dataset[key] || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] != null ? values[name] : "";
    });
  }

  function show(kind, message) {
    result.className = "scanner-result scanner-" + kind;
    result.textContent = message;
  }

  function cameraUnavailable() {
    root.classList.add("scanner-off"); // hides the video, the result and "next"
    noCamera.hidden = false; // role="alert": announced when shown
  }

  function start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof jsQR !== "function") {
      cameraUnavailable();
      return;
    }
    show("idle", text("textStarting"));
    navigator.mediaDevices
      .getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" } } })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () {
        show("idle", text("textReady"));
        root.dataset.state = "scanning";
        window.setTimeout(scan, SCAN_EVERY_MS);
      })
      .catch(cameraUnavailable);
  }

  function scan() {
    if (!paused && !busy && video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      var image = context.getImageData(0, 0, width, height);
      var code = jsQR(image.data, width, height, { inversionAttempts: "attemptBoth" });
      if (code && code.data) {
        submit(code.data);
      }
    }
    window.setTimeout(scan, SCAN_EVERY_MS);
  }

  function submit(data) {
    busy = true;
    show("idle", text("textChecking"));
    fetch(root.dataset.endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": root.dataset.csrf,
      },
      body: JSON.stringify({ qr: data }),
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        var kind = KINDS[answer.result] || ["bad", "textError"];
        show(kind[0], text(kind[1], answer));
      })
      .catch(function () {
        show("bad", text("textError"));
      })
      .then(function () {
        busy = false;
        // A pause, so the code still in front of the camera is not checked again at once.
        paused = true;
        root.dataset.state = "paused";
        resumeTimer = window.setTimeout(resume, pauseMs);
      });
  }

  function resume() {
    window.clearTimeout(resumeTimer);
    paused = false;
    root.dataset.state = "scanning";
  }

  next.addEventListener("click", function () {
    resume();
    show("idle", text("textReady"));
  });

  window.addEventListener("pagehide", function () {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
  });

  start();
})();
