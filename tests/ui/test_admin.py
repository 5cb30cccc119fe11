"""The back office for staff, in French with English through i18n: roles by name, object
types in words, row titles and datetimes in Paris time, page titles with elision, and
the Django admin's own accessibility gaps closed (axe over its pages, in a browser)."""

from datetime import UTC, datetime

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation

from huntzen.content.models import Article
from medical.audit import log_access
from medical.models import AccessLogEntry
from tests.consultations.factories import book

# 12:05 UTC is 13:05 in Paris in winter.
WINTER_NOON_UTC = datetime(2026, 12, 1, 12, 5, tzinfo=UTC)


def _logged_read(practitioner, consultation) -> AccessLogEntry:
    with time_machine.travel(WINTER_NOON_UTC, tick=False):
        return log_access(
            user=practitioner,
            object_type="clinical_note",
            object_id=consultation.pk,
            action=AccessLogEntry.Action.READ,
            allowed=True,
        )


@pytest.mark.django_db
def test_the_access_log_names_roles_and_object_types_in_words(
    client, staff_r2, employee_a, practitioner_p
):
    _logged_read(practitioner_p, book(employee_a, practitioner_p))
    client.force_login(staff_r2)
    html = client.get(reverse("admin:medical_accesslogentry_changelist")).text
    assert ">R4_PRACTITIONER<" not in html  # the filter's query string keeps the code
    assert ">Praticien</td>" in html
    assert ">note clinique</td>" in html
    assert "?role=R4_PRACTITIONER" in html and ">Praticien</a>" in html  # the role filter
    assert "?object_type=clinical_note" in html and ">note clinique</a>" in html


@pytest.mark.django_db
def test_the_access_log_shows_paris_time(client, staff_r2, employee_a, practitioner_p):
    _logged_read(practitioner_p, book(employee_a, practitioner_p))
    client.force_login(staff_r2)
    html = client.get(reverse("admin:medical_accesslogentry_changelist")).text
    assert "1 décembre 2026 13:05" in html
    assert "12:05" not in html


@pytest.mark.django_db
def test_an_access_log_row_is_titled_in_french_and_in_paris_time(employee_a, practitioner_p):
    entry = _logged_read(practitioner_p, book(employee_a, practitioner_p))
    with translation.override("fr"):
        assert str(entry) == (
            "Lecture par p@huntzen.test, mardi 1 décembre 2026, 13:05 : accès autorisé"
        ).replace("p@huntzen.test", practitioner_p.email)
    with translation.override("en"):
        assert str(entry) == (
            f"Read by {practitioner_p.email}, Tuesday, December 1, 2026, 13:05: access allowed"
        )


@pytest.mark.django_db
def test_the_roles_of_people_and_invitations_are_shown_by_name(client, staff_r2, employee_a):
    client.force_login(staff_r2)
    for name in ("accounts_user", "accounts_invitation"):
        html = client.get(reverse(f"admin:{name}_changelist")).text
        assert "R5_EMPLOYEE</" not in html and ">R5_EMPLOYEE" not in html, name
    assert ">Salarié</td>" in client.get(reverse("admin:accounts_user_changelist")).text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, add, change",
    [
        ("fr", "Nouvel utilisateur", "Modification de l’utilisateur"),
        ("en", "New user", "Change user"),
    ],
)
def test_page_titles_elide_in_french_and_translate(
    client, staff_r2, employee_a, language, add, change
):
    client.force_login(staff_r2)
    client.cookies["django_language"] = language
    html = client.get(reverse("admin:accounts_user_add")).text
    assert f"<h1>{add}</h1>" in html
    html = client.get(reverse("admin:accounts_user_change", args=[employee_a.pk])).text
    assert f"<h1>{change}</h1>" in html
    assert "Modification de utilisateur" not in html


@pytest.mark.django_db
def test_a_read_only_page_is_titled_as_one(client, staff_r2, employee_a, practitioner_p):
    consultation = book(employee_a, practitioner_p)
    client.force_login(staff_r2)
    html = client.get(
        reverse("admin:consultations_consultation_change", args=[consultation.pk])
    ).text
    assert "<h1>Affichage de la consultation</h1>" in html


@pytest.mark.django_db
def test_the_publication_date_and_time_have_labels(client, staff_r2):
    client.force_login(staff_r2)
    html = client.get(reverse("admin:content_article_add")).text
    assert '<label for="id_published_at_0">' in html
    assert '<label for="id_published_at_1">' in html


@pytest.mark.django_db
def test_the_admin_is_branded_and_loads_its_fixes(client, staff_r2):
    client.force_login(staff_r2)
    html = client.get(reverse("admin:index")).text
    assert "HuntZen Care · administration" in html
    assert "Administration de Django" not in html
    assert "css/admin.css" in html and "favicon.svg" in html


# --- In a browser: axe-core over the admin's pages -----------------------------------------


def _admin_pages(*, staff, employee, practitioner) -> list[str]:
    consultation = book(employee, practitioner)
    entry = _logged_read(practitioner, consultation)
    article = Article.objects.create(title="Dormir", slug="dormir", summary="S", body="B")
    pages = [reverse("admin:index")]
    for model in (
        "accounts_user",
        "accounts_invitation",
        "companies_company",
        "companies_practitionerprofile",
        "consultations_consultation",
        "medical_accesslogentry",
        "content_article",
    ):
        pages.append(reverse(f"admin:{model}_changelist"))
    for model in (
        "accounts_user",
        "accounts_invitation",
        "companies_company",
        "companies_practitionerprofile",
        "content_article",
    ):
        pages.append(reverse(f"admin:{model}_add"))
    pages += [
        reverse("admin:accounts_user_change", args=[employee.pk]),
        reverse("admin:companies_company_change", args=[employee.company_id]),
        reverse(
            "admin:companies_practitionerprofile_change",
            args=[practitioner.practitioner_profile.pk],
        ),
        reverse("admin:consultations_consultation_change", args=[consultation.pk]),
        reverse("admin:medical_accesslogentry_change", args=[entry.pk]),
        reverse("admin:content_article_change", args=[article.pk]),
    ]
    return pages


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_axe_finds_no_violation_on_the_admin_pages(
    page, sign_in, staff_r2, employee_a, practitioner_p
):
    pages = _admin_pages(staff=staff_r2, employee=employee_a, practitioner=practitioner_p)
    sign_in(staff_r2)
    axe = Axe()
    found = {}
    for url in pages:
        assert page.goto(url).status == 200, url
        violations = axe.run(page).response["violations"]
        if violations:
            found[url] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    assert not found


@pytest.mark.django_db
def test_the_admin_names_apps_and_models_in_english_too(client, staff_r2):
    client.force_login(staff_r2)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("admin:index")).text
    for label in ("Accounts", "Companies and practitioners", "Medical secret", "News and articles"):
        assert f">{label}</a>" in html, label
    assert ">Platform administration<" in html
    html = client.get(reverse("admin:medical_accesslogentry_changelist")).text
    assert ">clinical note</a>" in html and ">Practitioner</a>" in html
