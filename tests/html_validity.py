"""The Nu HTML Checker (vnu.jar, from the vnu-jar npm package) on a batch of pages.

Starting the checker's Java runtime takes seconds, so pages are collected first and checked in
one run. Without Java (`apt-get install default-jre-headless`; CI installs it) the caller skips.
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

VNU_JAR = Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def java():
    return shutil.which("java")


def html_errors(pages):
    """{name: [error, …]} for each of pages ({name: HTML}) that the checker finds errors in."""
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (name, html) in enumerate(pages.items()):
            path = Path(folder) / f"page-{number:03d}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = name
        result = subprocess.run(
            [
                java(),
                "-jar",
                str(VNU_JAR),
                "--errors-only",
                "--format",
                "json",
                "--exit-zero-always",
                *sorted(str(Path(folder) / file) for file in names),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    # The checker writes its report to standard error; anything else there is a failure to run.
    report = json.loads(result.stderr)
    errors = {}
    for message in report["messages"]:
        name = names.get(message.get("url", "").rsplit("/", 1)[-1], "(the checker itself)")
        where = f"line {message['lastLine']}: " if "lastLine" in message else ""
        errors.setdefault(name, []).append(f"{where}{message['message']} [{message.get('extract', '').strip()[:80]}]")
    return errors
