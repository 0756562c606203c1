/* Progressive enhancement for the questionnaire. Everything works without it:
 * - show-if questions are revealed in place (the server ignores hidden answers anyway);
 * - "None of these" unticks the other options, and the other way round;
 * - the error summary takes focus so screen readers announce it;
 * - "Print your answers" appears; a sending button cannot be pressed twice.
 */
(function () {
  "use strict";

  var context = {};
  var contextNode = document.getElementById("intake-context");
  if (contextNode) {
    try { context = JSON.parse(contextNode.textContent) || {}; } catch (e) { context = {}; }
  }

  function ageFrom(isoDate) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate || "");
    if (!match) { return null; }
    var today = new Date();
    var age = today.getFullYear() - Number(match[1]);
    var month = today.getMonth() + 1;
    if (month < Number(match[2]) || (month === Number(match[2]) && today.getDate() < Number(match[3]))) {
      age -= 1;
    }
    return age;
  }

  function valueOf(form, code) {
    var inputs = form.querySelectorAll('[name="' + code + '"]');
    if (!inputs.length) {
      if (code === "age_years") {
        var dob = form.querySelector('[name="date_of_birth"]');
        if (dob) { return ageFrom(dob.value); }
      }
      return Object.prototype.hasOwnProperty.call(context, code) ? context[code] : null;
    }
    var first = inputs[0];
    if (first.type === "checkbox") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    if (first.type === "radio") {
      var checked = Array.prototype.find.call(inputs, function (i) { return i.checked; });
      return checked ? checked.value : null;
    }
    if (first.value === "") { return null; }
    return /^-?\d+$/.test(first.value) ? Number(first.value) : first.value;
  }

  // The same semantics as intake/triage/conditions.py: a missing value never matches.
  function holds(form, condition) {
    var value;
    switch (condition.op) {
      case "all":
        return condition.conditions.every(function (c) { return holds(form, c); });
      case "eq":
        value = valueOf(form, condition.code);
        return value !== null && value === condition.value;
      case "ne":
        value = valueOf(form, condition.code);
        return value !== null && value !== condition.value;
      case "in":
        value = valueOf(form, condition.code);
        return value !== null && condition.values.indexOf(value) !== -1;
      case "between":
        value = valueOf(form, condition.code);
        return typeof value === "number" && value >= condition.lo && value <= condition.hi;
      default:
        return true;  // unknown rule: show the question, the server decides
    }
  }

  function refresh(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (wrapper) {
      var condition;
      try { condition = JSON.parse(wrapper.getAttribute("data-show-if")); } catch (e) { return; }
      wrapper.hidden = !holds(form, condition);
    });
  }

  function exclusiveNone(event) {
    var input = event.target;
    if (!input || input.type !== "checkbox") { return; }
    var group = document.querySelectorAll('input[type="checkbox"][name="' + input.name + '"]');
    var noneBox = Array.prototype.find.call(group, function (i) { return i.value === "none"; });
    if (!noneBox || !input.checked) { return; }
    group.forEach(function (other) {
      if (input === noneBox ? other !== noneBox : other === noneBox) {
        if (other.checked) {
          other.checked = false;
          other.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }
    });
  }

  document.querySelectorAll("[data-intake-form]").forEach(function (form) {
    refresh(form);
    form.addEventListener("change", function (event) { exclusiveNone(event); refresh(form); });
    form.addEventListener("input", function () { refresh(form); });
  });

  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("[data-prevent-double-submit]").forEach(function (button) {
    var form = button.form;
    if (!form) { return; }
    form.addEventListener("submit", function () {
      // Disable after the browser has taken the submit, so the button's own value is sent.
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });
})();
