"""Company writes: creation and activation are HuntZen staff's."""

from django.db import transaction
from django.utils import timezone

from companies.models import Company


@transaction.atomic
def company_create(
    *,
    name: str,
    siret: str,
    contact_email: str,
    seats: int = 10,
    yearly_allowance_per_employee: int | None = None,
    **contact,
) -> Company:
    company = Company(
        name=name,
        siret=siret,
        contact_email=contact_email,
        seats=seats,
        yearly_allowance_per_employee=yearly_allowance_per_employee,
        **contact,
    )
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def company_activate(*, company: Company) -> Company:
    """Idempotent: activating an active company keeps its first activation date."""
    if not company.is_active:
        company.is_active = True
        company.activated_at = company.activated_at or timezone.now()
        company.save(update_fields=["is_active", "activated_at"])
    return company
