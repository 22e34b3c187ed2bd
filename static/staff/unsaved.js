// A form marked data-unsaved-warning ("You said, we did") warns before the page is left with
// words or choices changed but not saved, or after a refusal (what is shown was not saved).
// Saving the form itself is not warned about. Without JavaScript the page works the same,
// without the warning.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-unsaved-warning]");
  if (!forms.length) {
    return;
  }
  var submitting = false;

  function fields(form) {
    return form.querySelectorAll("textarea, input[type=radio], input[type=checkbox], input[type=text]");
  }

  function changed(field) {
    if (field.type === "radio" || field.type === "checkbox") {
      return field.checked !== field.defaultChecked;
    }
    return field.value !== field.defaultValue;
  }

  function unsaved() {
    // Shown again after a refusal, the page holds what was typed but nothing of it is saved.
    if (document.getElementById("error-summary")) {
      return true;
    }
    for (var i = 0; i < forms.length; i++) {
      var each = fields(forms[i]);
      for (var j = 0; j < each.length; j++) {
        if (changed(each[j])) {
          return true;
        }
      }
    }
    return false;
  }

  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener("submit", function () {
      submitting = true;
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !unsaved()) {
      return;
    }
    // Browsers show their own words; both calls are needed for every browser to ask.
    event.preventDefault();
    event.returnValue = "";
  });
})();
