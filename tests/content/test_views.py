"""/articles/ and home pages: published articles of the reader's audience only."""

import pytest
from django.urls import reverse

from huntzen.content.models import Article

pytestmark = pytest.mark.django_db

LIST = reverse("content:article_list")


def _detail(slug):
    return reverse("content:article_detail", args=[slug])


def test_an_employee_reads_published_articles_for_all_employees(client, employee_a, articles):
    client.force_login(employee_a)
    body = client.get(LIST).content.decode()
    assert _detail("for-everyone") in body and _detail("in-english") in body
    for hidden in ("for-hr", "a-draft", "tomorrow"):
        assert _detail(hidden) not in body


def test_hr_reads_both_audiences(client, hr_acme, articles):
    client.force_login(hr_acme)
    body = client.get(LIST).content.decode()
    assert _detail("for-everyone") in body and _detail("for-hr") in body
    assert _detail("a-draft") not in body and _detail("tomorrow") not in body


@pytest.mark.parametrize(
    "who, slug",
    [
        ("employee_a", "for-hr"),
        ("employee_a", "a-draft"),
        ("hr_acme", "a-draft"),
        ("hr_acme", "tomorrow"),
        ("employee_c", "unknown"),
    ],
)
def test_hidden_articles_are_404(client, person, articles, who, slug):
    client.force_login(person(who))
    assert client.get(_detail(slug)).status_code == 404


def test_an_article_page_renders_safe_markdown(client, employee_a, make_article):
    make_article(
        "piege",
        body="# Bonjour\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\"> **ok**",
    )
    client.force_login(employee_a)
    response = client.get(_detail("piege"))
    assert response.status_code == 200
    main = response.content.decode().split("<main")[1].split("</main>")[0]
    assert "<strong>ok</strong>" in main and "<h2>Bonjour</h2>" in main
    assert "<script" not in main and "onerror" not in main.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_detail_marks_the_article_language(client, employee_a, articles):
    client.force_login(employee_a)
    assert 'lang="en"' in client.get(_detail("in-english")).content.decode()


@pytest.mark.parametrize("who", ["practitioner_p", "staff_r2"])
def test_practitioners_have_no_article_pages_and_staff_see_all(client, person, articles, who):
    client.force_login(person(who))
    if who == "practitioner_p":
        assert client.get(LIST).status_code == 403
        assert client.get(_detail("for-everyone")).status_code == 403
    else:
        assert client.get(_detail("for-hr")).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, articles):
    assert client.get(LIST).status_code == 302
    assert client.get(_detail("for-everyone")).status_code == 302


def test_the_list_query_count_is_flat(
    client, employee_a, make_article, django_assert_max_num_queries
):
    client.force_login(employee_a)
    for index in range(30):
        make_article(f"a-{index}")
    with django_assert_max_num_queries(7):
        assert client.get(LIST).status_code == 200
    assert Article.objects.count() == 30
