from django.apps import AppConfig


class MedicalConfig(AppConfig):
    name = "medical"
    default_auto_field = "django.db.models.BigAutoField"
