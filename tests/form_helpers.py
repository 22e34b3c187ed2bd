"""Sending a page's form as a browser would: every field as the page shows it (hidden fields, the
words in each text area, the ticked radio buttons and boxes), changed where the test types."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields, self.textarea = form_id, False, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            if kind in ("submit", "button"):
                return
            self.fields.append([attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
            self.fields.append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            # A text area's first line break is not part of its value (HTML).
            self.textarea[1] += data[1:] if not self.textarea[1] and data.startswith("\n") else data


def form_data(page, typed=None, form_id="outcome-form"):
    """What the browser sends from the form `form_id` of `page` (a response): every field as shown,
    with `typed` ({name: value}; None to untick or clear a radio button) in place of what it shows."""
    reader = _FormReader(form_id)
    reader.feed(page.content.decode())
    data = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    for name, value in (typed or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [value]
    return data
