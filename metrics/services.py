"""Counter writes: count one completed consultation, rebuild the rollups.

Counting is idempotent and atomic in the database. The marker row is inserted first
(`ON CONFLICT DO NOTHING`); only the transaction that actually inserted it goes on to add
the consultation to the three daily rows, each with a single upsert that adds in SQL
(`SET n = cur.n + excluded.n`), never a read-modify-write in Python. It then gives its
company a new counters generation (the key of HR's cached figures, metrics.report_cache),
in the same transaction. Everything runs in
the caller's transaction: an end that rolls back leaves no count.

The SQL is the upsert dialect shared by PostgreSQL (>= 9.5) and SQLite (>= 3.24). On
PostgreSQL the same steps run as one statement (`_count_in_one_statement`: each step a
data-modifying WITH query fed by the one before), one round trip instead of five.
"""

import functools
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from companies.models import Company
from consultations.models import Consultation
from metrics import verification
from metrics.models import (
    CompanyDay,
    CompanyGeneration,
    CountedConsultation,
    EmployeeDay,
    PractitionerDay,
)


def counting_day(scheduled_at: datetime) -> date:
    """The day a consultation counts on: its start date in TIME_ZONE (Europe/Paris),
    whatever the active time zone of the request that ended it."""
    return scheduled_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _prep(model, values: dict) -> tuple[list[str], list]:
    columns, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        columns.append(connection.ops.quote_name(field.column))
        params.append(field.get_db_prep_value(value, connection, prepared=False))
    return columns, params


def _insert(model, values: dict, *, conflict: list[str], add: list[str] | None = None) -> int:
    """INSERT one row; on a key conflict do nothing (add=None) or add `add` columns of the
    new row to the existing one. Returns the number of rows the database reports."""
    qn = connection.ops.quote_name
    columns, params = _prep(model, values)
    conflict_columns = ", ".join(qn(model._meta.get_field(n).column) for n in conflict)
    if add:
        sets = ", ".join(
            f"{c} = cur.{c} + excluded.{c}"
            for c in (qn(model._meta.get_field(n).column) for n in add)
        )
        action = f"DO UPDATE SET {sets}"  # nosec B608 # quoted column names of the model
    else:
        action = "DO NOTHING"
    # Identifiers come from model metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} AS cur ({', '.join(columns)}) "  # noqa: S608 # nosec B608
        f"VALUES ({', '.join(['%s'] * len(params))}) ON CONFLICT ({conflict_columns}) {action}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# No savepoint of its own: when nested in the end's transaction, a failure here fails
# the end (two round trips saved per count).
@transaction.atomic(savepoint=False)
def consultation_counted(*, consultation: Consultation) -> bool:
    """Add a completed consultation to its practitioner's, employee's and company's day,
    once. Returns True when this call counted it, False when it was already counted or
    does not count (any status but completed).

    Concurrency (PostgreSQL, READ COMMITTED): a second transaction inserting the same
    marker or the same employee/day row waits for the first one's outcome, then either
    sees the conflict (and skips / only increments) or inserts itself if the first rolled
    back; so each consultation is counted once and each employee adds one active
    employee per company and day, whatever the interleaving.
    """
    if consultation.status != Consultation.Status.COMPLETED:
        return False
    day = counting_day(consultation.scheduled_at)
    seconds = consultation.duration_seconds or 0
    if connection.vendor == "postgresql":
        return _count_in_one_statement(consultation, day=day, seconds=seconds)
    if not _insert(
        CountedConsultation,
        {"consultation": consultation.pk, "day": day},
        conflict=["consultation"],
    ):
        return False

    first_of_day = _insert(
        EmployeeDay,
        {
            "company": consultation.company_id,
            "day": day,
            "employee": consultation.employee_id,
            "consultations": 1,
            "total_duration_seconds": seconds,
        },
        conflict=["company", "day", "employee"],
    )
    if not first_of_day:
        EmployeeDay.objects.filter(
            company_id=consultation.company_id, day=day, employee_id=consultation.employee_id
        ).update(
            consultations=F("consultations") + 1,
            total_duration_seconds=F("total_duration_seconds") + seconds,
        )
    _insert(
        PractitionerDay,
        {
            "practitioner": consultation.practitioner_id,
            "day": day,
            "consultations": 1,
            "total_duration_seconds": seconds,
        },
        conflict=["practitioner", "day"],
        add=["consultations", "total_duration_seconds"],
    )
    _insert(
        CompanyDay,
        {
            "company": consultation.company_id,
            "day": day,
            "consultations": 1,
            "total_duration_seconds": seconds,
            "active_employees": 1 if first_of_day else 0,
        },
        conflict=["company", "day"],
        add=["consultations", "total_duration_seconds", "active_employees"],
    )
    _insert(
        CompanyGeneration,
        {"company": consultation.company_id, "generation": 1},
        conflict=["company"],
        add=["generation"],
    )
    return True


@functools.cache
def _one_statement_sql() -> str:
    """`consultation_counted`'s steps in one PostgreSQL statement, in the same order and
    with the same conflict rules: the marker first (DO NOTHING: an already counted
    consultation returns no row, and every later step reads that row, so none runs);
    the employee/day row inserted if new (then the employee is active on that day) or
    else incremented by a second upsert (ON CONFLICT DO UPDATE reads the row as last
    committed, like the separate UPDATE did: a concurrent first insert is never
    missed); the practitioner's and company's days and the counters generation
    incremented in SQL. Identifiers come from the models, quoted; values are
    parameters."""
    qn = connection.ops.quote_name

    def table(model):
        return qn(model._meta.db_table)

    def col(model, name):
        return qn(model._meta.get_field(name).column)

    def added(model, *names):
        return ", ".join(
            f"{col(model, n)} = cur.{col(model, n)} + excluded.{col(model, n)}" for n in names
        )

    e, p, c, g = EmployeeDay, PractitionerDay, CompanyDay, CompanyGeneration
    e_cols = ", ".join(
        col(e, n) for n in ("company", "day", "employee", "consultations", "total_duration_seconds")
    )
    e_key = ", ".join(col(e, n) for n in ("company", "day", "employee"))
    e_values = "SELECT %(company)s, %(day)s, %(employee)s, 1, %(seconds)s"
    return f"""
        WITH marker AS (
            INSERT INTO {table(CountedConsultation)}
                ({col(CountedConsultation, "consultation")}, {col(CountedConsultation, "day")})
            VALUES (%(consultation)s, %(day)s)
            ON CONFLICT ({col(CountedConsultation, "consultation")}) DO NOTHING
            RETURNING 1
        ), first_of_day AS (
            INSERT INTO {table(e)} AS cur ({e_cols})
            {e_values} FROM marker
            ON CONFLICT ({e_key}) DO NOTHING
            RETURNING 1
        ), employee_again AS (
            INSERT INTO {table(e)} AS cur ({e_cols})
            {e_values} FROM marker WHERE NOT EXISTS (SELECT FROM first_of_day)
            ON CONFLICT ({e_key})
            DO UPDATE SET {added(e, "consultations", "total_duration_seconds")}
        ), practitioner_day AS (
            INSERT INTO {table(p)} AS cur
                ({col(p, "practitioner")}, {col(p, "day")}, {col(p, "consultations")},
                 {col(p, "total_duration_seconds")})
            SELECT %(practitioner)s, %(day)s, 1, %(seconds)s FROM marker
            ON CONFLICT ({col(p, "practitioner")}, {col(p, "day")})
            DO UPDATE SET {added(p, "consultations", "total_duration_seconds")}
        ), company_day AS (
            INSERT INTO {table(c)} AS cur
                ({col(c, "company")}, {col(c, "day")}, {col(c, "consultations")},
                 {col(c, "total_duration_seconds")}, {col(c, "active_employees")})
            SELECT %(company)s, %(day)s, 1, %(seconds)s, (SELECT count(*) FROM first_of_day)
            FROM marker
            ON CONFLICT ({col(c, "company")}, {col(c, "day")})
            DO UPDATE SET {added(c, "consultations", "total_duration_seconds", "active_employees")}
        ), generation AS (
            INSERT INTO {table(g)} AS cur ({col(g, "company")}, {col(g, "generation")})
            SELECT %(company)s, 1 FROM marker
            ON CONFLICT ({col(g, "company")}) DO UPDATE SET {added(g, "generation")}
        )
        SELECT count(*) FROM marker
    """  # noqa: S608 # nosec B608 # model identifiers, quoted; values are parameters


def _count_in_one_statement(consultation: Consultation, *, day: date, seconds: int) -> bool:
    # Bound server-side and prepared once per connection (huntzen/postgresql
    # `prepared_cursor`): its plan does not depend on the values (inserts and upserts by
    # key), so PostgreSQL plans it once per connection instead of on every end.
    prepared = getattr(connection, "prepared_cursor", None)
    with prepared() if prepared is not None else connection.cursor() as cursor:
        cursor.execute(
            _one_statement_sql(),
            {
                "consultation": consultation.pk,
                "day": day,
                "company": consultation.company_id,
                "employee": consultation.employee_id,
                "practitioner": consultation.practitioner_id,
                "seconds": seconds,
            },
        )
        return cursor.fetchone()[0] == 1


def counters_changed(*, company_ids=None) -> None:
    """A new counters generation for the given companies (all when None), in the
    caller's transaction: every write of company/day or employee/day rows calls it."""
    generations = CompanyGeneration.objects.all()
    ids = Company.objects.values_list("pk", flat=True)
    if company_ids is not None:
        generations = generations.filter(company__in=company_ids)
        ids = ids.filter(pk__in=company_ids)
    generations.update(generation=F("generation") + 1)
    CompanyGeneration.objects.bulk_create(
        [CompanyGeneration(company_id=pk, generation=1) for pk in ids], ignore_conflicts=True
    )


@dataclass(frozen=True)
class RebuildResult:
    consultations: int
    practitioner_days: int
    employee_days: int
    company_days: int


_BATCH = 2000


@transaction.atomic
def counters_rebuild(*, start: date | None = None, end: date | None = None) -> RebuildResult:
    """Recompute markers and rollups from the consultations, for days in [start, end]
    (both optional). Idempotent.

    Counting inserts its marker first, so locking the marker table (PostgreSQL) or taking
    the write lock with the first DELETE (SQLite) makes concurrent ends wait until the
    rebuild commits; an end still in flight when the rebuild starts is awaited by the lock
    and then read as committed. No consultation is lost or counted twice.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(CountedConsultation._meta.db_table)} "
                "IN EXCLUSIVE MODE"
            )
    days = verification.day_filter(start, end)
    CountedConsultation.objects.filter(**days).delete()
    PractitionerDay.objects.filter(**days).delete()
    EmployeeDay.objects.filter(**days).delete()
    CompanyDay.objects.filter(**days).delete()

    expected = verification.expected_counters(start=start, end=end)
    CountedConsultation.objects.bulk_create(
        (
            CountedConsultation(consultation_id=pk, day=day)
            for pk, day in verification.completed_consultation_days(start=start, end=end)
        ),
        batch_size=_BATCH,
    )
    PractitionerDay.objects.bulk_create(
        (
            PractitionerDay(
                practitioner_id=practitioner_id,
                day=day,
                consultations=n,
                total_duration_seconds=seconds,
            )
            for (practitioner_id, day), (n, seconds) in expected.practitioner_days.items()
        ),
        batch_size=_BATCH,
    )
    EmployeeDay.objects.bulk_create(
        (
            EmployeeDay(
                company_id=company_id,
                day=day,
                employee_id=employee_id,
                consultations=n,
                total_duration_seconds=seconds,
            )
            for (company_id, day, employee_id), (n, seconds) in expected.employee_days.items()
        ),
        batch_size=_BATCH,
    )
    CompanyDay.objects.bulk_create(
        (
            CompanyDay(
                company_id=company_id,
                day=day,
                consultations=n,
                total_duration_seconds=seconds,
                active_employees=active,
            )
            for (company_id, day), (n, seconds, active) in expected.company_days.items()
        ),
        batch_size=_BATCH,
    )
    counters_changed()
    return RebuildResult(
        consultations=CountedConsultation.objects.filter(**days).count(),
        practitioner_days=len(expected.practitioner_days),
        employee_days=len(expected.employee_days),
        company_days=len(expected.company_days),
    )
