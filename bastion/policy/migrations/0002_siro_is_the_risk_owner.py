"""The SIRO is the Senior Information Risk *Owner* (the government's title): statements still
carrying the first template's "Officer" are corrected. Frozen versions are left as signed."""

from django.db import migrations

OLD, NEW = "Senior Information Risk Officer", "Senior Information Risk Owner"


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated (a restore's, say)
    Statement = apps.get_model("policy", "Statement")
    for statement in Statement.objects.using(db).filter(text__contains=OLD).only("pk", "text"):
        Statement.objects.using(db).filter(pk=statement.pk).update(text=statement.text.replace(OLD, NEW))


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
