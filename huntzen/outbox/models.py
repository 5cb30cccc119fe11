import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One email to one recipient, delivered by a task.

    Either rendered when it was queued (subject, text, html, attachments: allauth's and
    the account emails), or rendered at delivery by `renderer` (a name registered with
    huntzen.outbox.services.register_renderer) from `context`: the plain values of the
    moment of the change (times, flags, the calendar event's sequence), in `language`.
    The request that queues it then writes one small row and renders nothing.

    Its id is the idempotency key of the delivery: the email's Message-ID is derived from
    it, and a delivery first claims the row (pending → sending, with a lease) by a
    conditional UPDATE, so that of two workers only one sends it. The content and the
    context are erased once sent: sent rows keep who, what kind, when and how many
    attempts.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Abandonné")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=120)
    # One message per business event and recipient (e.g. a reminder): a second queuing
    # of the same key is ignored.
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    recipient = models.CharField(_("destinataire"), max_length=254)
    from_email = models.CharField(max_length=254)
    subject = models.TextField(blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    renderer = models.CharField(max_length=60, blank=True)
    language = models.CharField(max_length=10, blank=True)
    context = models.JSONField(null=True, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"))
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("créé le"))
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail à envoyer")
        verbose_name_plural = _("e-mails à envoyer")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(state__in=["pending", "sending"]),
            )
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient} ({self.state})"
