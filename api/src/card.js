// blockwatt card: tells the page that embedded it (through embed.js) how
// tall it is, so the iframe fits its content. It posts only to the origin
// embed.js named in the fragment, and only when framed; the card reads the
// same without it.
(function () {
  "use strict";
  if (window.parent === window) return;
  var m = /(?:^#|&)bw-frame=([\w-]{1,40})&bw-origin=([^&]+)/.exec(location.hash);
  if (!m) return;
  var id = m[1];
  var origin;
  try { origin = new URL(decodeURIComponent(m[2])).origin; } catch (e) { return; }
  var last = 0;
  function report() {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h === last) return;
    last = h;
    window.parent.postMessage({ type: "blockwatt:size", frame: id, height: h }, origin);
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  report();
})();
