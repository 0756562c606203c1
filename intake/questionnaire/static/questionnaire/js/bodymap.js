/* Body map of the legs: enhances a checkbox field (templates/intake/_bodymap.html). Its data-
 * attributes, and what this script does with them: docs/bodymap.md. The checkboxes stay the real
 * controls (found by name and value only): the map mirrors and toggles them, firing change. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  function quote(value) {
    return '"' + String(value).replace(/["\\]/g, "\\$&") + '"';
  }

  function findBox(root, field, code) {
    var selector = "input[type=checkbox][name=" + quote(field) + "][value=" + quote(code) + "]";
    var form = root.closest("form");
    return (form && form.querySelector(selector)) || document.querySelector(selector);
  }

  function isFocusVisible(el) {
    try {
      return el.matches(":focus-visible");
    } catch (e) {
      return true; // Old browsers: always show the ring.
    }
  }

  function enhance(root) {
    if (root.getAttribute("data-bodymap-ready") === "true") {
      return;
    }
    var field = root.getAttribute("data-bodymap-field");
    var svg = root.querySelector("svg");
    if (!field || !svg) {
      return;
    }

    var entries = [];
    Array.prototype.forEach.call(root.querySelectorAll(".bodymap-region[data-code]"), function (region) {
      var box = findBox(root, field, region.getAttribute("data-code"));
      if (box) {
        entries.push({ region: region, box: box });
      } else {
        // No such choice on this form: keep the drawing, drop the control.
        ["role", "tabindex", "aria-checked", "aria-labelledby"].forEach(function (name) {
          region.removeAttribute(name);
        });
        region.setAttribute("aria-hidden", "true");
        region.classList.remove("bodymap-region");
        region.classList.add("bodymap-region-unused");
      }
    });
    if (!entries.length) {
      return; // Nothing to drive: stay hidden, the checkbox list does the job.
    }

    if (root.getAttribute("data-bodymap-place") === "after-legend") {
      var fieldset = entries[0].box.closest("fieldset");
      var legend = fieldset && fieldset.querySelector("legend");
      if (legend && legend.parentNode === fieldset && !fieldset.contains(root)) {
        legend.insertAdjacentElement("afterend", root);
      }
    }

    var wholeCode = root.getAttribute("data-bodymap-whole-code");
    var wholeBox = wholeCode ? findBox(root, field, wholeCode) : null;
    var wholeNote = root.querySelector("[data-bodymap-whole-note]");

    var hatch = svg.querySelector("[data-bodymap-hatch]");
    if (hatch && hatch.id) {
      // CSSOM, not a style attribute, so it is allowed under a strict CSP.
      root.style.setProperty("--bodymap-selected-fill", "url(#" + hatch.id + ")");
    }

    // The legs drawn follow "Which leg?".
    var layouts = {};
    try { layouts = JSON.parse(root.getAttribute("data-bodymap-layouts") || "{}"); } catch (e) { layouts = {}; }
    var legField = root.getAttribute("data-bodymap-leg-field");
    var form = root.closest("form");
    var legInputs = legField && form ?
      form.querySelectorAll("input[type=radio][name=" + quote(legField) + "]") : [];
    var frame = root.querySelector("[data-bodymap-frame]");

    function draw(legs) {
      var layout = layouts[legs];
      if (!layout) { return; }
      root.setAttribute("data-bodymap-leg", legs);
      svg.setAttribute("viewBox", layout.viewBox);
      Array.prototype.forEach.call(svg.querySelectorAll("use[data-place]"), function (use) {
        var transform = layout[use.getAttribute("data-place")];
        if (transform) { use.setAttribute("transform", transform); }
      });
      fitCheck();
    }

    function chosenLegs() {
      var chosen = Array.prototype.find.call(legInputs, function (i) { return i.checked; });
      var value = chosen ? chosen.value : null;
      return value === "left" || value === "right" ? value : "both";
    }

    // Regions under 24 x 24 px (both legs, narrow phone): a picture only; the list is the control.
    function fitCheck() {
      if (!frame) { return; }
      var small = false;
      Array.prototype.forEach.call(root.querySelectorAll(".bodymap-region use"), function (use) {
        var box = use.getBoundingClientRect();
        if (box.width > 0 && box.height > 0 && (box.width < 24 || box.height < 24)) {
          small = true;
        }
      });
      frame.inert = small;
      if (small) {
        frame.setAttribute("aria-hidden", "true");
      } else {
        frame.removeAttribute("aria-hidden");
      }
      root.classList.toggle("bodymap--picture", small);
      Array.prototype.forEach.call(root.querySelectorAll("[data-bodymap-when]"), function (text) {
        text.hidden = text.getAttribute("data-bodymap-when") !== (small ? "picture" : "map");
      });
    }

    var focusLayer = document.createElementNS(SVG_NS, "g");
    focusLayer.setAttribute("class", "bodymap-focus-layer");
    focusLayer.setAttribute("aria-hidden", "true");
    svg.appendChild(focusLayer);

    function sync() {
      entries.forEach(function (entry) {
        entry.region.setAttribute("aria-checked", entry.box.checked ? "true" : "false");
        if (entry.box.disabled) {
          entry.region.setAttribute("aria-disabled", "true");
        } else {
          entry.region.removeAttribute("aria-disabled");
        }
      });
      var whole = !!(wholeBox && wholeBox.checked);
      root.classList.toggle("bodymap--whole", whole);
      if (wholeNote) {
        wholeNote.hidden = !whole;
      }
    }

    function toggle(entry) {
      var box = entry.box;
      if (box.disabled) {
        return;
      }
      box.checked = !box.checked;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.dispatchEvent(new Event("change", { bubbles: true }));
      sync();
    }

    function clearRing() {
      while (focusLayer.firstChild) {
        focusLayer.removeChild(focusLayer.firstChild);
      }
    }

    function showRing(region) {
      clearRing();
      ["bodymap-ring-outer", "bodymap-ring-inner"].forEach(function (cls) {
        Array.prototype.forEach.call(region.querySelectorAll("use"), function (use) {
          var copy = use.cloneNode(false);
          copy.setAttribute("class", cls);
          focusLayer.appendChild(copy);
        });
      });
    }

    entries.forEach(function (entry) {
      var region = entry.region;
      region.addEventListener("click", function (event) {
        event.preventDefault();
        toggle(entry);
        if (isFocusVisible(region)) {
          showRing(region);
        }
      });
      region.addEventListener("keydown", function (event) {
        var key = event.key;
        if (key === " " || key === "Spacebar" || key === "Enter") {
          event.preventDefault(); // No page scroll, no form submit.
          if (!event.repeat) {
            toggle(entry);
          }
        }
      });
      region.addEventListener("focus", function () {
        if (isFocusVisible(region)) {
          showRing(region);
        }
      });
      region.addEventListener("blur", clearRing);
    });

    // A ticked box updates the map; another answer may have revealed it (unmeasured while hidden).
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.type === "checkbox" && target.name === field) {
        sync();
      } else {
        window.requestAnimationFrame(fitCheck);
      }
    });
    if (form) {
      form.addEventListener("reset", function () {
        window.setTimeout(function () { sync(); draw(chosenLegs()); }, 0);
      });
    }
    Array.prototype.forEach.call(legInputs, function (input) {
      input.addEventListener("change", function () { draw(chosenLegs()); });
    });
    // Back/forward cache and browser form restoration can change boxes without events.
    window.addEventListener("pageshow", function () {
      sync();
      if (legInputs.length) { draw(chosenLegs()); }
    });
    window.addEventListener("resize", function () { window.requestAnimationFrame(fitCheck); });

    sync();
    root.setAttribute("data-bodymap-ready", "true");
    root.hidden = false;
    if (legInputs.length) {
      draw(chosenLegs());
    } else {
      fitCheck();
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-bodymap]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  window.intakeBodymap = { init: init };
})();
