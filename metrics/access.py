"""Who may read whose counters: the one place, called first by every view and API view.

A user without the role permission is refused by the page's gate (403: the feature is not
theirs); a user with it asking about someone outside their reach gets 404 from the
access functions below (existence does not leak): practitioners see themselves, HR their
own company and its employees, HuntZen staff (R1/R2, superusers) everyone.
"""

from functools import cache

from django.db import connections, router
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.gates import gate, has_role_perm
from accounts.models import Role, User
from companies.models import Company
from metrics.models import CompanyGeneration
from metrics.selectors import as_uuid

PRACTITIONER_READ = "accounts.metrics_practitioner_usage_read"
PRACTITIONER_EXPORT = "accounts.exports_practitioner_usage"
EMPLOYEE_READ = "accounts.metrics_employee_usage_read"
COMPANY_READ = "accounts.metrics_company_read"
COMPANY_EXPORT = "accounts.exports_metrics_company"


_NO_ACCESS = _("Vous n'avez pas accès à ces compteurs.")


@gate("read_practitioner_metrics", _NO_ACCESS)
def may_read_practitioner_metrics(user) -> bool:
    """METRICS_PRACTITIONER_USAGE_READ: staff, and practitioners (themselves)."""
    return has_role_perm(user, PRACTITIONER_READ)


@gate("export_practitioner_metrics", _NO_ACCESS)
def may_export_practitioner_metrics(user) -> bool:
    """EXPORTS_PRACTITIONER_USAGE: staff, and practitioners (themselves)."""
    return has_role_perm(user, PRACTITIONER_EXPORT)


@gate("read_employee_metrics", _NO_ACCESS)
def may_read_employee_metrics(user) -> bool:
    """METRICS_EMPLOYEE_USAGE_READ: staff, and HR (its company's consenting employees)."""
    return has_role_perm(user, EMPLOYEE_READ)


@gate("read_company_metrics", _NO_ACCESS)
def may_read_company_metrics(user) -> bool:
    """METRICS_COMPANY_READ: staff, and HR (its own company)."""
    return has_role_perm(user, COMPANY_READ)


@gate("export_company_metrics", _NO_ACCESS)
def may_export_company_metrics(user) -> bool:
    """EXPORTS_METRICS_COMPANY: staff, and HR (its own company)."""
    return has_role_perm(user, COMPANY_EXPORT)


def sees_everyone(user: User) -> bool:
    return user.is_authenticated and user.is_huntzen_staff


@gate("read_all_counters", _("Cette page est réservée à l'équipe HuntZen."))
def may_read_all_counters(user) -> bool:
    """The payment run and the all-company view: HuntZen staff only."""
    return (
        has_role_perm(user, PRACTITIONER_READ)
        and has_role_perm(user, COMPANY_READ)
        and sees_everyone(user)
    )


def get_practitioner_for(user: User, pk) -> User:
    """Behind the read_practitioner_metrics or export_practitioner_metrics gate."""
    pk = as_uuid(pk)
    if pk is None or not (sees_everyone(user) or pk == user.pk):
        raise Http404
    try:
        return User.objects.get(pk=pk, role=Role.PRACTITIONER)
    except User.DoesNotExist:
        raise Http404 from None


def get_employee_for(user: User, pk) -> User:
    """Behind the read_employee_metrics gate."""
    pk = as_uuid(pk)
    if pk is None:
        raise Http404
    employees = User.objects.filter(pk=pk, role=Role.EMPLOYEE)
    if not sees_everyone(user):
        if user.company_id is None:
            raise Http404
        employees = employees.filter(company_id=user.company_id)
    try:
        return employees.select_related("company").get()
    except User.DoesNotExist:
        raise Http404 from None


def get_company_for(user: User, pk) -> Company:
    """Behind the read_company_metrics, export_company_metrics or read_employee_metrics
    gate."""
    pk = as_uuid(pk)
    if pk is None or not (sees_everyone(user) or (user.company_id and pk == user.company_id)):
        raise Http404
    company = _company_with_generation(pk)
    if company is None:
        raise Http404
    return company


def _company_with_generation(pk) -> Company | None:
    """The company and, as `counters_generation`, its counters' generation (None before
    its first count), the key of HR's cached figures (metrics.report_cache), in one plain
    statement: the ORM's own query (an annotation over a subquery) cost four times its
    execution to build on every request (bench/profiles/hd/). On PostgreSQL the statement
    runs through the backend's `text_row` (libpq's prepared statement outside a
    transaction with nothing watching, else Django's cursor): the row's values come back
    as PostgreSQL's text, or typed by the cursor, and each field's `to_python` reads
    either as the ORM types it (bench/profiles/nc/, tests/metrics/test_company_read_lean.py)."""
    connection = connections[router.db_for_read(Company)]
    sql, fields = _company_statement(connection.alias)
    pk_value = Company._meta.pk.get_db_prep_value(pk, connection)
    if hasattr(connection, "text_row"):
        row = connection.text_row(sql, [str(pk_value)])
        if row is None:
            return None
        values = [_from_text(field, value) for (field, *_), value in zip(fields, row, strict=False)]
        return _company(connection.alias, fields, values, _generation(row[-1]))
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk_value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for (_field, col, converters), value in zip(fields, row, strict=False):
        for converter in converters:
            value = converter(value, col, connection)
        values.append(value)
    return _company(connection.alias, fields, values, row[-1])


def _from_text(field, value):
    """A column's value as the ORM holds it, from PostgreSQL's text output ('t', a UUID's
    canonical form, ISO timestamps with their offset) or from the cursor's own type."""
    return None if value is None else field.to_python(value)


def _generation(value) -> int | None:
    return None if value is None else int(value)


def _company(alias: str, fields, values, generation) -> Company:
    company = Company.from_db(alias, [field.attname for field, *_ in fields], values)
    company.counters_generation = generation
    return company


@cache
def _company_statement(alias: str) -> tuple[str, list]:
    """The statement for this connection, and per column its field, its expression and
    the converters the ORM applies to it (SQLite's UUIDs, booleans and datetimes)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = Company._meta.db_table
    fields = []
    for field in Company._meta.concrete_fields:
        col = field.get_col(table)
        fields.append(
            (field, col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        )
    generations = CompanyGeneration._meta
    # Names from the models, quoted; the company's key is the one parameter.
    sql = (  # noqa: S608  # nosec B608
        "SELECT {columns}, (SELECT {generation} FROM {generations} WHERE {company} = {pk})"
        " FROM {table} WHERE {pk} = %s"
    ).format(
        columns=", ".join(f"{quote(table)}.{quote(field.column)}" for field, *_ in fields),
        generation=quote(generations.get_field("generation").column),
        generations=quote(generations.db_table),
        company=quote(generations.get_field("company").column),
        table=quote(table),
        pk=f"{quote(table)}.{quote(Company._meta.pk.column)}",
    )
    return sql, fields


def protects_small_groups(user: User) -> bool:
    """HR sees company figures with small groups withheld; HuntZen staff, who already see
    each consultation's participants in the admin, see exact figures (billing)."""
    return not sees_everyone(user)
