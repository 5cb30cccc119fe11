from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

DISPATCH_UID = "metrics.count_completed_consultation"


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Compteurs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from metrics.receivers import consultation_saved

        post_save.connect(
            consultation_saved, sender="consultations.Consultation", dispatch_uid=DISPATCH_UID
        )
