"""Counting the answers to a choice question by option and by channel
(guidance.responses.answers.option_counts, which the dashboard and the published figures call), on
PostgreSQL, with 250,000 answers to one question over every channel.

Creates (and afterwards drops) its own database, so it never touches yours:

    .venv/bin/python bench/option_counts.py
    .venv/bin/python bench/option_counts.py --answers 1000000

The figures go in docs/performance.md ("Every channel counts").
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="No directory at")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/consult_bench_option_counts")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moderation import drop_database, recreate_database  # noqa: E402

SEED = """
INSERT INTO guidance_response (consultation_id, reference, channel, respondent_type, name, email, organisation,
    consent, submitted_at, source_url, anonymised_at, withdrawn_at, notify, link_version, started_by)
SELECT %(consultation)s, 'B' || n,
    (ARRAY['online', 'online', 'online', 'email', 'post', 'event', 'social_media'])[1 + n %% 7],
    'public', '', '', '', 'anonymous', now(), '', NULL, NULL, false, 0, ''
FROM generate_series(1, %(answers)s) AS n;
INSERT INTO guidance_comment (response_id, consultation_id, question_id, text, other_text, created_at, status,
    reason_code, reason, notified_status)
SELECT r.id, %(consultation)s, %(question)s, '', '', now(),
    (ARRAY['pending', 'approved', 'approved', 'spam'])[1 + r.id %% 4], '', '', ''
FROM guidance_response r WHERE r.consultation_id = %(consultation)s;
INSERT INTO guidance_chosenoption (comment_id, option_id)
SELECT c.id, (ARRAY[%(yes)s, %(partly)s, %(no)s])[1 + c.id %% 3]
FROM guidance_comment c WHERE c.question_id = %(question)s;
"""


def without_channel(consultation):
    """The two grouped counts as they were before the channel was counted, for comparison."""
    from django.db.models import Count

    from guidance.models import ChosenOption, Comment

    counted = ChosenOption.objects.filter(option__question__consultation=consultation).exclude(
        comment__status__in=[Comment.Status.SPAM, Comment.Status.WITHDRAWN]
    )
    list(counted.order_by().values_list("option").annotate(n=Count("*")))
    list(counted.order_by().values_list("option__question").annotate(n=Count("comment", distinct=True)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("This benchmark measures PostgreSQL: set DATABASE_URL to a postgres:// address.")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from guidance.models import Question
    from guidance.responses import answers
    from tests.factories import ConsultationFactory, QuestionFactory

    try:
        call_command("migrate", verbosity=0)
        consultation = ConsultationFactory()
        question = QuestionFactory(consultation=consultation, position=1, kind=Question.Kind.ONE_CHOICE)
        answers.set_options(question, ["Yes", "Partly", "No"])
        yes, partly, no = question.options.order_by("position").values_list("pk", flat=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                SEED,
                {
                    "consultation": consultation.pk,
                    "question": question.pk,
                    "answers": args.answers,
                    "yes": yes,
                    "partly": partly,
                    "no": no,
                },
            )
            cursor.execute("VACUUM ANALYZE")
        print(f"Seeded {args.answers:,} answers in {time.perf_counter() - started:.0f} s")
        questions = list(consultation.questions.prefetch_related("options"))
        answers.option_counts(consultation, questions)  # warm up
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            (counts,) = answers.option_counts(consultation, questions)
            times.append(time.perf_counter() - start)
        print(
            f"option_counts: {', '.join(f'{t * 1000:.0f}' for t in times)} ms; median "
            f"{statistics.median(times) * 1000:.0f} ms; {counts.answered:,} answered, "
            f"{len(counts.by_channel)} channels"
        )
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            without_channel(consultation)
            times.append(time.perf_counter() - start)
        print(
            f"the same two counts without the channel (as before): {', '.join(f'{t * 1000:.0f}' for t in times)} ms; "
            f"median {statistics.median(times) * 1000:.0f} ms"
        )
    finally:
        connection.close()
        drop_database(url)


if __name__ == "__main__":
    main()
