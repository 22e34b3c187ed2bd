"""A form saved to finish later is a SavedForm (it was called Draft, which also meant the document
under consultation and an unpublished consultation). Its table keeps its name: nothing moves."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("guidance", "0019_roles_from_code")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameModel("Draft", "SavedForm"),
                migrations.AlterModelTable("SavedForm", "guidance_draft"),
                migrations.AlterField(
                    model_name="savedform",
                    name="response",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="saved_forms", to="guidance.response"
                    ),
                ),
            ]
        )
    ]
