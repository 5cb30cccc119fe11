from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import roles

        # Runs after every app's permissions exist, so role groups can hold
        # model permissions of apps migrated after accounts.
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="accounts.sync_roles")
