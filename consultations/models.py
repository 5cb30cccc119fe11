import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

# A consultation never lasts longer than this: it bounds the window the slot
# selector reads (a consultation that started earlier cannot still be running).
MAX_LENGTH_MINUTES = 240
MAX_BUFFER_MINUTES = 120


class Consultation(models.Model):
    """One appointment between an employee and a practitioner.

    Holds who, when, how and its lifecycle; never anything medical (notes and chat
    live in `medical` and `chat`, encrypted). The video room's name is not stored: it is
    derived from the id under a key (consultations.video.room_name).
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
    # Free text that can be personal: sealed like medical text, bound to this row and to
    # whoever cancelled (read through consultations.selectors.cancel_reason_for).
    cancel_reason_sealed = models.TextField(blank=True, editable=False)
    # An employee's cancellation within HUNTZEN_CANCELLATION_NOTICE_HOURS of the start;
    # whether the practitioner is paid for it is the company's contract at that moment.
    cancelled_late = models.BooleanField(_("annulation tardive"), default=False)
    late_cancellation_paid = models.BooleanField(
        _("annulation tardive payée au praticien"), default=False
    )
    # The practitioner's pause after this consultation, as it was when booked: the
    # PostgreSQL exclusion constraint keeps it free (migration 0006).
    buffer_minutes = models.PositiveSmallIntegerField(
        _("pause après la consultation (minutes)"), default=0, db_default=0
    )
    # iCalendar SEQUENCE of the event sent to both participants: every change (a new
    # time, a cancellation) sends the same UID with a higher sequence.
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_1h_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("réservée le"), default=timezone.now, editable=False)

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
            models.CheckConstraint(
                condition=models.Q(cancelled_late=False) | models.Q(status="cancelled"),
                name="consultation_late_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=models.Q(late_cancellation_paid=False) | models.Q(cancelled_late=True),
                name="consultation_paid_only_when_late",
            ),
            models.CheckConstraint(
                condition=models.Q(buffer_minutes__lte=MAX_BUFFER_MINUTES),
                name="consultation_buffer_range",
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

    def save(self, *args, **kwargs):
        """Saved, the row as the slots see it is the one just written (see `from_db`)."""
        super().save(*args, **kwargs)
        self.written(kwargs.get("update_fields"))

    def written(self, update_fields=None) -> None:
        """What `save` keeps of the row it wrote (all of it, or `update_fields`): also
        called by a service that wrote the row in a statement of its own."""
        loaded = getattr(self, "_slots_as_loaded", None)
        if update_fields is None:
            self._slots_as_loaded = self._slots_view_if_loaded()
        elif loaded is not None:
            changed = {self._meta.get_field(name).attname for name in update_fields}
            now = self.slots_view()
            self._slots_as_loaded = {
                name: now[name] if name in changed else value for name, value in loaded.items()
            }

    # What a practitioner's slots read of the row (consultations.selectors' busy times).
    SLOTS_READ = ("practitioner_id", "status", "scheduled_at", "scheduled_end", "buffer_minutes")

    @classmethod
    def from_db(cls, db, field_names, values):
        """Keeps what the slots read of the row as it was loaded, so that a save which
        changes none of it starts no new slots generation (consultations.slots_cache)."""
        instance = super().from_db(db, field_names, values)
        instance._slots_as_loaded = instance._slots_view_if_loaded()
        return instance

    def _slots_view_if_loaded(self) -> dict | None:
        """`slots_view`, or None when a field it reads is deferred (never a query)."""
        if any(name not in self.__dict__ for name in self.SLOTS_READ):
            return None
        return self.slots_view()

    def slots_view(self) -> dict:
        """The row as the slots see it: its times and practitioner, and whether its
        status holds the time (scheduled, in progress and completed alike)."""
        view = {name: getattr(self, name) for name in self.SLOTS_READ}
        view["status"] = self.status in self.BLOCKING_STATUSES
        return view

    def cancel_reason_aad(self) -> bytes:
        """Binds the sealed cancellation reason to this consultation and its author, so
        a ciphertext copied to another row fails to decrypt."""
        # Imported here: crypto reads settings, which app modules must not do at import.
        from medical.crypto import associated_data

        return associated_data(
            table=self._meta.db_table,
            row_id=self.pk,
            owner_id=self.cancelled_by_id,
            field="cancel_reason",
        )

    @property
    def duration_minutes(self) -> int | None:
        """Whole minutes held, rounded to the nearest (for display)."""
        if self.duration_seconds is None:
            return None
        return round(self.duration_seconds / 60)


class ConsultationUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table: faster, and rows go with the consultation."""

    content_object = models.ForeignKey(Consultation, on_delete=models.CASCADE)


class StatusChange(models.Model):
    """Every lifecycle transition: who, when, from, to; a reschedule is a change from
    scheduled to scheduled that keeps the former time."""

    class Note(models.TextChoices):
        NONE = "", _("—")
        LATE_CANCELLATION = "late_cancellation", _("annulation tardive")
        RESCHEDULED = "rescheduled", _("déplacée")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="status_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=Consultation.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Consultation.Status.choices)
    at = models.DateTimeField()
    note = models.CharField(max_length=20, choices=Note.choices, blank=True, default="")
    previous_scheduled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Fuseau horaire inconnu : %(tz)s."), params={"tz": value}) from None


class Availability(models.Model):
    """A practitioner's booking settings: the time zone their opening hours are written
    in, the length of a consultation and the pause kept between two."""

    practitioner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="availability",
        verbose_name=_("praticien"),
    )
    time_zone = models.CharField(
        _("fuseau horaire"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    length_minutes = models.PositiveSmallIntegerField(
        _("durée d'une consultation (minutes)"),
        default=50,
        validators=[MinValueValidator(15), MaxValueValidator(MAX_LENGTH_MINUTES)],
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("pause entre deux consultations (minutes)"),
        default=10,
        validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("disponibilités")
        verbose_name_plural = _("disponibilités")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(length_minutes__gte=15, length_minutes__lte=MAX_LENGTH_MINUTES),
                name="availability_length_range",
                violation_error_message=_("Une consultation dure de 15 à 240 minutes."),
            ),
            models.CheckConstraint(
                condition=models.Q(buffer_minutes__lte=MAX_BUFFER_MINUTES),
                name="availability_buffer_range",
                violation_error_message=_("La pause entre deux consultations dure au plus 2 h."),
            ),
        ]

    def __str__(self):
        return f"{self.practitioner} ({self.time_zone})"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class WeeklyOpening(models.Model):
    """Opening hours on one weekday, in the availability's local (wall-clock) time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("lundi")
        TUESDAY = 1, _("mardi")
        WEDNESDAY = 2, _("mercredi")
        THURSDAY = 3, _("jeudi")
        FRIDAY = 4, _("vendredi")
        SATURDAY = 5, _("samedi")
        SUNDAY = 6, _("dimanche")

    availability = models.ForeignKey(
        Availability, on_delete=models.CASCADE, related_name="weekly_openings"
    )
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"))

    class Meta:
        verbose_name = _("horaire hebdomadaire")
        verbose_name_plural = _("horaires hebdomadaires")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="weekly_opening_end_after_start",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6),
                name="weekly_opening_weekday_range",
                violation_error_message=_("Jour de la semaine inconnu."),
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A change to the weekly hours on one date: closed (a day off, or some hours of
    it) or open (extra hours). Times are local to the availability's time zone."""

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Fermé")
        OPEN = "open", _("Ouverture supplémentaire")

    availability = models.ForeignKey(
        Availability, on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(_("type"), max_length=6, choices=Kind.choices)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("de"), null=True, blank=True)
    end_time = models.TimeField(_("à"), null=True, blank=True)

    class Meta:
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["availability", "date"])]
        constraints = [
            # Times are both set with end > start, or (closed only) both empty = all day.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        start_time__isnull=False,
                        end_time__isnull=False,
                        end_time__gt=models.F("start_time"),
                    )
                    | models.Q(kind="closed", start_time__isnull=True, end_time__isnull=True)
                ),
                name="availability_exception_times",
                violation_error_message=_(
                    "Indiquez une heure de début et une heure de fin qui la suit ; sans "
                    "heures, seule une fermeture (toute la journée) est possible."
                ),
            ),
        ]

    def __str__(self):
        if self.start_time is None:
            return f"{self.date} {self.get_kind_display()}"
        return (
            f"{self.date} {self.start_time:%H:%M}-{self.end_time:%H:%M} {self.get_kind_display()}"
        )

    @property
    def is_whole_day(self) -> bool:
        return self.start_time is None
