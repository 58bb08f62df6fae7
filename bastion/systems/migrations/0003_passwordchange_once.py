"""One password-change attestation per person, system and date: the copies a form sent twice
at once could store (issue 15, fault 3) are removed, keeping the first, before the constraint
that stops them."""

from django.db import migrations, models
from django.db.models import Count, Min


def forwards(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated (a restore's, say)
    PasswordChange = apps.get_model("systems", "PasswordChange")
    repeated = (
        PasswordChange.objects.using(db).values("system_id", "person_id", "changed_on")
        .annotate(copies=Count("pk"), first=Min("pk"))
        .filter(copies__gt=1)
    )
    for row in repeated:
        PasswordChange.objects.using(db).filter(
            system_id=row["system_id"], person_id=row["person_id"], changed_on=row["changed_on"]
        ).exclude(pk=row["first"]).delete()


class Migration(migrations.Migration):
    dependencies = [("systems", "0002_account_passwordchange_transfer")]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="passwordchange",
            constraint=models.UniqueConstraint(
                fields=("system", "person", "changed_on"), name="passwordchange_once"
            ),
        ),
    ]
