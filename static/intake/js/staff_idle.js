// Staff sessions end after a while without activity (intake/backoffice/middleware.py, which
// signs the session out whatever this script does). Two minutes before, say so and offer
// "Stay signed in", which tells the server the member of staff is still here. When the time is
// up, go to the sign-in page rather than leave a page whose buttons no longer work.
(function () {
  "use strict";
  var box = document.getElementById("staff-idle");
  if (!box) {
    return;
  }
  var idle = Number(box.getAttribute("data-idle-seconds")) * 1000;
  var warn = Number(box.getAttribute("data-warn-seconds")) * 1000;
  var stay = document.getElementById("staff-idle-stay");
  var warnTimer = null;
  var endTimer = null;

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = window.setTimeout(function () {
      box.hidden = false;
      stay.focus();
    }, Math.max(idle - warn, 0));
    endTimer = window.setTimeout(function () {
      window.location.assign(box.getAttribute("data-signed-out-url"));
    }, idle);
  }

  stay.addEventListener("click", function () {
    fetch(box.getAttribute("data-keep-alive-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.getAttribute("data-csrf-token") },
      redirect: "manual"
    }).then(function (response) {
      if (response.ok) {
        start();
      } else {
        window.location.assign(box.getAttribute("data-signed-out-url"));
      }
    });
  });

  start();
})();
