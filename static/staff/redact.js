// The redaction page: a button that replaces the words selected in the copy with "[redacted]".
// Without JavaScript the moderator types the marker in place of the words; the server checks
// the copy either way.
(function () {
  "use strict";
  var button = document.getElementById("redact-selection");
  var copy = document.getElementById("id_text");
  if (!button || !copy) {
    return;
  }
  var marker = "[redacted]";
  button.parentElement.hidden = false;
  button.addEventListener("click", function () {
    var start = copy.selectionStart;
    var end = copy.selectionEnd;
    if (start === end) {
      copy.focus();
      return;
    }
    copy.setRangeText(marker, start, end, "end");
    copy.focus();
  });
  var errors = document.getElementById("redact-errors");
  if (errors) {
    errors.focus();
  }
})();
