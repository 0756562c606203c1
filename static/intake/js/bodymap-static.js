/* Staff view: draw the patient's marked regions on the body map, read-only. */
(function () {
  "use strict";
  var node = document.getElementById("bodymap-selected");
  if (!node) { return; }
  var selected = {};
  try { selected = JSON.parse(node.textContent) || {}; } catch (e) { return; }
  document.querySelectorAll(".bodymap-static [data-bodymap]").forEach(function (map) {
    var codes = selected[map.getAttribute("data-bodymap-field")] || [];
    map.querySelectorAll(".bodymap-region").forEach(function (region) {
      var on = codes.indexOf(region.getAttribute("data-code")) !== -1;
      region.setAttribute("aria-checked", on ? "true" : "false");
      region.setAttribute("aria-readonly", "true");
      region.removeAttribute("tabindex");
    });
    map.querySelectorAll(".bodymap-hint").forEach(function (hint) { hint.hidden = true; });
    map.hidden = false;
  });
})();
