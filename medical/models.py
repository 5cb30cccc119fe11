from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The medical access log is append-only.")

    def delete(self):
        raise TypeError("The medical access log is append-only.")


class AccessLogEntry(models.Model):
    """Who read, wrote, exported or was refused which piece of medical content, when.

    Holds no content. Append-only: no update or delete path in code or admin.
    """

    class Action(models.TextChoices):
        READ = "read", _("lecture")
        WRITE = "write", _("écriture")
        DELETE = "delete", _("suppression")
        EXPORT = "export", _("export")
        JOIN = "join", _("connexion au chat")
        SEND = "send", _("envoi")

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
    object_type = models.CharField(_("type d'objet"), max_length=40)
    object_id = models.CharField(_("identifiant"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    allowed = models.BooleanField(_("autorisé"))
    request_id = models.CharField(_("requête"), max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal d'accès médical")
        verbose_name_plural = _("journal d'accès médical")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        verdict = "allowed" if self.allowed else "refused"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.user_email} {self.action} {verdict}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The medical access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The medical access log is append-only.")
