import io

import pytest

from accounts.models import Role
from accounts.services import user_create
from companies import demo
from companies.models import PractitionerProfile
from huntzen.content.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_accounts(db):
    user_create(email="admin@huntzen.demo", role=Role.HUNTZEN_ADMIN)
    user_create(email="psy1@huntzen.demo", role=Role.PRACTITIONER)
    user_create(email="psy2@huntzen.demo", role=Role.PRACTITIONER)


def test_seed_gives_the_demo_practitioners_their_profiles_and_publishes_articles(demo_accounts):
    demo.seed(stdout=io.StringIO(), password="demo-password-2026")
    psy1 = PractitionerProfile.objects.get(user__email="psy1@huntzen.demo")
    assert psy1.profession == "psychologist"
    assert {s.code for s in psy1.specialties.all()} == {"stress", "burnout", "anxiety"}
    assert {lang.code for lang in psy1.languages.all()} == {"fr", "en"}
    psy2 = PractitionerProfile.objects.get(user__email="psy2@huntzen.demo")
    assert psy2.profession == "psychotherapist"
    assert {s.code for s in psy2.specialties.all()} == {"grief", "relationships"}
    assert Article.objects.filter(is_published=True).count() == 3


def test_seed_is_idempotent(demo_accounts):
    demo.seed(stdout=io.StringIO(), password="demo-password-2026")
    before = (PractitionerProfile.objects.count(), Article.objects.count())
    demo.seed(stdout=io.StringIO(), password="demo-password-2026")
    assert (PractitionerProfile.objects.count(), Article.objects.count()) == before == (2, 3)


def test_seed_without_the_accounts_skips_profiles(db):
    out = io.StringIO()
    demo.seed(stdout=out, password="demo-password-2026")
    assert not PractitionerProfile.objects.exists() and "skipped" in out.getvalue()
