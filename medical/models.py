import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from huntzen.dates import datetime_long
from medical.crypto import associated_data, associated_data_of_fields, associated_data_writer


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The medical access log is append-only.")

    def delete(self):
        raise TypeError("The medical access log is append-only.")


class AccessLogEntry(models.Model):
    """Who read, wrote, exported or was refused which piece of medical content, when.

    Holds no content. Append-only: no update or delete path in code or admin. `subject`
    is the person the data is about (the employee of a consultation, the owner of a
    journal): her privacy page lists the rows about her written by someone else.
    """

    class Action(models.TextChoices):
        READ = "read", _("lecture")
        WRITE = "write", _("écriture")
        DELETE = "delete", _("suppression")
        EXPORT = "export", _("export")
        JOIN = "join", _("connexion au chat")
        SEND = "send", _("envoi")
        CONSENT = "consent", _("partage des compteurs activé")
        WITHDRAW = "withdraw", _("partage des compteurs retiré")
        # A stored ciphertext failed to decrypt (tampered, wrong key, moved row).
        INTEGRITY = "integrity", _("contenu illisible (intégrité)")

    at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("utilisateur"),
    )
    user_email = models.CharField(_("e-mail"), max_length=254, blank=True)
    role = models.CharField(_("rôle"), max_length=20, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # served by the (subject, -at, -id) index below
        verbose_name=_("personne concernée"),
    )
    object_type = models.CharField(_("type d'objet"), max_length=40)
    object_id = models.CharField(_("identifiant"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    allowed = models.BooleanField(_("autorisé"))
    # Our own id for the request (huntzen.middleware), never the client's.
    request_id = models.CharField(_("requête"), max_length=64, blank=True)
    # The client's X-Request-ID, only when short and plain, for its own correlation.
    client_request_id = models.CharField(_("requête (client)"), max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal d'accès médical")
        verbose_name_plural = _("journal d'accès médical")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["subject", "-at", "-id"], name="accesslog_subject_at"),
        ]

    def __str__(self):
        """The row's title in the admin: the staff's language, the site's time zone."""
        return gettext("%(action)s par %(email)s, %(at)s : %(verdict)s") % {
            "action": capfirst(self.get_action_display()),
            "verdict": gettext("accès autorisé") if self.allowed else gettext("accès refusé"),
            "email": self.user_email or "—",
            "at": datetime_long(timezone.localtime(self.at)) if self.at else "—",
        }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The medical access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The medical access log is append-only.")


def _aad(row, *, owner_id, field: str) -> bytes:
    return associated_data(table=row._meta.db_table, row_id=row.pk, owner_id=owner_id, field=field)


class ClinicalNote(models.Model):
    """The practitioner's working note on one consultation: the current version.

    Reason, observations and plan are sealed (AES-256-GCM) with associated data naming
    this row, its author and the field, so the UUID is drawn before the first seal.
    Earlier versions are kept as ClinicalNoteVersion rows on each amendment.
    """

    # column -> field name bound into the associated data
    SEALED = {
        "reason_sealed": "reason",
        "observations_sealed": "observations",
        "plan_sealed": "plan",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.OneToOneField(
        "consultations.Consultation",
        on_delete=models.PROTECT,
        related_name="clinical_note",
        verbose_name=_("consultation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="clinical_notes",
        verbose_name=_("auteur"),
    )
    reason_sealed = models.TextField(editable=False)
    observations_sealed = models.TextField(editable=False)
    plan_sealed = models.TextField(editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("rédigée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("note clinique")
        verbose_name_plural = _("notes cliniques")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["author", "-created_at"])]

    def __str__(self):
        return f"note {self.pk}"

    def aad(self, field: str) -> bytes:
        """Binds a sealed field to this note and its author."""
        return _aad(self, owner_id=self.author_id, field=field)


class ClinicalNoteVersion(models.Model):
    """An earlier version of a clinical note, kept when the note is amended.

    Re-sealed under its own row's associated data (a ciphertext never moves rows).
    """

    SEALED = ClinicalNote.SEALED

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(
        ClinicalNote, on_delete=models.CASCADE, related_name="versions", verbose_name=_("note")
    )
    number = models.PositiveIntegerField(_("version"))
    reason_sealed = models.TextField(editable=False)
    observations_sealed = models.TextField(editable=False)
    plan_sealed = models.TextField(editable=False)
    written_at = models.DateTimeField(_("rédigée le"))
    replaced_at = models.DateTimeField(_("remplacée le"))

    class Meta:
        verbose_name = _("version de note clinique")
        verbose_name_plural = _("versions de notes cliniques")
        ordering = ["note", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["note", "number"], name="note_version_unique"),
        ]

    def __str__(self):
        return f"note {self.note_id} v{self.number}"

    def aad(self, field: str, *, author_id=None) -> bytes:
        """Binds a sealed field to this version row and the note's author."""
        return _aad(self, owner_id=author_id or self.note.author_id, field=field)


class ClinicalNoteUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table for notes: rows go with the note."""

    content_object = models.ForeignKey(ClinicalNote, on_delete=models.CASCADE)


class JournalEntry(models.Model):
    """One dated entry of an employee's private journal. Mood and text are sealed:
    HR must not infer wellbeing from a mood column."""

    SEALED = {"mood_sealed": "mood", "text_sealed": "text"}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="journal_entries",
        verbose_name=_("auteur"),
    )
    entry_date = models.DateField(_("date"))
    mood_sealed = models.TextField(editable=False)
    text_sealed = models.TextField(editable=False)
    created_at = models.DateTimeField(_("écrite le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)

    class Meta:
        verbose_name = _("entrée de journal")
        verbose_name_plural = _("entrées de journal")
        ordering = ["-entry_date", "-created_at"]
        indexes = [models.Index(fields=["owner", "-entry_date", "-created_at"])]

    def __str__(self):
        return f"journal entry {self.pk}"

    def aad(self, field: str) -> bytes:
        """Binds a sealed field to this entry and its owner."""
        return self.aad_of(self.pk, self.owner_id, field)

    @classmethod
    def aad_of(cls, pk, owner_id, field: str) -> bytes:
        """`aad` from the row's columns: lists read tuples, not instances."""
        return associated_data(table=cls._meta.db_table, row_id=pk, owner_id=owner_id, field=field)

    @classmethod
    def aads_writer(cls, *fields: str):
        """`aads_of(pk, owner_id, *fields)` as a function of `pk` and `owner_id`, for
        the many rows of a list."""
        return associated_data_writer(table=cls._meta.db_table, fields=fields)

    @classmethod
    def aads_of(cls, pk, owner_id, *fields: str) -> tuple[bytes, ...]:
        """`aad_of` of each field, for a list's rows."""
        return associated_data_of_fields(
            table=cls._meta.db_table, row_id=pk, owner_id=owner_id, fields=fields
        )


class JournalEntryUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table for journal entries."""

    content_object = models.ForeignKey(JournalEntry, on_delete=models.CASCADE)


class PersonalDataExport(models.Model):
    """A person's export (medical.exports) built by a task for a large account: the
    ZIP sealed like medical content, bound to this row and its owner, kept until
    `expires_at`. At most one pending per owner (a database constraint), so a second
    request while one is being prepared queues nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", _("en préparation")
        READY = "ready", _("prête")
        FAILED = "failed", _("échec")

    SEALED = {"archive_sealed": "archive"}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="personal_data_exports",
        verbose_name=_("personne"),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    archive_sealed = models.TextField(editable=False, blank=True)
    size = models.PositiveBigIntegerField(_("taille (octets)"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    # A worker's claim on the build: another takes over once it is over (worker died).
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    ready_at = models.DateTimeField(_("prête le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de données personnelles")
        verbose_name_plural = _("exports de données personnelles")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(status="pending"),
                name="one_pending_export_per_owner",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_status_expiry")]

    def __str__(self):
        return f"export {self.pk}"

    def aad(self, field: str) -> bytes:
        """Binds the sealed archive to this export and its owner."""
        return _aad(self, owner_id=self.owner_id, field=field)
