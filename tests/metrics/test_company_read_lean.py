"""The company read of metrics.access.get_company_for on the lean path (libpq's prepared
statement, huntzen/postgresql/lean.py): outside a transaction, with nothing watching, the
row comes back as PostgreSQL's text and each field's `to_python` reads it. It answers
exactly what the ORM answers (every field, its type, the counters' generation) over many
companies' values, as the cursor path does inside a transaction; a missing company is
still a 404."""

import uuid
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404

from companies.models import Company
from huntzen.postgresql import lean
from metrics.access import get_company_for
from metrics.models import CompanyGeneration

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NAMES = [
    "Acme",
    'L\'Œuvre "Sociale" & Cie',
    "back\\slash \\x00 %s %% $1",
    "tab\tnew\nline",
    "emoji 🧠 é",
    "a" * 200,
]
ACTIVATED = [
    None,
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 10, 25, 2, 30, tzinfo=PARIS),
    datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    datetime(1999, 1, 1, tzinfo=UTC),
]
GENERATIONS = [None, 0, 1, 2**31, 2**63 - 1]


@pytest.fixture
def staff(staff_r2):
    return staff_r2


@pytest.fixture
def lean_calls(monkeypatch):
    """The statements run through the lean path during the test."""
    calls = []
    real = lean.text_row

    def counted(conn, name, text, *args, **kwargs):
        calls.append(text)
        return real(conn, name, text, *args, **kwargs)

    monkeypatch.setattr(lean, "text_row", counted)
    return calls


def _orm(pk) -> Company:
    generation = CompanyGeneration.objects.filter(company=OuterRef("pk")).values("generation")
    return Company.objects.annotate(counters_generation=Subquery(generation[:1])).get(pk=pk)


def _fields(company) -> dict:
    values = {field.attname: getattr(company, field.attname) for field in Company._meta.fields}
    values["counters_generation"] = company.counters_generation
    return {name: (type(value), value) for name, value in values.items()}


def _company(i: int) -> Company:
    company = Company.objects.create(
        name=NAMES[i % len(NAMES)],
        siret=f"{i:014d}",
        contact_email=f"c{i}@example.test",
        contact_phone="" if i % 2 else "+33 1 23 45 67 89",
        address="" if i % 3 else "1 rue de la Paix\n75002 Paris",
        seats=i * 7,
        yearly_allowance_per_employee=i % 5,
        late_cancellations_paid=bool(i % 2),
        is_active=bool(i % 3),
        activated_at=ACTIVATED[i % len(ACTIVATED)],
    )
    generation = GENERATIONS[i % len(GENERATIONS)]
    if generation is not None:
        CompanyGeneration.objects.create(company=company, generation=generation)
    return company


def test_it_reads_what_the_orm_reads_over_many_companies(staff, lean_calls):
    companies = [_company(i) for i in range(1, 31)]
    for company in companies:
        lean_calls.clear()
        read = get_company_for(staff, company.pk)
        assert len(lean_calls) == 1  # the lean path ran
        assert _fields(read) == _fields(_orm(company.pk))
        assert read._state.adding is False and read._state.db == "default"


def test_inside_a_transaction_the_cursor_reads_the_same(staff, lean_calls):
    companies = [_company(i) for i in range(1, 11)]
    outside = {company.pk: _fields(get_company_for(staff, company.pk)) for company in companies}
    lean_calls.clear()
    with transaction.atomic():
        inside = {c.pk: _fields(get_company_for(staff, c.pk)) for c in companies}
    assert lean_calls == []
    assert inside == outside


def test_the_generation_each_change_moves_is_read(staff, lean_calls):
    company = _company(1)
    assert get_company_for(staff, company.pk).counters_generation == 0
    CompanyGeneration.objects.filter(company=company).update(generation=41)
    assert get_company_for(staff, company.pk).counters_generation == 41
    assert len(lean_calls) == 2


def test_a_missing_company_is_404(staff, lean_calls):
    _company(1)
    with pytest.raises(Http404):
        get_company_for(staff, uuid.uuid4())
    assert len(lean_calls) == 1


def test_it_is_read_again_after_psycopgs_deallocate_all(staff):
    company = _company(2)
    before = _fields(get_company_for(staff, company.pk))
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _fields(get_company_for(staff, company.pk)) == before
