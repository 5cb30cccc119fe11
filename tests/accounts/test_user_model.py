import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from accounts.services import user_create

pytestmark = pytest.mark.django_db


def test_email_is_stored_lowercase(acme):
    user = user_create(email="  Dana.Doe@Acme.TEST ", role=Role.EMPLOYEE, company=acme)
    assert user.email == "dana.doe@acme.test"


def test_email_lookup_ignores_case(employee_a):
    assert User.objects.get_by_natural_key("ALICE@acme.test") == employee_a


def test_same_email_in_another_case_is_refused(employee_a, acme):
    with pytest.raises(ValidationError):
        user_create(email="Alice@ACME.test", role=Role.EMPLOYEE, company=acme)


def test_database_refuses_case_variant_even_bypassing_services(employee_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="ALICE@ACME.TEST", role=Role.PRACTITIONER)])


def test_employee_without_company_is_refused(db):
    with pytest.raises(ValidationError):
        user_create(email="x@y.test", role=Role.EMPLOYEE)


def test_practitioner_with_company_is_refused(acme):
    with pytest.raises(ValidationError):
        user_create(email="x@y.test", role=Role.PRACTITIONER, company=acme)


def test_user_joins_the_group_of_its_role(employee_a):
    assert list(employee_a.groups.values_list("name", flat=True)) == ["R5_EMPLOYEE"]
