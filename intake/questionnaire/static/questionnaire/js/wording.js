/* Whose wording (issue 19). The page that asks "Who is filling in this form?" carries each
 * question that has a third-person wording twice, in <span data-wording="patient"> and
 * <span data-wording="helper">, the one that does not fit the answer so far hidden; this shows
 * the one that fits the answer as soon as it changes. Without it the server's choice stays
 * (the answer as saved or posted), and every later page is worded on the server.
 */
(function () {
  "use strict";

  document.querySelectorAll("[data-intake-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (!event.target || event.target.name !== "completed_by") { return; }
      var wording = event.target.value === "helper" ? "helper" : "patient";
      form.querySelectorAll("[data-wording]").forEach(function (node) {
        node.hidden = node.getAttribute("data-wording") !== wording;
      });
    });
  });
})();
