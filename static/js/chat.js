// A chat hour's page (templates/guidance/chat.html): asks every couple of seconds for what came
// into the chat since its last look (a cursor the server gives), adds the new messages to the list
// (an aria-live region, so screen readers announce them politely; focus never moves), puts those
// changed since (words redacted, a name erased) in place of what it shows, and removes those taken
// down. While nothing has changed the server answers 304 from one cache read
// (guidance/events/live.py). Without JavaScript, "Show new messages" reloads the page.
// A reply is sent with fetch: the server answers with the words saying it was sent, shown above the
// form, and the page is not loaded again. Any other answer (an error in the form, a limit, the
// server busy) and the form is sent the ordinary way, so the page the server gives says what to do.
(function () {
  "use strict";
  var region = document.getElementById("chat-messages");
  var list = document.getElementById("chat-list");
  if (!region || !list || region.dataset.state !== "live" || !window.fetch) {
    return;
  }
  var INTERVAL = 1500; // ms between polls: new messages show within about 2 s
  var url = region.dataset.pollUrl;
  var since = region.dataset.since || "0";
  var etag = null;
  var timer = null;
  var refresh = document.getElementById("chat-refresh");
  if (refresh) {
    refresh.hidden = true; // the list keeps itself up to date
  }

  function schedule() {
    // A little jitter, so that pages opened together do not poll together.
    timer = window.setTimeout(poll, INTERVAL + Math.random() * 500);
  }

  function apply(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.querySelector("ol");
    if (!fresh) {
      return "live";
    }
    (fresh.dataset.hidden || "").split(" ").forEach(function (id) {
      var gone = id && document.getElementById("message-" + id);
      if (gone) {
        gone.remove();
      }
    });
    Array.prototype.slice.call(fresh.children).forEach(function (item) {
      var shown = document.getElementById(item.id);
      if (!shown) {
        list.appendChild(item);
      } else if (!shown.isEqualNode(item)) {
        // Changed since it was shown (words redacted, a name erased): put in its place. One the
        // page already has, as it is, is left alone, or screen readers would announce it again.
        shown.replaceWith(item);
      }
    });
    var empty = document.getElementById("chat-empty");
    if (empty && list.children.length) {
      empty.remove();
    }
    since = fresh.dataset.since || since;
    var question = document.getElementById("chat-question");
    if (question && fresh.dataset.question && question.textContent !== fresh.dataset.question) {
      question.textContent = fresh.dataset.question;
    }
    return fresh.dataset.state;
  }

  function ended() {
    var status = document.getElementById("chat-status");
    if (status) {
      status.classList.remove("govuk-visually-hidden");
      status.textContent = "The chat hour has ended. Reload the page to read the whole chat.";
    }
  }

  function poll() {
    timer = null;
    if (document.hidden) {
      return; // polled again when the page is looked at (visibilitychange)
    }
    var headers = etag ? { "If-None-Match": etag } : {};
    var asked = url + "?since=" + encodeURIComponent(since);
    // Without cookies: the answer is the same for everyone, and a request carrying the session
    // would have the server read it at every poll.
    fetch(asked, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("chat poll: " + response.status);
        }
        etag = response.headers.get("ETag");
        return response.text();
      })
      .then(function (html) {
        var state = html === null ? "live" : apply(html);
        if (state === "over") {
          ended();
          return;
        }
        schedule();
      })
      .catch(function () {
        // The server busy or the connection down for a moment: try again a little later.
        timer = window.setTimeout(poll, INTERVAL * 4);
      });
  }

  var form = document.getElementById("chat-reply");
  var sent = document.getElementById("chat-sent");
  var sendingNow = false;

  function showSent(words) {
    var banner = document.createElement("div");
    banner.className = "govuk-notification-banner govuk-notification-banner--success";
    banner.setAttribute("aria-labelledby", "chat-sent-title");
    var header = document.createElement("div");
    header.className = "govuk-notification-banner__header";
    var title = document.createElement("h3");
    title.className = "govuk-notification-banner__title";
    title.id = "chat-sent-title";
    title.textContent = "Success";
    header.appendChild(title);
    var content = document.createElement("div");
    content.className = "govuk-notification-banner__content";
    var heading = document.createElement("p");
    heading.className = "govuk-notification-banner__heading";
    heading.textContent = words;
    content.appendChild(heading);
    banner.appendChild(header);
    banner.appendChild(content);
    sent.replaceChildren(banner);
  }

  if (form && sent) {
    form.addEventListener("submit", function (event) {
      if (document.querySelector(".govuk-error-summary")) {
        return; // the page shows errors from the last send: the ordinary post clears them
      }
      event.preventDefault();
      if (sendingNow) {
        return; // a double click sends once
      }
      sendingNow = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("chat reply: " + response.status);
          }
          return response.text();
        })
        .then(function (words) {
          sendingNow = false;
          showSent(words);
          var reply = form.querySelector("textarea[name=reply]");
          reply.value = "";
          reply.dispatchEvent(new Event("input")); // the character count follows
        })
        .catch(function () {
          // The form's own "submit" button hides form.submit.
          HTMLFormElement.prototype.submit.call(form);
        });
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null) {
      poll();
    }
  });
  schedule();
})();
