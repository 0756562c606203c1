// Staff sign-in (issue 17): once django-otp-webauthn's script has registered a passkey, go on
// to the page named by #passkey-done (the new backup codes, or where the user was going).
(function () {
  "use strict";
  var done = document.getElementById("passkey-done");
  if (!done) {
    return;
  }
  document.addEventListener("otp_webauthn.register_complete", function () {
    window.location.assign(done.getAttribute("data-done-url"));
  });
})();
