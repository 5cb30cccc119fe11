from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdempotencyConfig(AppConfig):
    name = "huntzen.idempotency"
    label = "idempotency"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Clés d'idempotence")
