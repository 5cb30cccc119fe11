"""Account writes. Role and company always come from the server side."""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import emails
from accounts.exceptions import InvitationStateError, InvitationUnusable
from accounts.limits import invitation_sends_check, invitation_sends_left
from accounts.models import STAFF_ROLES, Invitation, Role, User
from accounts.roles import group_for
from accounts.selectors import invitation_token_hash
from companies.seats import (
    SEATS_FULL_CSV_ROW,
    company_lock_seats,
    company_seat_available,
    company_seat_check,
    company_seat_limit_error,
    company_seats_free,
)


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    company=None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    email_verified: bool = False,
) -> User:
    """Create a user in their role group; staff roles get admin access (never superuser)."""
    user = User.objects.create_user(
        email=email,
        password=password,
        role=Role(role),
        company=company,
        first_name=first_name,
        last_name=last_name,
        language=language,
        is_staff=role in STAFF_ROLES,
    )
    user.groups.add(group_for(role))
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


# --- Invitations ------------------------------------------------------------------

INVITABLE_ROLES = (Role.COMPANY_RH, Role.PRACTITIONER, Role.EMPLOYEE)
NAME_MAX_LENGTH = 150
RESEND_COOLDOWN = timedelta(minutes=1)  # a re-send button is no way to flood an inbox


def _check_may_invite(inviter: User, role: str, company) -> None:
    """HuntZen staff invite HR and practitioners (and employees anywhere); HR invites
    employees of its own company only."""
    if role not in INVITABLE_ROLES:
        raise PermissionDenied(_("Ce rôle ne s'obtient pas par invitation."))
    if inviter.has_perm("accounts.staff_invite"):
        return
    if role != Role.EMPLOYEE:
        raise PermissionDenied(_("Seule l'équipe HuntZen peut inviter des RH et des praticiens."))
    if not inviter.has_perm("accounts.employees_invite"):
        raise PermissionDenied(_("Votre rôle ne permet pas d'inviter des salariés."))
    if company is None or inviter.company_id != company.pk:
        raise PermissionDenied(_("Vous ne pouvez inviter que des salariés de votre entreprise."))


def _check_company_for_role(role: str, company) -> None:
    if role in (Role.COMPANY_RH, Role.EMPLOYEE) and company is None:
        raise ValidationError(
            _("Une entreprise est requise pour ce rôle."), code="company_required"
        )
    if role == Role.PRACTITIONER and company is not None:
        raise ValidationError(
            _("Un praticien n'appartient à aucune entreprise."), code="company_forbidden"
        )
    if role == Role.EMPLOYEE and not company.is_active:
        raise ValidationError(
            _("L'entreprise n'est pas encore activée : elle ne peut pas inviter de salariés."),
            code="company_inactive",
        )


def _normalize_email(email: str) -> str:
    email = User.objects.normalize_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Adresse e-mail invalide."), code="invalid_email") from None
    return email


def _check_names(first_name: str, last_name: str) -> None:
    if len(first_name) > NAME_MAX_LENGTH or len(last_name) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Le prénom et le nom font au plus %(max)d caractères."),
            code="name_too_long",
            params={"max": NAME_MAX_LENGTH},
        )


def _email_refusal(email: str) -> ValidationError | None:
    if User.objects.filter(email__iexact=email).exists():
        return ValidationError(
            _(
                "Un compte existe déjà pour cette adresse : elle ne peut pas être invitée "
                "à nouveau."
            ),
            code="already_user",
        )
    if Invitation.objects.open().filter(email__iexact=email).exists():
        return ValidationError(
            _(
                "Une invitation est déjà en cours pour cette adresse. Vous pouvez la renvoyer "
                "depuis la liste des invitations."
            ),
            code="already_invited",
        )
    return None


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, invitation_token_hash(token)


def _schedule_email(invitation: Invitation, token: str) -> None:
    """Queued in the outbox with the invitation (huntzen.emails): sent after commit."""
    emails.send_invitation(invitation=invitation, token=token)


def _invitation_insert(
    *, inviter, email, role, company, first_name, last_name, language
) -> Invitation:
    token, token_hash = _new_token()
    now = timezone.now()
    invitation = Invitation(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        company=company,
        language=language if language in dict(settings.LANGUAGES) else "fr",
        token_hash=token_hash,
        invited_by=inviter,
        created_at=now,
        sent_at=now,
        expires_at=now + settings.HUNTZEN_INVITATION_VALIDITY,
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Lost a race against a concurrent invitation of the same address.
        raise _email_refusal(email) or ValidationError(
            _("Une invitation est déjà en cours pour cette adresse."), code="already_invited"
        ) from None
    invitation.raw_token = token  # in memory only: the link is in the email
    _schedule_email(invitation, token)
    return invitation


@transaction.atomic
def invitation_create(
    *,
    inviter: User,
    email: str,
    role: str,
    company=None,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
) -> Invitation:
    """Invite one person; the email with the link (on HUNTZEN_SITE_URL) leaves after commit."""
    role = Role(role)
    _check_may_invite(inviter, role, company)
    _check_company_for_role(role, company)
    email = _normalize_email(email)
    _check_names(first_name, last_name)
    if company is not None:
        company = company_lock_seats(company.pk)
    refusal = _email_refusal(email)
    if refusal:
        raise refusal
    if role == Role.EMPLOYEE:
        company_seat_check(company)
    invitation_sends_check(inviter)
    return _invitation_insert(
        inviter=inviter,
        email=email,
        role=role,
        company=company,
        first_name=first_name,
        last_name=last_name,
        language=language,
    )


IMPORT_ROWS_THROTTLED = _(
    "Limite d'invitations atteinte pour le moment : importez ce fichier à nouveau plus tard "
    "(les personnes déjà invitées ne le seront pas deux fois)."
)


@dataclass
class ImportRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    reason: str = ""  # empty when accepted
    code: str = ""


@dataclass
class ImportReport:
    accepted: list[ImportRow] = field(default_factory=list)
    rejected: list[ImportRow] = field(default_factory=list)


@transaction.atomic
def invitation_import(*, inviter: User, company, rows, language: str = "fr") -> ImportReport:
    """Invite the employees of `rows` (ImportRow without reason), each row on its own:
    good rows are invited, bad rows are reported with the reason."""
    _check_may_invite(inviter, Role.EMPLOYEE, company)
    _check_company_for_role(Role.EMPLOYEE, company)
    company = company_lock_seats(company.pk)
    rows = list(rows)
    emails_in_file = {User.objects.normalize_email(row.email) for row in rows}
    users = set(User.objects.filter(email__in=emails_in_file).values_list("email", flat=True))
    invited = {
        email.lower()
        for email in Invitation.objects.open()
        .filter(email__in=emails_in_file)
        .values_list("email", flat=True)
    }
    # Counted once: the company row stays locked, so only this import takes seats.
    free_seats = company_seats_free(company)
    sends_left = invitation_sends_left(inviter)
    if not sends_left:
        invitation_sends_check(inviter)  # refused, with the wait
    seen: set[str] = set()
    report = ImportReport()

    def reject(row, code, reason):
        row.code, row.reason = code, str(reason)
        report.rejected.append(row)

    for row in rows:
        row.email = User.objects.normalize_email(row.email)
        row.first_name, row.last_name = row.first_name.strip(), row.last_name.strip()
        if row.code:  # refused by the parser (e.g. a malformed line)
            report.rejected.append(row)
            continue
        try:
            _normalize_email(row.email)
            _check_names(row.first_name, row.last_name)
        except ValidationError as exc:
            reject(row, exc.code, exc.messages[0])
            continue
        if row.email in seen:
            reject(row, "duplicate_in_file", _("Adresse en double dans le fichier."))
            continue
        seen.add(row.email)
        if row.email in users:
            reject(row, "already_user", _("Un compte existe déjà pour cette adresse."))
            continue
        if row.email in invited:
            reject(
                row, "already_invited", _("Une invitation est déjà en cours pour cette adresse.")
            )
            continue
        if free_seats <= 0:
            full = company_seat_limit_error(company, message=SEATS_FULL_CSV_ROW)
            reject(row, full.code, full.messages[0])
            continue
        if len(report.accepted) >= sends_left:
            reject(row, "throttled", IMPORT_ROWS_THROTTLED)
            continue
        try:
            _invitation_insert(
                inviter=inviter,
                email=row.email,
                role=Role.EMPLOYEE,
                company=company,
                first_name=row.first_name,
                last_name=row.last_name,
                language=language,
            )
        except ValidationError as exc:
            reject(row, exc.code, exc.messages[0])
            continue
        free_seats -= 1
        report.accepted.append(row)
    if report.accepted:
        invitation_sends_check(inviter, len(report.accepted))
    return report


def _check_may_manage(actor: User, invitation: Invitation) -> None:
    _check_may_invite(actor, invitation.role, invitation.company)


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """The link stops working at once; the address (and the seat) is free again."""
    _check_may_manage(actor, invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationStateError(_("Cette invitation a déjà été acceptée."))
    if invitation.revoked_at:
        raise InvitationStateError(_("Cette invitation est déjà annulée."))
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """A fresh link, valid for the full period again; the previous link stops working."""
    _check_may_manage(actor, invitation)
    if invitation.company_id:
        company_lock_seats(invitation.company_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise InvitationStateError(_("Cette invitation a déjà été acceptée."))
    if invitation.revoked_at:
        raise InvitationStateError(_("Cette invitation a été annulée : invitez à nouveau."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationStateError(_("Un compte existe déjà pour cette adresse."))
    now = timezone.now()
    if now - invitation.sent_at < RESEND_COOLDOWN:
        raise InvitationStateError(
            _("Un lien vient d'être envoyé à cette adresse ; réessayez dans une minute.")
        )
    if (
        invitation.role == Role.EMPLOYEE
        and invitation.expires_at <= now  # an expired invitation no longer holds a seat
        and not company_seat_available(invitation.company)
    ):
        raise InvitationStateError(company_seat_limit_error(invitation.company).messages[0])
    invitation_sends_check(actor)
    token, invitation.token_hash = _new_token()
    invitation.sent_at = now
    invitation.expires_at = now + settings.HUNTZEN_INVITATION_VALIDITY
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    invitation.raw_token = token
    _schedule_email(invitation, token)
    return invitation


def invitation_check_usable(invitation: Invitation) -> None:
    """Raise InvitationUnusable unless the link may still create an account."""
    if invitation.accepted_at:
        raise InvitationUnusable(InvitationUnusable.ACCEPTED)
    if invitation.revoked_at:
        raise InvitationUnusable(InvitationUnusable.REVOKED)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(InvitationUnusable.EXPIRED)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationUnusable(InvitationUnusable.ALREADY_USER)
    if invitation.role == Role.EMPLOYEE:
        company = invitation.company
        if not company.is_active:
            raise InvitationUnusable(InvitationUnusable.COMPANY_INACTIVE)
        if not company_seat_available(company, held_by_invitation=True):
            raise InvitationUnusable(InvitationUnusable.SEAT_LIMIT)


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """Create the invitee's account with the invitation's role and company; the email
    is verified (the link reached that inbox). Single use."""
    if invitation.company_id:
        company_lock_seats(invitation.company_id)
    # No select_related: PostgreSQL cannot lock the nullable side of an outer join.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_check_usable(invitation)
    first_name, last_name = first_name.strip(), last_name.strip()
    errors = {}
    if not first_name:
        errors["first_name"] = [_("Indiquez votre prénom.")]
    if not last_name:
        errors["last_name"] = [_("Indiquez votre nom.")]
    try:
        _check_names(first_name, last_name)
    except ValidationError as exc:
        errors.setdefault("last_name", []).extend(exc.messages)
    candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = user_create(
        email=invitation.email,
        role=invitation.role,
        company=invitation.company,
        password=password,
        first_name=first_name,
        last_name=last_name,
        language=invitation.language,
        email_verified=True,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


# --- Where appointment emails go ------------------------------------------------------


@transaction.atomic
def notification_address_choose(*, user: User, email_address: EmailAddress | None) -> None:
    """Send `user`'s appointment emails to `email_address`, one of her own verified
    addresses other than the account address; None (or the account address) sends them
    to the account address again."""
    from accounts.models import NotificationAddress

    if email_address is None or email_address.email.lower() == user.email.lower():
        NotificationAddress.objects.filter(user=user).delete()
        return
    if email_address.user_id != user.pk or not email_address.verified:
        raise ValidationError(
            {"email_address": [_("Choisissez une de vos adresses vérifiées.")]},
            code="unverified",
        )
    NotificationAddress.objects.update_or_create(
        user=user, defaults={"email_address": email_address, "chosen_at": timezone.now()}
    )


# --- Erasure of a whole account (GDPR art. 17) -----------------------------------------

ERASED_NAME = "Compte supprimé"


def may_erase_account(user: User) -> bool:
    """Employees erase their own account. Practitioners do not: their clinical notes
    must be kept (medical records, 20 years), so HuntZen staff close their account;
    HR and staff accounts are closed by staff too."""
    return user.is_authenticated and user.is_active and user.role == Role.EMPLOYEE


def erased_email(user: User) -> str:
    """A unique placeholder that is no one's address (.invalid never resolves)."""
    return f"erased-{user.pk.hex}@erased.invalid"


@transaction.atomic
def account_erase(*, user: User, password: str) -> User:
    """Erase the employee's account, confirmed by her password: her journal, her own
    chat messages and her prepared exports are deleted, her counters' sharing withdrawn,
    her profile pseudonymised (name, email; personal addresses, notification choice, MFA
    devices removed), and the account deactivated, which signs her out everywhere.

    Kept, as the law requires: her consultations (who, when, how long: billing and
    accounting) under the pseudonymised account, the practitioners' clinical notes
    (medical records) and the access log. A wrong password changes nothing."""
    from allauth.mfa.models import Authenticator

    from companies.services import user_deactivate
    from huntzen.idempotency.keys import forget_user as forget_user_idempotency_keys
    from medical.exports import exports_erase
    from medical.services import chat_messages_erase, journal_delete_all
    from metrics.consent import usage_sharing_set

    if not may_erase_account(user):
        raise PermissionDenied(_("Votre compte est clôturé par l'équipe HuntZen Care."))
    if not password or not user.check_password(password):
        raise ValidationError({"password": [_("Mot de passe incorrect.")]}, code="bad_password")
    journal_delete_all(owner=user)
    exports_erase(owner=user)  # her prepared archives hold all of it
    forget_user_idempotency_keys(user)  # their kept answers may quote her journal
    chat_messages_erase(author=user)
    usage_sharing_set(employee=user, shared=False)
    EmailAddress.objects.filter(user=user).delete()  # personal addresses, notification choice
    Authenticator.objects.filter(user=user).delete()
    user.first_name, user.last_name = ERASED_NAME, ""
    user.email = erased_email(user)
    user.set_unusable_password()
    user.save(update_fields=["first_name", "last_name", "email", "password"])
    return user_deactivate(user=user)
