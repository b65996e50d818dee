// The practice LMS's pages: post the id_token form, size the tool's frame,
// and leave the frame once Deep Linking has placed the links.
(function () {
  "use strict";
  var auto = document.querySelector("form[data-autosubmit]");
  if (auto) { auto.submit(); }
  var top = document.body.dataset.top;
  if (top && window.top !== window) { window.top.location.assign(top); }
  var frame = document.querySelector("iframe.tool");
  if (frame) {
    var MIN = 480;
    window.addEventListener("message", function (e) {
      if (e.source !== frame.contentWindow) { return; }
      var m = e.data;
      if (typeof m === "string") { try { m = JSON.parse(m); } catch (err) { return; } }
      if (m && m.subject === "lti.frameResize" && Number(m.height) > 0) {
        frame.style.height = Math.max(MIN, Math.min(Number(m.height) + 24, 20000)) + "px";
      }
    });
    // a page measures itself at least as tall as its frame: shrink the frame
    // while the next page loads, so a short page after a long one fits
    frame.addEventListener("load", function () {
      try {
        frame.contentWindow.addEventListener("pagehide", function () {
          frame.style.height = MIN + "px";
        });
      } catch (err) { /* another origin: keep the last height */ }
    });
  }
})();
