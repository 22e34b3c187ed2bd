"""Import benchmark: what reading a draft costs, for hostile files and for the largest honest ones.

    .venv/bin/python bench/imports.py                  # every case
    .venv/bin/python bench/imports.py --case md-brackets --case docx-bomb
    .venv/bin/python bench/imports.py --timeout 300    # give up on a case after 300 s on the clock

Each case makes a file, then calls guidance.consultations.draft_import.read_draft() on it, as the admin's upload
does, in a fresh process of its own, and prints the outcome (the sections made, or the refusal's
first words), the CPU time and the peak memory of that process and of every process it started
and waited for (os.wait4), and the time on the clock. A case still running after --timeout
seconds is stopped and shown as such. The "render" cases time guidance.consultations.markdown.render_markdown()
on a section body instead, as a public page does.

It needs no database. To measure the code before a change, run this same file from a checkout of
the earlier commit (`git worktree add /tmp/before <commit>`, then `.venv/bin/python
/path/to/bench/imports.py` from /tmp/before): only read_draft() and render_markdown() are called.
Results go in docs/performance.md ("Imports").
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path.cwd()
SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "sample-draft.md"
SECRET = "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
HEADING = b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>%s</w:t></w:r></w:p>'


def docx(body, minimal=True):
    """A Word document whose body is this XML: only the parts a reader needs (minimal), as an
    attacker would send, or with Word's styles too (python-docx's template)."""
    members = {
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": b"<Relationships/>",
    }
    if not minimal:
        import docx as python_docx

        template = io.BytesIO()
        python_docx.Document().save(template)
        with zipfile.ZipFile(template) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = b"<w:document " + W + b"><w:body>" + body + b"</w:body></w:document>"
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return data.getvalue()


def real_paragraphs(count, seed):
    """Paragraphs as Word writes them (spacing, a bold run), of 25 words drawn from the sample draft:
    they compress as a real document's do, about fivefold."""
    chooser = random.Random(seed)
    words = [word for word in SAMPLE.read_text().split() if word.isalpha()]
    return b"".join(
        b'<w:p><w:pPr><w:spacing w:after="120"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">'
        b"Point %d. </w:t></w:r><w:r><w:t>%s</w:t></w:r></w:p>" % (n, " ".join(chooser.choices(words, k=25)).encode())
        for n in range(count)
    )


def markdown_report(sections, repeats):
    """The sample draft's text, headings taken out, as `sections` sections of `repeats` copies."""
    text = "\n".join(line for line in SAMPLE.read_text().splitlines() if not line.startswith("#"))
    return ("# Report\n\n" + "".join(f"## Section {n}\n\n{text * repeats}\n\n" for n in range(sections))).encode()


CASES = {
    # Hostile files.
    "docx-bomb": (
        "a .docx of a few KB: 600,000 empty paragraphs",
        lambda: docx(HEADING % b"Draft" + b"<w:p/>" * 600_000),
    ),
    "docx-paragraphs": (
        "a 1 MB .docx of 200,000 paragraphs",
        lambda: docx(HEADING % b"Draft" + b"".join(b"<w:p><w:r><w:t>%d</w:t></w:r></w:p>" % n for n in range(200_000))),
    ),
    "docx-deep-tables": (
        "a .docx of tables in tables, 60 deep",
        lambda: docx(
            HEADING % b"Draft"
            + b"<w:tbl><w:tr><w:tc>" * 60
            + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>"
            + b"</w:tc></w:tr></w:tbl>" * 60
        ),
    ),
    "md-brackets": ("8 KB of Markdown: [ 8,000 times", lambda: b"# Draft\n\n" + b"[" * 8000),
    "md-links-open": ("8 KB of Markdown: [a]( 2,000 times", lambda: b"# Draft\n\n" + b"[a](" * 2000),
    "md-deep-quotes": ("Markdown: > 5,000 times", lambda: b"# Draft\n\n" + b">" * 5000 + b" deep"),
    "md-deep-lists": ("Markdown: - 3,000 times", lambda: b"# Draft\n\n" + b"- " * 3000 + b"deep"),
    "md-many-paragraphs": ("Markdown: 100,000 one-word paragraphs", lambda: b"# Draft\n\n" + b"x\n\n" * 100_000),
    # Honest files at the top of what the bounds allow.
    "docx-report": (
        "a 700 KB .docx report: 300 sections of 40 paragraphs (about 500 pages), Word's styles",
        lambda: docx(b"".join(HEADING % b"Section %d" % n + real_paragraphs(40, n) for n in range(300)), minimal=False),
    ),
    "md-report": ("a 2.6 MB Markdown report: 300 sections", lambda: markdown_report(300, 1)),
    "md-sample": ("docs/sample-draft.md", lambda: SAMPLE.read_bytes()),
}
RENDER_CASES = {
    "render-brackets": ("a section body of [ 8,000 times", "[" * 8000),
    "render-links-open": ("a section body of [a]( 2,000 times", "[a](" * 2000),
    "render-deep-lists": ("a section body of - 3,000 times", "- " * 3000 + "deep"),
    "render-sample": ("the sample draft as one body", SAMPLE.read_text()),
}

CHILD = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
import django
django.setup()
kind, name = sys.argv[1], sys.argv[2]
data = sys.stdin.buffer.read()
try:
    if kind == "render":
        import logging
        from guidance.consultations.markdown import render_markdown
        warnings = []
        logger = logging.getLogger("guidance.consultations.markdown")
        logger.setLevel(logging.WARNING)
        logger.propagate = False
        logger.addHandler(logging.Handler())
        logger.handlers[-1].emit = warnings.append
        html = render_markdown(data.decode())
        outcome = f"rendered, {len(html):,} characters" + (", as plain text (over a bound)" if warnings else "")
    else:
        from guidance.consultations.draft_import import DraftRefused, read_draft
        try:
            preview = read_draft(name, data)
            outcome = f"{len(preview.sections)} sections"
        except DraftRefused as refusal:
            outcome = "refused: " + str(refusal)
except BaseException as error:
    outcome = f"{type(error).__name__}: {str(error)[:80]}"
print(json.dumps(outcome))
"""


def measure(kind, name, data, timeout):
    environment = {
        **os.environ,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", SECRET),
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "CRITICAL",
    }
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=environment,
    )
    child.stdin.write(data)
    child.stdin.close()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
            return f"stopped after {timeout} s", usage, time.monotonic() - started
        time.sleep(0.05)
    output = child.stdout.read().decode().strip().splitlines() or [""]
    try:
        outcome = json.loads(output[-1])
    except ValueError:
        outcome = f"exit status {os.waitstatus_to_exitcode(status)}"
    return outcome, usage, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", choices=[*CASES, *RENDER_CASES], help="Only this case (repeatable).")
    parser.add_argument("--timeout", type=float, default=180, help="Seconds on the clock before a case is stopped.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"{'case':20} {'file':>10} {'CPU s':>7} {'peak MB':>8} {'clock s':>8}  outcome")
    for name, (description, make) in CASES.items():
        if args.case and name not in args.case:
            continue
        data = make()
        file_name = "draft.docx" if data.startswith(b"PK") else "draft.md"
        outcome, usage, clock = measure("draft", file_name, data, args.timeout)
        report(name, description, len(data), outcome, usage, clock)
    for name, (description, text) in RENDER_CASES.items():
        if args.case and name not in args.case:
            continue
        outcome, usage, clock = measure("render", name, text.encode(), args.timeout)
        report(name, description, len(text.encode()), outcome, usage, clock)
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")


def report(name, description, size, outcome, usage, clock):
    cpu = usage.ru_utime + usage.ru_stime
    peak = usage.ru_maxrss / 1024
    print(f"{name:20} {size / 1024:>8,.1f}KB {cpu:>7.2f} {peak:>8,.0f} {clock:>8.2f}  {outcome[:110]}")
    print(f"{'':20} ({description})")


if __name__ == "__main__":
    main()
