import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse

from huntzen.content.models import Article

pytestmark = pytest.mark.django_db


def test_staff_write_an_article_in_the_admin(client, staff_r2):
    client.force_login(staff_r2)
    response = client.post(
        reverse("admin:content_article_add"),
        {
            "title": "Le sommeil",
            "slug": "le-sommeil",
            "summary": "Dormir mieux",
            "body": "# Dormir\n\nConseils.",
            "language": "fr",
            "audience": "employees",
            "is_published": "on",
            "published_at_0": "2026-01-05",
            "published_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="le-sommeil")
    assert LogEntry.objects.filter(
        user=staff_r2, object_id=str(article.pk), action_flag=ADDITION
    ).exists()
    preview = client.get(reverse("admin:content_article_change", args=[article.pk]))
    assert "<h2>Dormir</h2>" in preview.content.decode()


@pytest.mark.parametrize("who", ["hr_acme", "employee_a", "practitioner_p"])
def test_others_cannot_write_articles(client, person, who):
    client.force_login(person(who))
    response = client.post(reverse("admin:content_article_add"), {"title": "x"})
    assert response.status_code == 302 and "login" in response.url
    assert not Article.objects.exists()
