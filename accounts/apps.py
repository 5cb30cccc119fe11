from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Comptes")

    def ready(self):
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin
        from django.utils.module_loading import autodiscover_modules

        from accounts import auth_cache, roles, session_end

        # Runs after every app's permissions exist, so role groups can hold
        # model permissions of apps migrated after accounts.
        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="accounts.sync_roles")

        # Logout, a new password, deactivation, ... close that sign-in's websockets.
        session_end.connect_receivers()
        # ... and drop the cached copy of a user whose row, groups or permissions change.
        auth_cache.connect_receivers()

        # Gates register when their module is imported; templates look them up by name.
        autodiscover_modules("access", "gates")

        # The admin door is no side door: its login goes through allauth (rate limits,
        # email verification, MFA), as allauth's documentation recommends.
        if not getattr(admin.site.login, "_huntzen_secured", False):
            admin.site.login = secure_admin_login(admin.site.login)
            admin.site.login._huntzen_secured = True
