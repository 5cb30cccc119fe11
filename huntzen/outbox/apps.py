from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "huntzen.outbox"
    label = "outbox"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Envoi des e-mails")

    def ready(self):
        # Each app's `notifications` module registers the renderers of the emails it
        # queues to be rendered at delivery: a worker or a command that delivers them
        # has them too.
        autodiscover_modules("notifications")
