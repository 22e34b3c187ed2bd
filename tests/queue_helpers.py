"""Posting to the moderation queue as its pages do: with, for each comment, the id of the last event
of the history the page showed it with (the "shown" fields)."""

import html
import re

from django.urls import reverse

QUEUE = reverse("admin:guidance_comment_changelist")
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def hidden_fields(page, name=None):
    """The hidden fields of a page, as (name, value) pairs; or the values of those called `name`."""
    fields = [
        (html.unescape(key), html.unescape(value))
        for key, value in HIDDEN.findall(page.content.decode())
        if key != "csrfmiddlewaretoken"
    ]
    return fields if name is None else [value for key, value in fields if key == name]


def act(client, action, comments, url=QUEUE, **extra):
    """Tick `comments` on the list at `url` as it is shown now and choose `action`."""
    data = {"action": action, "_selected_action": [c.pk for c in comments], **extra}
    if "confirm" not in extra:
        data["index"] = 0
    data.setdefault("shown", hidden_fields(client.get(url), "shown"))
    return client.post(url, data, follow=True)


def confirm(client, page, url=QUEUE, **extra):
    """Send the confirmation `page` (the reason, or the list of every comment to decide) as shown."""
    data = {}
    for key, value in hidden_fields(page):
        data.setdefault(key, []).append(value)
    return client.post(url, {**data, **extra}, follow=True)
