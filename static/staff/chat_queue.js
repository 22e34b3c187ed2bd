// A chat hour's live moderation queue (templates/admin/guidance/chat_queue.html): every couple of
// seconds, the count and the list of the replies waiting next are asked for again; with no reply
// on screen, the first to arrive is opened (the page reloads, unless a reason is being typed).
// The keys are the moderation screen's (static/staff/moderate.js). Without JavaScript, "Refresh".
(function () {
  "use strict";
  var holder = document.getElementById("chat-queue");
  if (!holder || !window.fetch) {
    return;
  }
  var refresh = document.getElementById("chat-queue-refresh");
  if (refresh) {
    refresh.hidden = true;
  }
  var empty = document.getElementById("chat-queue-empty");

  function poll() {
    fetch(holder.dataset.pollUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("queue poll: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = document.createElement("template");
        fresh.innerHTML = html;
        var waiting = fresh.content.getElementById("chat-waiting");
        var current = document.getElementById("chat-waiting");
        if (waiting && current) {
          current.replaceWith(waiting);
        }
        if (empty && waiting && Number(waiting.dataset.waiting) > 0) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () {
        window.setTimeout(poll, 8000);
      });
  }
  window.setTimeout(poll, 2000);
})();
