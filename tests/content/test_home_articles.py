import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_employee_home_lists_articles_for_employees(client, employee_a, articles):
    client.force_login(employee_a)
    body = client.get(reverse("accounts:employee_home")).content.decode()
    assert "/articles/for-everyone/" in body
    for hidden in ("for-hr", "a-draft", "tomorrow"):
        assert f"/articles/{hidden}/" not in body


def test_the_hr_home_lists_hr_articles_too(client, hr_acme, articles):
    client.force_login(hr_acme)
    body = client.get(reverse("accounts:hr_home")).content.decode()
    assert "/articles/for-hr/" in body and "/articles/for-everyone/" in body
    assert "/articles/a-draft/" not in body


def test_the_home_shows_the_three_latest(client, employee_a, make_article):
    for index in range(5):
        make_article(f"n-{index}", days_ago=index + 1)
    client.force_login(employee_a)
    body = client.get(reverse("accounts:employee_home")).content.decode()
    assert [f"/articles/n-{i}/" in body for i in range(5)] == [True, True, True, False, False]
