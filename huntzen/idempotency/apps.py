from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdempotencyConfig(AppConfig):
    name = "huntzen.idempotency"
    label = "idempotency"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Clés d'idempotence")

    def ready(self):
        from medical import rotation

        # The kept answers are sealed (a journal entry's answer holds its text).
        rotation.register(
            "idempotency.IdempotencyKey",
            fields=("response_sealed",),
            aad=lambda record, column: record.response_aad(),
        )
