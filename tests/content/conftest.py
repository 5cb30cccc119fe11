from datetime import timedelta

import pytest
from django.utils import timezone

from huntzen.content.models import Article


@pytest.fixture
def person(request):
    return request.getfixturevalue


@pytest.fixture
def make_article(db):
    def make(
        slug,
        *,
        audience=Article.Audience.EMPLOYEES,
        published=True,
        days_ago=1,
        body="Texte",
        language="fr",
    ):
        return Article.objects.create(
            slug=slug,
            title=slug.replace("-", " ").title(),
            summary=f"Résumé {slug}",
            body=body,
            audience=audience,
            is_published=published,
            language=language,
            published_at=timezone.now() - timedelta(days=days_ago),
        )

    return make


@pytest.fixture
def articles(make_article):
    return {
        "public": make_article("for-everyone", days_ago=2),
        "hr": make_article("for-hr", audience=Article.Audience.HR, days_ago=1),
        "draft": make_article("a-draft", published=False),
        "scheduled": make_article("tomorrow", days_ago=-1),
        "english": make_article("in-english", language="en", days_ago=3),
    }
