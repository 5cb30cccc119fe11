import re

import pytest

from accounts.models import Role
from accounts.services import invitation_create

# The site's public URL here: links in emails use it, never the request's host.
BASE_URL = "https://care.example.test"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.HUNTZEN_SITE_URL = BASE_URL


@pytest.fixture
def invite(hr_acme):
    """Invite an Acme employee as Acme's HR (through the real service)."""

    def make(
        email="new.hire@acme.test", *, inviter=None, role=Role.EMPLOYEE, company=None, **extra
    ):
        inviter = inviter or hr_acme
        if company is None and role in (Role.EMPLOYEE, Role.COMPANY_RH):
            company = inviter.company or hr_acme.company
        return invitation_create(
            inviter=inviter,
            email=email,
            role=role,
            company=company,
            **extra,
        )

    return make


def link_token(message) -> str:
    """The raw token of the invitation link in an email."""
    match = re.search(r"/invitation/([A-Za-z0-9_\-]+)/", message.body)
    assert match, message.body
    return match.group(1)
