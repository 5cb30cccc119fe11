import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase


class Consultation(models.Model):
    """One appointment between an employee and a practitioner.

    Holds who, when, how and its lifecycle; never anything medical (notes and chat
    live in `medical` and `chat`, encrypted).
    """

    class Kind(models.TextChoices):
        VIDEO = "video", _("Vidéo")
        CHAT = "chat", _("Messagerie")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Planifiée")
        IN_PROGRESS = "in_progress", _("En cours")
        COMPLETED = "completed", _("Terminée")
        CANCELLED = "cancelled", _("Annulée")
        NO_SHOW = "no_show", _("Absence")

    # Statuses that hold the time slot (a cancelled consultation frees it).
    BLOCKING_STATUSES = (Status.SCHEDULED, Status.IN_PROGRESS, Status.COMPLETED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consultations_as_employee",
        verbose_name=_("salarié"),
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consultations_as_practitioner",
        verbose_name=_("praticien"),
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("entreprise"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )
    scheduled_at = models.DateTimeField(_("début prévu"))
    scheduled_end = models.DateTimeField(_("fin prévue"))
    started_at = models.DateTimeField(_("commencée à"), null=True, blank=True)
    ended_at = models.DateTimeField(_("terminée à"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("durée (secondes)"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("annulée par"),
    )
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=500, blank=True)
    room_name = models.CharField(_("salle vidéo"), max_length=64, unique=True)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("réservée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-scheduled_at"]
        indexes = [
            models.Index(fields=["practitioner", "scheduled_at"]),
            models.Index(fields=["employee", "scheduled_at"]),
            models.Index(fields=["company", "scheduled_at"]),
            models.Index(fields=["status", "scheduled_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_end__gt=models.F("scheduled_at")),
                name="consultation_end_after_start",
            ),
        ]
        # Object permissions granted by guardian to the participants on booking.
        permissions = [
            ("chat_consultation", "Chat in this consultation"),
            ("start_consultation", "Start this consultation"),
            ("end_consultation", "End this consultation"),
            ("cancel_consultation", "Cancel this consultation"),
            ("mark_no_show_consultation", "Mark this consultation as a no-show"),
            ("write_clinical_note", "Write the clinical note of this consultation"),
        ]

    def __str__(self):
        return f"{self.scheduled_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class ConsultationUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table: faster, and rows go with the consultation."""

    content_object = models.ForeignKey(Consultation, on_delete=models.CASCADE)


class StatusChange(models.Model):
    """Every lifecycle transition: who, when, from, to."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="status_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=Consultation.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Consultation.Status.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"
