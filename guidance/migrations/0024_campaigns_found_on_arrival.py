"""Campaigns are found as comments arrive: each comment remembers when it was compared with the
others on its section or question, and keeps a few keys (hashes of its shingles) to be found by
(guidance/moderation/campaigns.py). Comments stored before are "not compared yet" until Find
campaigns runs for their consultation."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("guidance", "0023_staff_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="compared_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="CampaignKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.BigIntegerField()),
                (
                    "comment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="guidance.comment"
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="guidance.question",
                    ),
                ),
                (
                    "section",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="guidance.section",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["section", "question", "key"], name="campaign_key_target")],
            },
        ),
    ]
