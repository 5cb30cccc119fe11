"""Small builders shared by the metrics tests (data through the real services)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.models import Role
from accounts.services import user_create
from metrics.models import CompanyDay, EmployeeDay, PractitionerDay

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def make_employees(company, count, prefix="staff"):
    return [
        user_create(
            email=f"{prefix}{i}@{company.name.lower()}.test",
            role=Role.EMPLOYEE,
            company=company,
            password="correct-horse-battery-staple-2026",
            first_name=f"{prefix.title()}{i:02d}",
            last_name="Test",
            email_verified=True,
        )
        for i in range(count)
    ]


def share(*employees):
    """Each employee switches on sharing her counters with HR (through the service)."""
    from metrics.consent import usage_sharing_set

    for employee in employees:
        usage_sharing_set(employee=employee, shared=True)


def rollups():
    """Every rollup row as plain tuples, to compare states."""
    return (
        sorted(
            PractitionerDay.objects.values_list(
                "practitioner_id", "day", "consultations", "total_duration_seconds"
            ),
            key=str,
        ),
        sorted(
            EmployeeDay.objects.values_list(
                "company_id", "day", "employee_id", "consultations", "total_duration_seconds"
            ),
            key=str,
        ),
        sorted(
            CompanyDay.objects.values_list(
                "company_id", "day", "consultations", "total_duration_seconds", "active_employees"
            ),
            key=str,
        ),
    )
