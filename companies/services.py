"""Company and people writes. Creation and activation of companies are HuntZen staff's
(views check the permission); the rules that depend on who acts take the actor."""

from collections.abc import Iterable

from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import user_create
from companies.models import Company, Language, PractitionerProfile, Specialty
from companies.seats import SEATS_FULL_FOR_STAFF, company_lock_seats, company_seat_check
from companies.selectors import companies_visible_to, employees_visible_to

# What HR may change about its own company; seats, allowance and activation are
# the subscription, changed by HuntZen staff only.
COMPANY_CONTACT_FIELDS = ("contact_email", "contact_phone", "address")
COMPANY_STAFF_FIELDS = (
    "name",
    "siret",
    *COMPANY_CONTACT_FIELDS,
    "seats",
    "yearly_allowance_per_employee",
)


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


@transaction.atomic
def company_deactivate(*, company: Company) -> Company:
    """The subscription stopped: people still sign in, nobody books. Idempotent; the
    first activation date is kept as history."""
    if company.is_active:
        company.is_active = False
        company.save(update_fields=["is_active"])
    return company


def _field_label(name: str) -> str:
    try:
        return str(Company._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def company_fields_editable_by(user: User) -> tuple[str, ...]:
    if user.has_perm("accounts.companies_list_all"):
        return COMPANY_STAFF_FIELDS
    if user.has_perm("accounts.company_update") and user.company_id:
        return COMPANY_CONTACT_FIELDS
    return ()


@transaction.atomic
def company_update(*, actor: User, company: Company, data: dict) -> Company:
    """Change some fields of a company the actor can see (callers resolve it through
    companies.access first). Raises PermissionDenied naming the fields the actor may
    not change, ValidationError for bad values; nothing is saved in either case."""
    if not companies_visible_to(actor).filter(pk=company.pk).exists():
        raise PermissionDenied(_("Vous ne pouvez pas modifier cette entreprise."))
    allowed = company_fields_editable_by(actor)
    refused = sorted(set(data) - set(allowed))
    if refused:
        names = ", ".join(_field_label(field) for field in refused)
        raise PermissionDenied(
            _("Seule l'équipe HuntZen peut modifier : %(fields)s.") % {"fields": names}
        )
    company = Company.objects.select_for_update().get(pk=company.pk)
    for field, value in data.items():
        setattr(company, field, value)
    company.full_clean()
    if data:
        company.save(update_fields=list(data))
    return company


def _end_sessions(user: User) -> None:
    """Sign the user out everywhere: portal sessions and the API tokens bound to them
    (allauth's JWTs are validated against their session). Sessions are signed blobs,
    so only the live ones are decoded; deactivation is rare."""
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(session_key__in=doomed).delete()


@transaction.atomic
def member_deactivate(*, actor: User, member: User) -> User:
    """An employee (or HR person) left: they can no longer sign in; their account,
    history and counters stay. HR may deactivate its own company's employees, staff
    any company member. Idempotent."""
    if member.pk == actor.pk:
        raise PermissionDenied(_("Vous ne pouvez pas désactiver votre propre compte."))
    if actor.has_perm("accounts.companies_list_all") and actor.has_perm(
        "accounts.employees_deactivate"
    ):
        allowed = member.role in (Role.EMPLOYEE, Role.COMPANY_RH)
    else:
        allowed = actor.has_perm("accounts.employees_deactivate") and (
            employees_visible_to(actor).filter(pk=member.pk).exists()
        )
    if not allowed:
        raise PermissionDenied(_("Vous ne pouvez pas désactiver ce compte."))
    return user_deactivate(user=member)


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """The one way an account stops: it can no longer sign in and is signed out
    everywhere. No permission check: callers decide (member_deactivate for HR and
    staff, accounts.services.account_erase for the person herself). Idempotent."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
    _end_sessions(user)
    return user


@transaction.atomic
def member_reactivate(*, actor: User, member: User) -> User:
    """Staff undo a deactivation; an employee takes a seat again, so the seat limit
    holds."""
    if not (
        actor.has_perm("accounts.companies_list_all")
        and actor.has_perm("accounts.employees_deactivate")
    ):
        raise PermissionDenied(_("Seule l'équipe HuntZen peut réactiver un compte."))
    if member.role not in (Role.EMPLOYEE, Role.COMPANY_RH):
        raise PermissionDenied(_("Ce compte n'appartient pas à une entreprise."))
    takes_seat = member.role == Role.EMPLOYEE
    if takes_seat:
        company = company_lock_seats(member.company_id)
    member = User.objects.select_for_update().get(pk=member.pk)
    if member.is_active:
        return member
    if takes_seat:
        company_seat_check(company, message=SEATS_FULL_FOR_STAFF, field="company")
    member.is_active = True
    member.deactivated_at = None
    member.save(update_fields=["is_active", "deactivated_at"])
    return member


# Roles staff may open an account for in the back office. Practitioners come with
# their profile (practitioner_create); operators (R1) only from a superuser.
ACCOUNT_ROLES_FOR_STAFF = (Role.HUNTZEN_ADMIN, Role.COMPANY_RH, Role.EMPLOYEE)


def account_roles_creatable_by(actor: User) -> tuple[str, ...]:
    if not actor.has_perm("accounts.add_user"):
        return ()
    if actor.is_superuser:
        return (Role.PSG_SUPER, *ACCOUNT_ROLES_FOR_STAFF)
    return ACCOUNT_ROLES_FOR_STAFF


@transaction.atomic
def account_create(
    *,
    actor: User,
    email: str,
    role: str,
    company: Company | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
) -> User:
    """Staff open an account from the back office (e.g. a new company's first HR). No
    password: the person chooses one through the link they are sent. An employee
    takes a seat, so the seat limit holds here as for invitations."""
    if role not in account_roles_creatable_by(actor):
        raise PermissionDenied(_("Vous ne pouvez pas créer un compte avec ce rôle."))
    if role == Role.EMPLOYEE and company is not None:
        company_seat_check(
            company_lock_seats(company.pk), message=SEATS_FULL_FOR_STAFF, field="company"
        )
    return user_create(
        email=email,
        role=role,
        company=company,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )


def _require_staff_for_practitioners(actor: User) -> None:
    if not actor.has_perm("companies.add_practitionerprofile"):
        raise PermissionDenied(_("Seule l'équipe HuntZen gère les praticiens."))


def _codes(model, codes: Iterable[str], field: str) -> list:
    codes = list(dict.fromkeys(codes))
    found = list(model.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {item.code for item in found})
    if unknown:
        raise ValidationError({field: _("Valeur inconnue : %s.") % ", ".join(unknown)})
    return found


@transaction.atomic
def practitioner_create(
    *,
    actor: User,
    email: str,
    profession: str,
    languages: Iterable[str],
    specialties: Iterable[str] = (),
    registration_number: str = "",
    bio: str = "",
    first_name: str = "",
    last_name: str = "",
) -> PractitionerProfile:
    """Staff give a practitioner their profile: a new R4 account (no password yet:
    they choose it through the reset link) or an existing R4 account without a
    profile (e.g. one who accepted an invitation)."""
    _require_staff_for_practitioners(actor)
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_create(
            email=email, role=Role.PRACTITIONER, first_name=first_name, last_name=last_name
        )
    elif user.role != Role.PRACTITIONER:
        raise ValidationError(
            {"email": _("Ce compte existe déjà avec un autre rôle.")}, code="wrong_role"
        )
    elif PractitionerProfile.objects.filter(user=user).exists():
        raise ValidationError({"email": _("Ce praticien a déjà un profil.")}, code="profile_exists")
    profile = PractitionerProfile(
        user=user, profession=profession, registration_number=registration_number, bio=bio
    )
    language_rows = _codes(Language, languages, "languages")
    specialty_rows = _codes(Specialty, specialties, "specialties")
    if not language_rows:
        raise ValidationError({"languages": _("Au moins une langue est requise.")})
    profile.full_clean(exclude=["user"])
    profile.save()
    profile.languages.set(language_rows)
    profile.specialties.set(specialty_rows)
    return profile


@transaction.atomic
def practitioner_update_own(
    *,
    practitioner: User,
    bio: str,
    specialties: Iterable[str],
    languages: Iterable[str],
) -> PractitionerProfile:
    """A practitioner edits what employees read about them; profession, registration
    number and the active flag stay with staff."""
    profile = PractitionerProfile.objects.select_for_update().get(user=practitioner)
    language_rows = _codes(Language, languages, "languages")
    specialty_rows = _codes(Specialty, specialties, "specialties")
    if not language_rows:
        raise ValidationError({"languages": _("Au moins une langue est requise.")})
    profile.bio = bio
    profile.full_clean(exclude=["user"])
    profile.save(update_fields=["bio", "updated_at"])
    profile.languages.set(language_rows)
    profile.specialties.set(specialty_rows)
    return profile


@transaction.atomic
def practitioner_set_active(
    *, actor: User, profile: PractitionerProfile, is_active: bool
) -> PractitionerProfile:
    """Staff hide (or show again) a practitioner from the directory; their account,
    consultations and notes are untouched."""
    if not actor.has_perm("companies.change_practitionerprofile"):
        raise PermissionDenied(_("Seule l'équipe HuntZen gère les praticiens."))
    profile = PractitionerProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.is_active != is_active:
        profile.is_active = is_active
        profile.save(update_fields=["is_active", "updated_at"])
    return profile
