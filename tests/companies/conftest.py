import pytest


@pytest.fixture
def person(request):
    """`person("hr_acme")`: one member of the cast, built alone (the full cast costs
    ten password hashes)."""
    return request.getfixturevalue
