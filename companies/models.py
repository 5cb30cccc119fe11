import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from companies.validators import validate_siret


class Company(models.Model):
    """A subscribing company: the tenant its HR and employees belong to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=200)
    siret = models.CharField(
        _("SIRET"), max_length=14, unique=True, validators=[validate_siret]
    )
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
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        ordering = ["name"]

    def __str__(self):
        return self.name
