"""Export a consultation's comments to CSV, with the same filters and bytes as the admin page."""

import sys

from django.core.management.base import BaseCommand, CommandError

from guidance.analysis.exports import Layout, export_csv, select_comments
from guidance.models import Consultation
from guidance.staff.forms import ExportForm


class Command(BaseCommand):
    help = (
        "Write a consultation's comments as CSV (UTF-8 with a byte-order mark, CRLF rows) to standard "
        "output or to -o FILE. With no --status: pending, approved and rejected comments (not spam, not withdrawn); "
        "without personal data, a comment rejected as containing personal information has no words. The export is "
        "recorded, with no user. docs/export-format.md lists the columns."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The consultation's slug, as in its web address.")
        parser.add_argument("-o", "--output", help="File to write. Default: standard output.")
        parser.add_argument("--layout", default=Layout.COMMENTS, help="comments (the default) or responses.")
        parser.add_argument(
            "--status",
            action="append",
            help=(
                "pending, approved, rejected, spam or withdrawn; several separated by commas, or the option given "
                "again (--status approved,spam). Default: pending,approved,rejected."
            ),
        )
        parser.add_argument("--target", help="A section number such as 2.3 or a question such as Q4.")
        parser.add_argument("--respondent-type", help="public, patient, carer, researcher, professional, …")
        parser.add_argument("--channel", help="online, email, post, event or social_media.")
        parser.add_argument("--from", dest="submitted_from", help="Submitted on or after this UK date (2026-01-31).")
        parser.add_argument("--to", dest="submitted_to", help="Submitted on or before this UK date.")
        parser.add_argument("--theme", help="A theme's name.")
        parser.add_argument(
            "--with-personal-data",
            "--personal-data",
            dest="with_personal_data",
            action="store_true",
            help=(
                "Add respondents' personal data (name, email address, organisation and source URL) and, in the "
                "comments layout, staff notes."
            ),
        )

    def handle(self, *args, slug, output, with_personal_data, **options):
        consultation = Consultation.objects.filter(slug=slug).first()
        if consultation is None:
            raise CommandError(f"No consultation has the slug {slug!r}.")
        data = {name: options[name] for name in ["layout", *ExportForm.FILTERS] if options.get(name)}
        if "status" in data:
            data["status"] = [
                status.strip() for given in data["status"] for status in given.split(",") if status.strip()
            ]
        data["with_personal_data"] = with_personal_data
        form = ExportForm(consultation, data)
        if not form.is_valid():
            problems = "; ".join(
                f"{name.replace('_', '-')}: {' '.join(errors)}" for name, errors in form.errors.items()
            )
            raise CommandError(f"Nothing exported. {problems}")
        filters = form.filters()
        # Open the file before recording the export, so a bad path records nothing.
        try:
            file = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115 closed below
        except OSError as error:
            raise CommandError(f"Nothing exported: cannot write {output}: {error.strerror}.") from None
        try:
            file.writelines(
                export_csv(
                    consultation,
                    select_comments(consultation, filters),
                    by=None,
                    layout=form.cleaned_data["layout"],
                    filters=filters,
                    with_personal_data=with_personal_data,
                )
            )
        finally:
            if output:
                file.close()
            else:
                file.flush()
