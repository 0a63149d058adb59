// blockwatt embed, from any site:
//   <script src="https://BLOCKWATT/widgets/embed.js" async></script>
//   <div data-blockwatt-chain="bitcoin" data-blockwatt-metric="co2e"
//        data-blockwatt-theme="auto" data-blockwatt-period="1y"></div>
// Each div becomes the card in an iframe from the origin that served this
// script; several on one page are fine. The iframe takes the card's
// height from a message, accepted only from that origin and that frame.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var origin = new URL(me.src, location.href).origin;
  var frames = {};
  var seq = 0;
  function attr(n, k, d) {
    var v = n.getAttribute("data-blockwatt-" + k);
    return v ? v : d;
  }
  function mount() {
    var nodes = document.querySelectorAll("[data-blockwatt-chain]");
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (n.getAttribute("data-blockwatt-mounted")) continue;
      var chain = attr(n, "chain", "");
      var id = "bw" + (++seq) + "-" + Math.random().toString(36).slice(2, 8);
      var q = "metric=" + encodeURIComponent(attr(n, "metric", "energy")) +
        "&theme=" + encodeURIComponent(attr(n, "theme", "auto")) +
        "&period=" + encodeURIComponent(attr(n, "period", "30d"));
      var f = document.createElement("iframe");
      // The fragment never reaches the server: the card stays cacheable.
      f.src = origin + "/widgets/" + encodeURIComponent(chain) + "/card.html?" + q +
        "#bw-frame=" + id + "&bw-origin=" + encodeURIComponent(location.origin);
      f.title = "blockwatt: " + attr(n, "metric", "energy") + " footprint of " + chain;
      f.loading = "lazy";
      f.style.border = "0";
      f.style.width = "100%";
      f.style.maxWidth = attr(n, "width", "100%");
      f.style.minWidth = "280px";
      f.height = "230";
      frames[id] = f;
      n.appendChild(f);
      n.setAttribute("data-blockwatt-mounted", "1");
    }
  }
  window.addEventListener("message", function (ev) {
    if (ev.origin !== origin) return;
    var d = ev.data;
    if (!d || d.type !== "blockwatt:size" || typeof d.frame !== "string") return;
    var f = frames[d.frame];
    if (!f || ev.source !== f.contentWindow) return;
    var h = Number(d.height);
    if (h > 0 && h < 5000) f.height = String(Math.ceil(h));
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
