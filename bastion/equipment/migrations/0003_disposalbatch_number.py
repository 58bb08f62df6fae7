from django.db import migrations, models


def number_existing(apps, schema_editor):
    """Existing disposals are numbered 1, 2, 3 ... per school, in the order they were started."""
    db = schema_editor.connection.alias  # the database being migrated (a restore's, say)
    DisposalBatch = apps.get_model("equipment", "DisposalBatch")
    counts: dict[int, int] = {}
    for batch in DisposalBatch.objects.using(db).order_by("school_id", "created_at", "pk"):
        counts[batch.school_id] = counts.get(batch.school_id, 0) + 1
        batch.number = counts[batch.school_id]
        batch.save(update_fields=["number"], using=db)


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0002_disposalitem_previous_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="disposalbatch",
            name="number",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="disposalbatch",
            name="number",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="disposalbatch",
            constraint=models.UniqueConstraint(
                fields=("school", "number"), name="disposal_number_unique"
            ),
        ),
    ]
