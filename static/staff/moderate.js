// The moderation screen's keys: one key per decision (shown on the buttons), digits for a
// rejection's reason. Without JavaScript the buttons do the same.
(function () {
  "use strict";
  var form = document.getElementById("decision-form");
  if (!form) {
    return;
  }
  var help = document.querySelector(".moderation-keys");
  if (help) {
    help.hidden = false;
  }
  var sent = false;
  form.addEventListener("submit", function () {
    sent = true;
  });

  function reasons() {
    return form.querySelectorAll('input[name="reason_code"]');
  }

  function checkedReason() {
    return form.querySelector('input[name="reason_code"]:checked');
  }

  function press(button) {
    if (sent) {
      return; // a held-down key must not send the decision twice
    }
    // A rejection needs a reason, and "Other" needs words: go there first instead of sending.
    if (button.value === "rejected") {
      var reason = checkedReason();
      if (!reason) {
        reasons()[0].focus();
        return;
      }
      var details = form.querySelector('textarea[name="reason"]');
      if (reason.value === "other" && details && !details.value.trim()) {
        details.focus();
        return;
      }
    }
    button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    if (target.matches("textarea, input[type=text], select")) {
      if (event.key === "Escape") {
        target.blur();
      }
      return;
    }
    if (event.key === "Enter" && target.matches('input[name="reason_code"]')) {
      event.preventDefault();
      press(form.querySelector('button[value="rejected"]'));
      return;
    }
    var key = event.key.toLowerCase();
    if (/^[1-9]$/.test(key)) {
      var radio = reasons()[Number(key) - 1];
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.focus();
      }
      return;
    }
    var button = document.querySelector('[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      press(button);
    }
  });

  // After a decision, or with errors to correct, start where the work is.
  var errors = document.getElementById("decision-errors");
  var heading = document.getElementById("comment-heading");
  if (errors) {
    var invalid = form.querySelector(".errors input, .errors textarea");
    (invalid || errors).focus();
  } else if (heading && document.querySelector(".messagelist")) {
    heading.focus();
  }
})();
