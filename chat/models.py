import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medical.crypto import associated_data


class ChatMessage(models.Model):
    """One message of a consultation's chat, sealed before it reaches the database.

    The primary key is drawn before sealing so the ciphertext can be bound to its row;
    the associated data also binds it to the consultation and the sender, so a
    ciphertext moved to another row, room or author fails to decrypt.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(
        "consultations.Consultation",
        on_delete=models.CASCADE,
        related_name="chat_messages",
        verbose_name=_("consultation"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("auteur"),
    )
    body_sealed = models.TextField(_("message (chiffré)"), editable=False)
    # Chosen by the client: a resend after a reconnect carries the same id.
    client_message_id = models.CharField(_("identifiant client"), max_length=64)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("message de chat")
        verbose_name_plural = _("messages de chat")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["consultation", "created_at", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "sender", "client_message_id"],
                name="chat_message_client_id_unique",
            ),
        ]

    def __str__(self):
        # Never the content, not even sealed.
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.pk}"

    def aad(self, field: str = "body") -> bytes:
        """The associated data sealing `field` of this row (also used by key rotation)."""
        return self.aad_of(self.pk, self.consultation_id, self.sender_id, field)

    @classmethod
    def aad_of(cls, row_id, consultation_id, sender_id, field: str = "body") -> bytes:
        """`aad` of the row with these ids, for a page read as plain values."""
        return associated_data(
            table=cls._meta.db_table,
            row_id=row_id,
            owner_id=f"{consultation_id}/{sender_id}",
            field=field,
        )
