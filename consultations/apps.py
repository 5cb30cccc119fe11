from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Consultations")

    def ready(self):
        from consultations import slots_cache
        from medical import rotation

        slots_cache.connect_receivers()

        # `manage.py rotate_encryption_key` re-seals cancellation reasons with the notes.
        rotation.register(
            "consultations.Consultation",
            fields=("cancel_reason_sealed",),
            aad=lambda consultation, column: consultation.cancel_reason_aad(),
        )
