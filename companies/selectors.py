"""Company and people reads. Every portal page and API view of this app starts from
`companies_visible_to` / `employees_visible_to`, so a missing tenant filter cannot
happen by accident: the scoping is in the queryset a view is given, not in the view."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Case, CharField, OuterRef, Prefetch, QuerySet, Value, When

from accounts import selectors as account_selectors
from accounts.models import Role, User
from companies.models import Company, Language, PractitionerProfile, Specialty


def companies_visible_to(user) -> QuerySet[Company]:
    """Staff: every company; HR: its own; everybody else: none."""
    if not user.is_authenticated:
        return Company.objects.none()
    if user.has_perm("accounts.companies_list_all"):
        return Company.objects.all()
    if user.has_perm("accounts.company_read") and user.company_id:
        return Company.objects.filter(pk=user.company_id)
    return Company.objects.none()


def employees_visible_to(user) -> QuerySet[User]:
    """The employees (R5) of the companies the user may see."""
    if not user.is_authenticated:
        return User.objects.none()
    employees = User.objects.filter(role=Role.EMPLOYEE)
    if user.has_perm("accounts.companies_list_all"):
        return employees
    if user.has_perm("accounts.company_read") and user.company_id:
        return employees.filter(company_id=user.company_id)
    return User.objects.none()


def employee_list(*, user, company: Company) -> QuerySet[User]:
    """The employees of `company` as `user` may see them (none for outsiders), with a
    status for display; nothing about consultations."""
    return (
        employees_visible_to(user)
        .filter(company=company)
        .annotate(
            status=Case(
                When(is_active=False, then=Value("deactivated")),
                default=Value("active"),
                output_field=CharField(),
            )
        )
        .order_by("last_name", "first_name", "email")
    )


def pending_employee_invitations(company: Company):
    """Employee invitations of `company` whose link still works (they hold a seat)."""
    return (
        account_selectors.invitations_for_company(company)
        .pending()
        .filter(role=Role.EMPLOYEE)
        .order_by("-created_at")
    )


def company_can_book(company: Company | None) -> bool:
    """Only an active company's employees may book; HR and employees of an inactive
    one still sign in and are told why they cannot."""
    return company is not None and company.is_active


def practitioners_active() -> QuerySet[PractitionerProfile]:
    """The directory: active profiles of accounts that can still sign in, with what a
    card shows prefetched (three queries whatever the page size)."""
    return (
        PractitionerProfile.objects.filter(is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related(
            Prefetch("specialties", queryset=Specialty.objects.order_by("code")),
            Prefetch("languages", queryset=Language.objects.order_by("code")),
        )
        .order_by("user__last_name", "user__first_name", "user__id")
    )


def practitioner_list(
    *, specialty: str | None = None, language: str | None = None, profession: str | None = None
) -> QuerySet[PractitionerProfile]:
    profiles = practitioners_active()
    if specialty:
        profiles = profiles.filter(specialties__code=specialty)
    if language:
        profiles = profiles.filter(languages__code=language)
    if profession:
        profiles = profiles.filter(profession=profession)
    return profiles


# What a directory card reads per practitioner (values_list, no model instance), its
# specialties' and languages' codes as arrays (one query for the page, no prefetch).
CARD_FIELDS = (
    "user_id",
    "user__first_name",
    "user__last_name",
    "profession",
    "specialty_codes",
    "language_codes",
    "bio",
    "registration_number",
)


def with_card_codes(profiles: QuerySet[PractitionerProfile]) -> QuerySet[PractitionerProfile]:
    """`profiles` ready for `values_list(*CARD_FIELDS)`: codes sorted, as the prefetch
    of `practitioners_active` sorts them."""
    specialties = PractitionerProfile.specialties.through.objects.filter(
        practitionerprofile_id=OuterRef("pk")
    )
    languages = PractitionerProfile.languages.through.objects.filter(
        practitionerprofile_id=OuterRef("pk")
    )
    return profiles.prefetch_related(None).annotate(
        specialty_codes=ArraySubquery(specialties.order_by("specialty_id").values("specialty_id")),
        language_codes=ArraySubquery(languages.order_by("language_id").values("language_id")),
    )


def card_rows_of(profiles: QuerySet[PractitionerProfile]) -> list[tuple]:
    """The `CARD_FIELDS` rows of `profiles`: one query with the codes as arrays on
    PostgreSQL; on the embedded SQLite (`make demo`), which has no arrays, the same
    rows from the prefetched instances."""
    if connection.vendor == "postgresql":
        return list(with_card_codes(profiles).values_list(*CARD_FIELDS))
    from companies.serializers import PractitionerSerializer

    return [PractitionerSerializer.row_of(profile) for profile in profiles]
