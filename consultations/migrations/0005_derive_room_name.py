"""Stop storing Jitsi room names: they are derived from the consultation's id under a
key (consultations.video.room_name), so a database dump opens no room. Going back gives
every row a fresh random name, as the old code did.
"""

import secrets

from django.db import migrations, models

BATCH = 500


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
        ("consultations", "0004_seal_cancel_reason"),
    ]

    operations = [
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
