"""Portal pages of clinical notes (the note editor and the practitioner's note list),
for each role."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from medical import selectors
from medical.models import AccessLogEntry, ClinicalNote, ClinicalNoteVersion
from tests.consultations.factories import completed

from .conftest import ROLES, past

pytestmark = pytest.mark.django_db

FORM = {"reason": "Motif", "observations": "Observations", "plan": "Plan"}
PAGE = {"practitioner_p": 200, "employee_a": 403}


@pytest.mark.parametrize("role", ROLES)
def test_the_note_page_is_for_the_author_only(role, cast, login, note):
    response = login(cast[role]).get(reverse("medical:note", args=[note.consultation_id]))
    assert response.status_code == PAGE.get(role, 404)
    html = response.content.decode()
    assert ("Sommeil perturbé" in html) is (role == "practitioner_p")
    assert ("Stress au travail" in html) is (role == "practitioner_p")


@pytest.mark.parametrize("role", ROLES)
def test_the_empty_editor_opens_for_the_consultations_practitioner_only(
    role, cast, login, consultation
):
    response = login(cast[role]).get(reverse("medical:note", args=[consultation.pk]))
    assert response.status_code == PAGE.get(role, 404)
    if role == "practitioner_p":
        assert 'name="observations"' in response.content.decode()


def test_before_the_consultation_the_page_says_when_a_note_can_be_written(
    login, practitioner_p, scheduled
):
    response = login(practitioner_p).get(reverse("medical:note", args=[scheduled.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "quand la consultation aura commencé" in html
    assert 'name="observations"' not in html


def test_posting_before_the_consultation_is_409_and_writes_nothing(
    login, practitioner_p, scheduled
):
    response = login(practitioner_p).post(reverse("medical:note", args=[scheduled.pk]), FORM)
    assert response.status_code == 409
    assert not ClinicalNote.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_writing_the_note_is_for_the_consultations_practitioner_only(
    role, cast, login, consultation
):
    response = login(cast[role]).post(reverse("medical:note", args=[consultation.pk]), FORM)
    assert response.status_code == {"practitioner_p": 302, "employee_a": 403}.get(role, 404)
    assert ClinicalNote.objects.exists() is (role == "practitioner_p")


@pytest.mark.parametrize("role", ROLES)
def test_amending_is_for_the_author_only_and_keeps_the_previous_version(role, cast, login, note):
    response = login(cast[role]).post(
        reverse("medical:note", args=[note.consultation_id]), {**FORM, "plan": "Nouveau"}
    )
    assert response.status_code == {"practitioner_p": 302, "employee_a": 403}.get(role, 404)
    assert ClinicalNoteVersion.objects.exists() is (role == "practitioner_p")
    if role == "practitioner_p":
        html = login(cast[role]).get(reverse("medical:note", args=[note.consultation_id]))
        assert "Versions précédentes" in html.content.decode()
        assert "Revoir dans quinze jours." in html.content.decode()


def test_a_bad_note_is_400_and_changes_nothing(login, practitioner_p, note):
    before = ClinicalNote.objects.values().get()
    response = login(practitioner_p).post(
        reverse("medical:note", args=[note.consultation_id]), {**FORM, "reason": "x" * 2001}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert ClinicalNote.objects.values().get() == before
    assert selectors.note_content(note).reason == "Stress au travail"


def test_an_empty_note_is_400(login, practitioner_p, consultation):
    response = login(practitioner_p).post(
        reverse("medical:note", args=[consultation.pk]), {"reason": "", "plan": ""}
    )
    assert response.status_code == 400
    assert not ClinicalNote.objects.exists()


def test_opening_the_note_is_logged_as_a_read(login, practitioner_p, note):
    login(practitioner_p).get(reverse("medical:note", args=[note.consultation_id]))
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.action, row.allowed, row.object_id) == ("read", True, str(note.consultation_id))


@pytest.mark.parametrize("role", ROLES)
def test_the_note_list_is_for_practitioners_and_shows_their_consultations_only(
    role, cast, login, note
):
    response = login(cast[role]).get(reverse("medical:notes"))
    is_practitioner = role.startswith("practitioner")
    assert response.status_code == (200 if is_practitioner else 403)
    if is_practitioner:
        link = reverse("medical:note", args=[note.consultation_id])
        assert (link in response.content.decode()) is (role == "practitioner_p")
        assert "Stress au travail" not in response.content.decode()


def test_the_note_list_query_count_does_not_grow(
    login, practitioner_p, employee_a, django_assert_max_num_queries
):
    client = login(practitioner_p)
    completed(employee_a, practitioner_p, at=past(days=3))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("medical:notes"))
    for day in range(4, 10):
        completed(employee_a, practitioner_p, at=past(days=day))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("medical:notes"))


@pytest.mark.parametrize("role", ROLES)
def test_the_consultation_panel_shows_a_link_to_the_practitioner_only(role, cast, note):
    request = RequestFactory().get("/")
    request.user = cast[role]
    html = Template('{% include "medical/_note_panel.html" %}').render(
        Context({"request": request, "consultation": note.consultation})
    )
    link = reverse("medical:note", args=[note.consultation_id])
    assert (link in html) is (role == "practitioner_p")
    assert "Stress" not in html


@pytest.mark.parametrize("role", ["practitioner_p", "employee_a"])
def test_the_consultation_page_carries_the_note_panel_for_the_practitioner_only(
    role, cast, login, note
):
    html = (
        login(cast[role])
        .get(reverse("consultations:detail", args=[note.consultation_id]))
        .content.decode()
    )
    link = reverse("medical:note", args=[note.consultation_id])
    assert (link in html) is (role == "practitioner_p")
    assert "Stress au travail" not in html


@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
@pytest.mark.parametrize("who", ["practitioner_p", "employee_a"])
def test_a_barred_participant_gets_404_for_the_note_page(flag, who, cast, login, note):
    user = cast[who]
    setattr(user, flag, True)
    user.save(update_fields=[flag])
    client = login(user)
    url = reverse("medical:note", args=[note.consultation_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {**FORM, "plan": "Nouveau"}).status_code == 404
    assert not ClinicalNoteVersion.objects.exists()
    assert "Stress" not in client.get(url).content.decode()
