"""No double booking, enforced by PostgreSQL itself: two live consultations of one
practitioner (or of one employee) can never overlap in time, whatever the race.
SQLite (demo) has a single writer; the booking service re-checks under it."""

from django.db import migrations

_LIVE = "status IN ('scheduled', 'in_progress', 'completed')"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE consultations_consultation
  ADD CONSTRAINT consultation_practitioner_no_overlap
  EXCLUDE USING gist (practitioner_id WITH =, tstzrange(scheduled_at, scheduled_end, '[)') WITH &&)
  WHERE ({_LIVE});
ALTER TABLE consultations_consultation
  ADD CONSTRAINT consultation_employee_no_overlap
  EXCLUDE USING gist (employee_id WITH =, tstzrange(scheduled_at, scheduled_end, '[)') WITH &&)
  WHERE ({_LIVE});
"""

DROP = """
ALTER TABLE consultations_consultation DROP CONSTRAINT IF EXISTS consultation_practitioner_no_overlap;
ALTER TABLE consultations_consultation DROP CONSTRAINT IF EXISTS consultation_employee_no_overlap;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
