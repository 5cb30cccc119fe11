PREPARE q(uuid, date, date, text[], timestamptz, timestamptz, timestamptz, uuid, timestamptz) AS
        SELECT a.time_zone, a.length_minutes, a.buffer_minutes,
               o.weekdays, o.starts, o.ends,
               e.kinds, e.dates, e.starts, e.ends,
               c.starts, c.ends, c.buffers,
               EXISTS (
                   SELECT FROM "consultations_consultation"
                   WHERE employee_id = $8 AND status IN ('scheduled', 'in_progress', 'completed')
                     AND tstzrange(scheduled_at, scheduled_end, '[)') && tstzrange($9, $9 + a.length_minutes * interval '1 minute', '[)')
               )
        FROM "consultations_availability" a
        CROSS JOIN LATERAL (
            SELECT array_agg(weekday) AS weekdays, array_agg(start_time) AS starts,
                   array_agg(end_time) AS ends
            FROM "consultations_weeklyopening" WHERE availability_id = $1
        ) o
        CROSS JOIN LATERAL (
            SELECT array_agg(kind) AS kinds, array_agg(date) AS dates,
                   array_agg(start_time) AS starts, array_agg(end_time) AS ends
            FROM "consultations_availabilityexception"
            WHERE availability_id = $1
              AND date >= $2 AND date <= $3
        ) e
        CROSS JOIN LATERAL (
            SELECT array_agg(scheduled_at) AS starts, array_agg(scheduled_end) AS ends,
                   array_agg(buffer_minutes) AS buffers
            FROM (
                SELECT scheduled_at, scheduled_end, buffer_minutes FROM "consultations_consultation"
                WHERE practitioner_id = $1 AND status IN ('scheduled', 'in_progress', 'completed')
                  AND scheduled_at > $5 AND scheduled_at < $6
                  AND scheduled_end > $7
                ORDER BY scheduled_at
            ) live
        ) c
        WHERE a.practitioner_id = $1;
