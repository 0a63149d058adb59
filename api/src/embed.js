// blockwatt embed: <script src="/widgets/embed.js" async></script> then
// <div data-blockwatt-chain="bitcoin" data-blockwatt-metric="energy"></div>.
// The card is loaded from the origin that served this script.
(function () {
  "use strict";
  var me = document.currentScript;
  var origin = me ? new URL(me.src).origin : "";
  function mount() {
    var nodes = document.querySelectorAll("[data-blockwatt-chain]");
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (n.getAttribute("data-blockwatt-mounted")) continue;
      var chain = encodeURIComponent(n.getAttribute("data-blockwatt-chain"));
      var metric = encodeURIComponent(n.getAttribute("data-blockwatt-metric") || "energy");
      var f = document.createElement("iframe");
      f.src = origin + "/widgets/" + chain + "/card.html?metric=" + metric;
      f.title = "blockwatt footprint of " + decodeURIComponent(chain);
      f.loading = "lazy";
      f.style.border = "0";
      f.width = "320";
      f.height = "110";
      n.appendChild(f);
      n.setAttribute("data-blockwatt-mounted", "1");
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
