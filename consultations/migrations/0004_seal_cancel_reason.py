"""Seal cancellation reasons: they can be personal, so they are stored like medical text.

Existing reasons are sealed into the new column with the associated data that
Consultation.cancel_reason_aad() builds (table, row, who cancelled, field); the clear
column is then dropped. Going back unseals them.

The room names go in the next migration: on PostgreSQL a table whose rows this
transaction has already updated cannot be altered again in it ("pending trigger
events"), so each data step has its own migration.
"""

from django.db import migrations, models

BATCH = 500


def _aad(consultation):
    # Imported here: crypto reads the key ring from the settings.
    from medical.crypto import associated_data

    return associated_data(
        table=consultation._meta.db_table,
        row_id=consultation.pk,
        owner_id=consultation.cancelled_by_id,
        field="cancel_reason",
    )


def _rewrite(model, rows, field, value):
    """Set `field` to value(row) on every row, in batches."""
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        setattr(row, field, value(row))
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_update(batch, [field])
            batch = []
    model.objects.bulk_update(batch, [field])


def seal_reasons(apps, schema_editor):
    from medical.crypto import seal

    Consultation = apps.get_model("consultations", "Consultation")
    rows = Consultation.objects.exclude(cancel_reason="").only("pk", "cancelled_by", "cancel_reason")
    _rewrite(
        Consultation,
        rows,
        "cancel_reason_sealed",
        lambda row: seal(row.cancel_reason, aad=_aad(row)),
    )


def unseal_reasons(apps, schema_editor):
    from medical.crypto import unseal

    Consultation = apps.get_model("consultations", "Consultation")
    rows = Consultation.objects.exclude(cancel_reason_sealed="").only(
        "pk", "cancelled_by", "cancel_reason_sealed"
    )
    _rewrite(
        Consultation,
        rows,
        "cancel_reason",
        lambda row: unseal(row.cancel_reason_sealed, aad=_aad(row)),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("consultations", "0003_availability"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultation",
            name="cancel_reason_sealed",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(seal_reasons, unseal_reasons, elidable=False),
        migrations.RemoveField(
            model_name="consultation",
            name="cancel_reason",
        ),
    ]
