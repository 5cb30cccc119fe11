import pytest


@pytest.fixture
def person(request):
    """`person("hr_acme")`: one member of the cast, built alone (the full cast costs
    ten password hashes)."""
    return request.getfixturevalue


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The cast's passwords hashed with MD5 here: PBKDF2 costs ~0.5 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
