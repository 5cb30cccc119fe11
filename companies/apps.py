from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Entreprises et praticiens")

    def ready(self):
        from companies import directory

        directory.connect_receivers()
