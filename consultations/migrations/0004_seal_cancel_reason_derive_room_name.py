"""Seal cancellation reasons (they can be personal) and stop storing Jitsi room names
(now derived from the consultation's id under a key: consultations.video.room_name).

Existing reasons are sealed into the new column with the associated data that
Consultation.cancel_reason_aad() builds (table, row, who cancelled, field); the clear
column is then dropped. Going back unseals them, and gives every row a fresh random
room name as the old code did.
"""

import secrets

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


def random_room_names(apps, schema_editor):
    Consultation = apps.get_model("consultations", "Consultation")
    _rewrite(
        Consultation,
        Consultation.objects.only("pk"),
        "room_name",
        lambda row: f"huntzen-{secrets.token_urlsafe(24)}",
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
        # The unique index goes first: going back fills the names before it returns.
        migrations.AlterField(
            model_name="consultation",
            name="room_name",
            field=models.CharField(max_length=64, blank=True, verbose_name="salle vidéo"),
        ),
        migrations.RunPython(migrations.RunPython.noop, random_room_names, elidable=False),
        migrations.RemoveField(
            model_name="consultation",
            name="room_name",
        ),
    ]
