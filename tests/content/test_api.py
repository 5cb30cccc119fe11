import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/content/articles"


@pytest.fixture
def as_(api_client, person):
    def sign_in(who):
        api_client.force_authenticate(person(who))
        return api_client

    return sign_in


def _slugs(response):
    return [row["slug"] for row in response.json()["results"]]


def test_employees_get_published_articles_for_employees(as_, articles):
    response = as_("employee_c").get(URL)
    assert response.status_code == 200
    assert _slugs(response) == ["for-everyone", "in-english"]
    row = response.json()["results"][0]
    assert set(row) == {
        "id",
        "slug",
        "title",
        "summary",
        "bodyHtml",
        "language",
        "audience",
        "publishedAt",
    }


def test_hr_gets_both_audiences_newest_first(as_, articles):
    assert _slugs(as_("hr_globex").get(URL)) == ["for-hr", "for-everyone", "in-english"]


def test_language_filter(as_, articles):
    assert _slugs(as_("employee_a").get(f"{URL}?language=en")) == ["in-english"]
    response = as_("employee_a").get(f"{URL}?language=xx")
    assert response.status_code == 400 and "language" in response.json()["fields"]


def test_body_html_is_sanitized(as_, make_article):
    make_article("x", body="<script>alert(1)</script><b onclick='x()'>hi</b>")
    html = as_("employee_a").get(URL).json()["results"][0]["bodyHtml"]
    assert "<script" not in html and "onclick" not in html


def test_practitioners_cannot_read_articles(as_, articles):
    assert as_("practitioner_p").get(URL).status_code == 403


def test_anonymous_is_refused(api_client, articles):
    assert api_client.get(URL).status_code in (401, 403)
