from django.db import migrations

SPECIALTIES = [
    "stress", "burnout", "anxiety", "depression", "grief", "addiction", "sleep",
    "relationships", "work_conflict",
]
LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "ar"]


def create_codes(apps, schema_editor):
    Specialty = apps.get_model("companies", "Specialty")
    Language = apps.get_model("companies", "Language")
    for code in SPECIALTIES:
        Specialty.objects.get_or_create(code=code)
    for code in LANGUAGES:
        Language.objects.get_or_create(code=code)


class Migration(migrations.Migration):

    dependencies = [
        ("companies", "0002_language_specialty_practitionerprofile"),
    ]

    operations = [migrations.RunPython(create_codes, migrations.RunPython.noop)]
