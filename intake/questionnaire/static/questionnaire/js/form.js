/* Progressive enhancement for the questionnaire. Everything works without it:
 * - show-if questions are revealed in place, and a question nested under the answer that reveals
 *   it (a [data-conditional] container, GOV.UK's conditional reveal) opens only while that
 *   answer is chosen; without this script every question shows, and the server ignores the
 *   answers to hidden ones;
 * - an exclusive "None of these" unticks the other options, and the other way round;
 * - the error summary takes focus so screen readers announce it, and its links bring the whole
 *   question into view (its legend or label at the top), focusing the question's first input;
 * - "Print your answers" appears; a sending button cannot be pressed twice.
 */
(function () {
  "use strict";

  var context = {};
  var contextNode = document.getElementById("intake-context");
  if (contextNode) {
    try { context = JSON.parse(contextNode.textContent) || {}; } catch (e) { context = {}; }
  }

  // The age on today's date from a date of birth in three boxes (day, month, year), as the
  // server works it out; null while the boxes do not make a real date.
  function ageFrom(boxes) {
    if (boxes.length !== 3) { return null; }
    var parts = Array.prototype.map.call(boxes, function (box) { return box.value.trim(); });
    if (!parts.every(function (part) { return /^\d+$/.test(part); }) || parts[2].length !== 4) {
      return null;
    }
    var day = Number(parts[0]), month = Number(parts[1]), year = Number(parts[2]);
    var born = new Date(year, month - 1, day);
    if (born.getFullYear() !== year || born.getMonth() !== month - 1 || born.getDate() !== day) {
      return null;
    }
    var today = new Date();
    var age = today.getFullYear() - year;
    var thisMonth = today.getMonth() + 1;
    if (thisMonth < month || (thisMonth === month && today.getDate() < day)) { age -= 1; }
    return age;
  }

  function valueOf(form, code) {
    var inputs = form.querySelectorAll('[name="' + code + '"]');
    if (!inputs.length) {
      if (code === "age_years") {
        var dob = form.querySelectorAll('[name="date_of_birth"]');
        if (dob.length) { return ageFrom(dob); }
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
    // A container under an answer is open while an option that names it is chosen.
    var open = {};
    form.querySelectorAll("input[aria-controls]").forEach(function (input) {
      input.getAttribute("aria-controls").split(/\s+/).forEach(function (id) {
        open[id] = open[id] || input.checked;
      });
    });
    // (No aria-expanded on the options, as GOV.UK Frontend sets: ARIA does not allow it on a
    // radio, and axe-core reports it. aria-controls is allowed, and names the container.)
    form.querySelectorAll("[data-conditional]").forEach(function (container) {
      container.hidden = !open[container.id];
    });
  }

  function exclusiveNone(event) {
    var input = event.target;
    if (!input || input.type !== "checkbox" || !input.checked) { return; }
    var group = input.form ? input.form.querySelectorAll(
      'input[type="checkbox"][name="' + input.name + '"]') : [];
    var noneBox = Array.prototype.find.call(group, function (i) {
      return i.getAttribute("data-behaviour") === "exclusive";
    });
    if (!noneBox) { return; }
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
    // Back/forward cache and form restoration can change answers without events.
    window.addEventListener("pageshow", function () { refresh(form); });
  });

  // An error link lands on the question's first input with the whole question in view: its
  // legend or label at the top of the window (GOV.UK's error summary does the same), not the
  // input at the top with the question above it, out of sight.
  function bringIntoView(target) {
    var question = target.closest(".question") || target;
    var height = target.getBoundingClientRect().bottom - question.getBoundingClientRect().top;
    if (height < window.innerHeight - 16) {
      question.scrollIntoView({ block: "start" });  // the CSS's scroll-margin-top keeps a gap
    } else {
      target.scrollIntoView({ block: "center" });  // a question taller than the window
    }
    target.focus({ preventScroll: true });
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) { return; }
      event.preventDefault();
      if (window.history && window.history.pushState) {
        window.history.pushState(null, "", link.hash);
      }
      bringIntoView(target);
    });
  }

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
