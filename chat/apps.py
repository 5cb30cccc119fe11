from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Messagerie")

    def ready(self):
        from chat import signals
        from medical import rotation

        signals.connect_receivers()

        # `manage.py rotate_encryption_key` re-seals chat messages with the notes.
        rotation.register(
            "chat.ChatMessage",
            fields=("body_sealed",),
            aad=lambda message, column: message.aad("body"),
        )
