"""Django's and allauth's authentication backends, reading the signed-in user through the
shared cache (accounts/auth_cache.py). Sign-in itself (`authenticate`) is unchanged."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.auth_cache import CachedUserMixin


class ModelBackend(CachedUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(CachedUserMixin, AllauthBackend):
    pass
