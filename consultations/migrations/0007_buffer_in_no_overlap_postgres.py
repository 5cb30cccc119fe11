"""The practitioner's pause after a consultation is free in the database too: the
practitioner's exclusion constraint now spans [start, end + buffer) of each live
consultation, the buffer being the one recorded on the row when it was booked.

`timestamptz + interval` is only STABLE in PostgreSQL (an interval of days or months
depends on the time zone), so an index expression cannot use it. An interval of minutes
alone is plain arithmetic on the instant: `consultation_buffer_end` says so (IMMUTABLE)
and only ever adds minutes.

The employee's constraint (0002) is unchanged: an employee has no buffer. SQLite (demo)
has a single writer; the booking service re-checks under it.
"""

from django.db import migrations

_LIVE = "status IN ('scheduled', 'in_progress', 'completed')"

CREATE = f"""
CREATE OR REPLACE FUNCTION consultation_buffer_end(ends timestamptz, minutes integer)
  RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ends + make_interval(mins => minutes) $$;
ALTER TABLE consultations_consultation DROP CONSTRAINT IF EXISTS consultation_practitioner_no_overlap;
ALTER TABLE consultations_consultation
  ADD CONSTRAINT consultation_practitioner_no_overlap
  EXCLUDE USING gist (
    practitioner_id WITH =,
    tstzrange(scheduled_at, consultation_buffer_end(scheduled_end, buffer_minutes), '[)') WITH &&
  )
  WHERE ({_LIVE});
"""

DROP = f"""
ALTER TABLE consultations_consultation DROP CONSTRAINT IF EXISTS consultation_practitioner_no_overlap;
DROP FUNCTION IF EXISTS consultation_buffer_end(timestamptz, integer);
ALTER TABLE consultations_consultation
  ADD CONSTRAINT consultation_practitioner_no_overlap
  EXCLUDE USING gist (practitioner_id WITH =, tstzrange(scheduled_at, scheduled_end, '[)') WITH &&)
  WHERE ({_LIVE});
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0006_late_cancel_reschedule_buffer")]

    operations = [migrations.RunPython(forwards, backwards)]
