"""The SIRO is the Senior Information Risk *Owner* (the government's title): statements still
carrying the first template's "Officer" are corrected. Frozen versions are left as signed."""

from django.db import migrations

OLD, NEW = "Senior Information Risk Officer", "Senior Information Risk Owner"


def forwards(apps, schema_editor):
    Statement = apps.get_model("policy", "Statement")
    for statement in Statement.objects.filter(text__contains=OLD).only("pk", "text"):
        Statement.objects.filter(pk=statement.pk).update(text=statement.text.replace(OLD, NEW))


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
