import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from companies.validators import validate_registration_number, validate_siret


class Company(models.Model):
    """A subscribing company: the tenant its HR and employees belong to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True, validators=[validate_siret])
    contact_email = models.EmailField(_("e-mail de contact"))
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    address = models.TextField(_("adresse"), blank=True)
    seats = models.PositiveIntegerField(_("nombre de places"), default=10)
    yearly_allowance_per_employee = models.PositiveIntegerField(
        _("consultations par salarié et par an"),
        null=True,
        blank=True,
        help_text=_("Vide : sans limite."),
    )
    late_cancellations_paid = models.BooleanField(
        _("annulations tardives payées au praticien"),
        default=True,
        help_text=_(
            "Selon le contrat : une annulation par le salarié moins de "
            "HUNTZEN_CANCELLATION_NOTICE_HOURS heures avant le rendez-vous est-elle "
            "payée au praticien ?"
        ),
    )
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Specialty(models.Model):
    """What a practitioner helps with. A reference table (not a free list) so that
    filters use a join on a known code, the same on SQLite and PostgreSQL."""

    class Code(models.TextChoices):
        STRESS = "stress", _("Stress")
        BURNOUT = "burnout", _("Épuisement professionnel")
        ANXIETY = "anxiety", _("Anxiété")
        DEPRESSION = "depression", _("Dépression")
        GRIEF = "grief", _("Deuil")
        ADDICTION = "addiction", _("Addictions")
        SLEEP = "sleep", _("Sommeil")
        RELATIONSHIPS = "relationships", _("Relations et couple")
        WORK_CONFLICT = "work_conflict", _("Conflits au travail")

    code = models.CharField(_("code"), max_length=32, primary_key=True, choices=Code.choices)

    class Meta:
        verbose_name = _("spécialité")
        verbose_name_plural = _("spécialités")
        ordering = ["code"]

    def __str__(self):
        return str(self.get_code_display())


class Language(models.Model):
    """A language a practitioner consults in (not the interface language)."""

    class Code(models.TextChoices):
        FR = "fr", _("Français")
        EN = "en", _("Anglais")
        ES = "es", _("Espagnol")
        DE = "de", _("Allemand")
        IT = "it", _("Italien")
        PT = "pt", _("Portugais")
        AR = "ar", _("Arabe")

    code = models.CharField(_("code"), max_length=8, primary_key=True, choices=Code.choices)

    class Meta:
        verbose_name = _("langue de consultation")
        verbose_name_plural = _("langues de consultation")
        ordering = ["code"]

    def __str__(self):
        return str(self.get_code_display())


class PractitionerProfile(models.Model):
    """The public face of a practitioner (R4 user). Its primary key is the user's id,
    so the practitioner's id is the same everywhere (portal, API, booking)."""

    class Profession(models.TextChoices):
        PSYCHOLOGIST = "psychologist", _("Psychologue")
        PSYCHIATRIST = "psychiatrist", _("Psychiatre")
        PSYCHOTHERAPIST = "psychotherapist", _("Psychothérapeute")
        COACH = "coach", _("Coach")
        SOPHROLOGIST = "sophrologist", _("Sophrologue")

    # Health professions listed in ADELI/RPPS; the others have no such number.
    REGISTERED_PROFESSIONS = frozenset(
        {Profession.PSYCHOLOGIST, Profession.PSYCHIATRIST, Profession.PSYCHOTHERAPIST}
    )

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="practitioner_profile",
    )
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    specialties = models.ManyToManyField(
        Specialty, verbose_name=_("spécialités"), related_name="practitioners", blank=True
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("langues"), related_name="practitioners"
    )
    bio = models.TextField(
        _("présentation"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)]
    )
    registration_number = models.CharField(
        _("numéro ADELI / RPPS"),
        max_length=11,
        blank=True,
        validators=[validate_registration_number],
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("profil de praticien")
        verbose_name_plural = _("profils de praticiens")
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=~models.Q(registration_number=""),
                name="practitioner_registration_number_unique",
                violation_error_message=_("Ce numéro ADELI / RPPS est déjà utilisé."),
            )
        ]

    def __str__(self):
        return self.user.get_full_name()

    def clean(self):
        """A health profession must show its ADELI/RPPS number (it is public and
        lets an employee check who they talk to)."""
        super().clean()
        if self.profession in self.REGISTERED_PROFESSIONS and not self.registration_number:
            raise ValidationError(
                {"registration_number": _("Numéro obligatoire pour cette profession.")}
            )
