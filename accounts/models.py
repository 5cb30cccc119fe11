import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PSG_SUPER = "R1_PSG_SUPER", _("Opérateur de la plateforme")
    HUNTZEN_ADMIN = "R2_HUNTZEN_ADMIN", _("Équipe HuntZen")
    COMPANY_RH = "R3_COMPANY_RH", _("Ressources humaines")
    PRACTITIONER = "R4_PRACTITIONER", _("Praticien")
    EMPLOYEE = "R5_EMPLOYEE", _("Salarié")


STAFF_ROLES = frozenset({Role.PSG_SUPER, Role.HUNTZEN_ADMIN})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def normalize_email(self, email):
        return (email or "").strip().lower()

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", Role.PSG_SUPER)
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


# Django's session auth hash by (password hash, SECRET_KEY): User.get_session_auth_hash.
_session_auth_hashes: dict[tuple[str, str], str] = {}
_SESSION_AUTH_HASHES_MAX = 4096


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email. The role and company are fixed by the
    server (invitation or staff), never by the client."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("adresse e-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    company = models.ForeignKey(
        "companies.Company",
        verbose_name=_("entreprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(_("langue"), max_length=5, choices=settings.LANGUAGES, default="fr")
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=[Role.COMPANY_RH, Role.EMPLOYEE], company__isnull=False)
                    | (
                        ~models.Q(role__in=[Role.COMPANY_RH, Role.EMPLOYEE])
                        & models.Q(company__isnull=True)
                    )
                ),
                name="user_company_matches_role",
                violation_error_message=_(
                    "Une entreprise est requise pour les RH et les salariés, "
                    "et interdite pour les autres rôles."
                ),
            ),
        ]
        permissions = [
            # The permission catalogue of DESIGN.md; accounts.roles gives each
            # role group its share.
            ("companies_create", "Create companies"),
            ("companies_list_all", "List all companies"),
            ("companies_activate", "Activate companies"),
            ("company_read", "Read a company"),
            ("company_update", "Update a company"),
            ("employees_invite", "Invite employees"),
            ("employees_deactivate", "Deactivate employees"),
            ("staff_invite", "Invite HR users and practitioners"),
            ("booking_create", "Book a consultation"),
            ("consultations_my_read", "Read my consultations"),
            ("consultations_own_write", "Start, end, mark no-show on own consultations"),
            ("booking_cancel_own", "Cancel own bookings"),
            ("consultations_read_all", "Read every consultation's details"),
            ("clinical_notes_own_write", "Write own clinical notes"),
            ("clinical_notes_own_read", "Read own clinical notes"),
            ("journal_own_write", "Write own journal"),
            ("journal_own_read", "Read own journal"),
            ("chat_participate", "Chat in own consultations"),
            ("metrics_practitioner_usage_read", "Read practitioner usage"),
            ("exports_practitioner_usage", "Export practitioner usage"),
            ("metrics_employee_usage_read", "Read employee usage"),
            ("metrics_company_read", "Read company metrics"),
            ("exports_metrics_company", "Export company metrics"),
            ("news_write", "Write news and articles"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)

    def get_session_auth_hash(self):
        """Django's HMAC of the password hash under SECRET_KEY, which every signed-in page
        compares with its session's: worked out once per (password hash, key) in the
        process (`_session_auth_hashes`), not on every request. A new password or key is
        a new entry, so the session-ending rule (a password change signs out the other
        sessions) is Django's own, unchanged."""
        key = (self.password, settings.SECRET_KEY)
        known = _session_auth_hashes.get(key)
        if known is None:
            known = super().get_session_auth_hash()
            if len(_session_auth_hashes) >= _SESSION_AUTH_HASHES_MAX:
                _session_auth_hashes.clear()
            _session_auth_hashes[key] = known
        return known

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def is_huntzen_staff(self) -> bool:
        """R1/R2 run the platform; superusers too. None of them may read medical content."""
        return self.role in STAFF_ROLES or self.is_superuser

    @property
    def is_employee(self) -> bool:
        return self.role == Role.EMPLOYEE

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked: it still holds the email (and maybe a seat)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self, *, now=None):
        """Open and not expired: the link in the email still works."""
        return self.open().filter(expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An offer to join HuntZen Care with a role (and company) fixed by the inviter.

    Only a SHA-256 of the link's token is stored: a database leak gives no usable link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        EXPIRED = "expired", _("Expirée")
        ACCEPTED = "accepted", _("Acceptée")
        REVOKED = "revoked", _("Annulée")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("adresse e-mail"), max_length=254)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    company = models.ForeignKey(
        "companies.Company",
        verbose_name=_("entreprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    language = models.CharField(_("langue"), max_length=5, choices=settings.LANGUAGES, default="fr")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invitée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_user = models.OneToOneField(
        User,
        verbose_name=_("compte créé"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("annulée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["company", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message=_("Une invitation est déjà en cours pour cette adresse."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=[Role.COMPANY_RH, Role.EMPLOYEE], company__isnull=False)
                    | models.Q(role=Role.PRACTITIONER, company__isnull=True)
                ),
                name="invitation_company_matches_role",
                violation_error_message=_(
                    "Une entreprise est requise pour les RH et les salariés, "
                    "et interdite pour les praticiens."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        """Derived from the timestamps, so it can never disagree with them."""
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class NotificationAddress(models.Model):
    """Where a person's appointment emails and calendar invitations go instead of her
    account address (the work address, which the employer's mail server reads): one of
    her own addresses, added and verified through allauth's email management.

    No row: the account address. Removing the address in allauth removes the choice.
    """

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_address",
        verbose_name=_("utilisateur"),
    )
    email_address = models.ForeignKey(
        "account.EmailAddress",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("adresse e-mail"),
    )
    chosen_at = models.DateTimeField(_("choisie le"))

    class Meta:
        verbose_name = _("adresse des notifications")
        verbose_name_plural = _("adresses des notifications")

    def __str__(self):
        return f"{self.user_id} -> {self.email_address_id}"
