// The opinion map's statements: a tap or click on a numbered marker goes to that statement in the list below the
// map (which is highlighted as the page's target). The list works without this file; it only adds the tap.
(function () {
  "use strict";
  var map = document.getElementById("opinion-map");
  if (!map) { return; }
  map.addEventListener("click", function (event) {
    var marker = event.target.closest ? event.target.closest("g.statement") : null;
    if (!marker) { return; }
    var entry = document.getElementById("map-s-" + marker.getAttribute("data-statement-id"));
    if (!entry) { return; }
    window.location.hash = entry.id;
  });
})();
