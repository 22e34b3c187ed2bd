#!/usr/bin/env python3
"""The load balancer's own error pages, made from the portal's 503 page (templates/503.html), so
that someone whom no node could answer sees the same page, with the same words, as when the
database is down: "Sorry, the service is unavailable", Retry-After, and for a form post what became
of it.

    .venv/bin/python deploy/error_pages.py           # write deploy/errors/ again after a template change
    .venv/bin/python deploy/error_pages.py --check   # exit 1 if deploy/errors/ is out of step (a test runs it)

deploy/haproxy.cfg serves them with `http-error ... lf-file`: HAProxy reads each page as a log
format, so a literal "%" is written "%%", and the paragraph on what was sent comes from a map keyed
by the request's method (`%[method,map(...)]`): a POST gets it, a page view does not.

- errors/no-node.html and .map, for HAProxy's 503 (no node could take the request, so a form sent
  was not saved): the template's "not_stored" paragraph.
- errors/node-failed.html and .map, for its 502 and 504 (the node handling the request died or
  stopped answering, after the form may have been saved): the "unknown" paragraph, which says that
  sending it again saves it once.

The page links the stylesheet by its plain name (/static/build/main.css), which every node serves
whether or not collectstatic ran; when no node answers at all the page shows without it, as plain
readable HTML.
"""

import argparse
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERRORS = ROOT / "deploy" / "errors"

# (file name, what the page says of a form post: the values of templates/includes/what_was_sent.html)
PAGES = [("no-node", "not_stored"), ("node-failed", "unknown")]


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
    # Settings refuse to load without a real key; this one is used for nothing.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_DEBUG"] = "false"
    # The stylesheet's plain name, the same on every machine that runs this (see above).
    os.environ["DJANGO_COLLECTED_STATIC"] = "false"
    import django

    django.setup()


def error_pages():
    """{file name: text} of every file deploy/errors/ should hold."""
    from django.conf import settings
    from django.template.loader import render_to_string

    files = {}
    for name, sent in PAGES:
        page = render_to_string("503.html", {"site_name": settings.SITE_NAME, "sent": sent})
        paragraph = render_to_string("includes/what_was_sent.html", {"sent": sent})
        if not paragraph.strip() or page.count(paragraph) != 1:
            raise SystemExit(f"templates/503.html no longer includes what_was_sent.html once for {sent!r}")
        before, after = page.split(paragraph)
        placeholder = f'%[method,map(errors/{name}.map,"")]'
        files[f"{name}.html"] = before.replace("%", "%%") + placeholder + after.replace("%", "%%")
        # One line: the map's key, then its value to the end of the line.
        files[f"{name}.map"] = (
            "POST " + " ".join(line.strip() for line in paragraph.splitlines() if line.strip()) + "\n"
        )
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare deploy/errors/ with the templates")
    args = parser.parse_args(argv)
    setup_django()
    files = error_pages()
    if args.check:
        stale = [
            name for name, text in files.items() if not (ERRORS / name).exists() or (ERRORS / name).read_text() != text
        ]
        if stale:
            print(f"Out of step with the templates: {', '.join(stale)}. Run deploy/error_pages.py.", file=sys.stderr)
            return 1
        return 0
    ERRORS.mkdir(exist_ok=True)
    for name, text in files.items():
        (ERRORS / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
