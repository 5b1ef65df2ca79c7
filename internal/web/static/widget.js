// Plateau chat widget loader. A brand's page embeds it with one tag:
//   <script src="https://plateau.example/widget.js" data-entry="demo" async></script>
// It finds the Plateau server from its own address and loads the widget
// module from there (the assets are served with CORS for this).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var entry = script.getAttribute("data-entry");
  if (!entry) {
    console.error("Plateau widget: the script tag needs data-entry (the chat entry point)");
    return;
  }
  var base = new URL(script.src, location.href).origin;
  import(base + "/static/widget-app.js")
    .then(function (m) {
      m.mount({ base: base, entry: entry });
    })
    .catch(function (err) {
      console.error("Plateau widget: could not load", err);
    });
})();
