import uuid

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first answer to an API write sent with an `Idempotency-Key` header, committed
    in the same transaction as the write itself: it exists exactly when the write does.

    The answer can hold medical text (a journal entry), so it is sealed like medical
    content, bound to this row and its user; it is kept `HUNTZEN_IDEMPOTENCY_TTL`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the parsed body of the first request.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_sealed = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")
        ]

    def __str__(self):
        return f"{self.key} ({self.status_code})"

    def response_aad(self) -> bytes:
        from medical.crypto import associated_data

        return associated_data(
            table="idempotency_key", row_id=self.pk, owner_id=self.user_id, field="response"
        )
