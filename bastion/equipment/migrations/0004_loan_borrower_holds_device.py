from django.db import migrations


def borrowers_hold(apps, schema_editor):
    """A device out on loan is held by its borrower (until now only tokens were marked so)."""
    db = schema_editor.connection.alias  # the database being migrated (a restore's, say)
    Loan = apps.get_model("equipment", "Loan")
    Device = apps.get_model("equipment", "Device")
    for device_id, borrower_id in Loan.objects.using(db).filter(returned_on__isnull=True).values_list(
        "device_id", "borrower_id"
    ):
        Device.objects.using(db).filter(pk=device_id).update(assigned_to_id=borrower_id)


class Migration(migrations.Migration):
    dependencies = [
        ("equipment", "0003_disposalbatch_number"),
    ]

    operations = [migrations.RunPython(borrowers_hold, migrations.RunPython.noop)]
