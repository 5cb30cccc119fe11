import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The cast's passwords are hashed on every test; a fast hasher keeps the role-table
    tests quick. Nothing here tests passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
