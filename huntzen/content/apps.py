from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "huntzen.content"
    label = "content"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Actualités et articles")
