"""The company HR's figures are read for (metrics.access.get_company_for): one plain
statement that answers what the ORM answered (every field, and the counters' generation
the cache keys on), in one query, and 404 for a company that does not exist."""

import uuid

import pytest
from django.db.models import OuterRef, Subquery
from django.http import Http404

from companies.models import Company
from metrics.access import get_company_for
from metrics.models import CompanyGeneration
from tests.consultations.factories import completed
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def june(time_machine):
    time_machine.move_to(paris(2026, 6, 15, 12))


def _orm(pk) -> Company:
    """The ORM's read this replaced."""
    generation = CompanyGeneration.objects.filter(company=OuterRef("pk")).values("generation")
    return Company.objects.annotate(counters_generation=Subquery(generation[:1])).get(pk=pk)


def _fields(company) -> dict:
    return {
        **{field.attname: getattr(company, field.attname) for field in Company._meta.fields},
        "counters_generation": company.counters_generation,
    }


def test_it_reads_what_the_orm_read_before_any_count(hr_acme, acme):
    company = get_company_for(hr_acme, acme.pk)

    assert _fields(company) == _fields(_orm(acme.pk))
    assert company.counters_generation is None
    assert company._state.adding is False and company._state.db == "default"


def test_it_reads_the_generation_each_count_moves(hr_acme, acme, practitioner_p):
    before = get_company_for(hr_acme, acme.pk).counters_generation
    (person,) = make_employees(acme, 1)
    completed(person, practitioner_p, at=paris(2026, 5, 4, 10))

    company = get_company_for(hr_acme, acme.pk)

    assert _fields(company) == _fields(_orm(acme.pk))
    assert company.counters_generation is not None
    assert company.counters_generation != before


def test_it_reads_every_field_as_the_orm_types_it(staff_r2, acme):
    acme.address, acme.yearly_allowance_per_employee = "1 rue de la Paix", 4
    acme.save()

    company = get_company_for(staff_r2, str(acme.pk))

    assert _fields(company) == _fields(_orm(acme.pk))
    assert isinstance(company.pk, uuid.UUID)
    assert company.activated_at.tzinfo is not None


def test_it_costs_one_query(hr_acme, acme, django_assert_num_queries):
    with django_assert_num_queries(1):
        get_company_for(hr_acme, acme.pk)


def test_it_answers_404_for_a_company_that_does_not_exist(staff_r2):
    with pytest.raises(Http404):
        get_company_for(staff_r2, uuid.uuid4())


def test_it_answers_404_for_another_company(hr_acme, globex, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(Http404):
        get_company_for(hr_acme, globex.pk)
