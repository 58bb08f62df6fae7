"""Kept answers become plain JSON (issue 16): what was kept pickled is dropped, not converted
(it is computed again on the next page), and the column holds text."""

from django.db import migrations, models


def forget_kept(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated (a restore's, say)
    apps.get_model("controls", "KeptEvaluation").objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [("controls", "0002_kept_evaluation")]

    operations = [
        migrations.RunPython(forget_kept, migrations.RunPython.noop),
        migrations.RemoveField(model_name="keptevaluation", name="value"),
        migrations.AddField(
            model_name="keptevaluation",
            name="value",
            field=models.TextField(default="{}"),
            preserve_default=False,
        ),
    ]
