"""/privacy/: the employee's own page. Her consent switch, who accessed her data (by
role, never a name; refusals too; never her own rows nor anyone else's data), and where
her appointment emails go."""

import re
from datetime import timedelta
from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat import access as chat_access
from huntzen.dates import date_long
from medical import access, services
from metrics.consent import usage_sharing_of, usage_sharing_set
from tests.consultations.factories import completed
from tests.medical.log_helpers import chat_join, read_note
from tests.metrics.helpers import make_employees, paris

pytestmark = pytest.mark.django_db


NOT_EMPLOYEES = [
    "practitioner_p",
    "practitioner_q",
    "hr_acme",
    "hr_globex",
    "staff_r2",
    "operator_r1",
    "superuser",
]
NAMES = ("Paula", "Quentin", "psy.p@", "psy.q@", "rh@acme", "admin@huntzen", "Bob", "bob@")


def past(days=3, hour=10):
    return (timezone.now() - timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def page_of(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("privacy"), params)
    assert response.status_code == 200
    return response.content.decode()


def table_rows(html: str) -> list[list[str]]:
    body = re.search(r'<table class="disclosures">.*?<tbody>(.*?)</tbody>', html, re.S)
    if not body:
        return []
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        for tr in re.findall(r"<tr>(.*?)</tr>", body[1], re.S)
    ]


# --- Whose page ---------------------------------------------------------------------


def test_the_employee_reaches_her_page_from_the_navigation(client, employee_a):
    client.force_login(employee_a)
    home = client.get(reverse("accounts:employee_home")).content.decode()
    assert f'<a href="{reverse("privacy")}">Confidentialité</a>' in home


@pytest.mark.parametrize("role", NOT_EMPLOYEES)
def test_the_page_and_its_forms_are_refused_to_everyone_else(role, cast, client):
    client.force_login(cast[role])
    assert client.get(reverse("privacy")).status_code == 403
    assert client.post(reverse("privacy_sharing"), {"shared": "on"}).status_code == 403
    assert client.post(reverse("privacy_notifications"), {"address": "account"}).status_code == 403
    home = client.get("/").content.decode()
    assert reverse("privacy") not in home


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("privacy"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The consent switch ------------------------------------------------------------


def test_the_switch_is_off_by_default_and_says_so(client, employee_a):
    html = page_of(client, employee_a)
    assert "Vos compteurs ne sont pas partagés (réglage par défaut)." in html
    assert 'name="shared" value="on" aria-describedby="sharing-state">' in html  # unchecked


def test_switching_on_then_off_through_the_page(client, employee_a, time_machine):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 4, 2, 10, 15)), tick=False)
    client.force_login(employee_a)
    response = client.post(reverse("privacy_sharing"), {"shared": "on"}, follow=True)
    assert response.redirect_chain == [(reverse("privacy"), 302)]
    html = response.content.decode()
    assert "Vos compteurs sont maintenant visibles par vos RH." in html
    assert "partagés avec les RH de votre entreprise depuis le jeudi 2 avril 2026, 10:15" in html
    assert usage_sharing_of(employee=employee_a).shared
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 4, 2, 10, 25)), tick=False)
    html = client.post(reverse("privacy_sharing"), {}, follow=True).content.decode()
    assert "Vos compteurs ne sont plus visibles par vos RH." in html
    assert "ne sont plus partagés depuis le jeudi 2 avril 2026, 10:25" in html
    assert not usage_sharing_of(employee=employee_a).shared


def test_the_forms_need_the_csrf_token(employee_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee_a)
    assert client.post(reverse("privacy_sharing"), {"shared": "on"}).status_code == 403
    assert not usage_sharing_of(employee=employee_a).shared


def test_the_forms_answer_post_only(client, employee_a):
    client.force_login(employee_a)
    assert client.get(reverse("privacy_sharing")).status_code == 405
    assert client.get(reverse("privacy_notifications")).status_code == 405


# --- Who accessed my data ----------------------------------------------------------


def test_without_accesses_the_page_says_nobody_else_did(client, employee_a, practitioner_p):
    consultation = completed(employee_a, practitioner_p, at=past())
    chat_join(employee_a, consultation)  # her own reads are not disclosures
    services.journal_entry_create(owner=employee_a, mood=3, text="Rien.")
    access.require_journal(employee_a, action="read")
    usage_sharing_set(employee=employee_a, shared=True)
    html = page_of(client, employee_a)
    assert "Personne d'autre que vous n'a consulté vos données." in html
    assert table_rows(html) == []


@pytest.fixture
def accesses(employee_a, employee_b, practitioner_p, practitioner_q, hr_acme, staff_r2, client):
    """Her practitioner chats and writes then reads the note; HR, another practitioner and
    an anonymous socket are refused; staff open the consultation in the admin. Meanwhile
    employee B's own consultation is read by her practitioner (never on A's page)."""
    consultation = completed(employee_a, practitioner_p, at=past())
    other = completed(employee_b, practitioner_p, at=past(hour=12))
    chat_join(practitioner_p, consultation)
    note = services.note_create(
        author=practitioner_p, consultation=consultation, reason="r", observations="o", plan="p"
    )
    read_note(practitioner_p, note)
    read_note(hr_acme, note)
    chat_join(practitioner_q, consultation)
    chat_access.refuse_unauthenticated(consultation.pk)
    chat_join(practitioner_p, other)
    admin = Client()
    admin.force_login(staff_r2)
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    assert admin.get(url).status_code == 200
    return consultation


def test_every_access_by_someone_else_is_listed_newest_first_by_role(client, employee_a, accesses):
    on = f"de votre consultation du {date_long(timezone.localtime(accesses.scheduled_at))}"
    rows = table_rows(page_of(client, employee_a))
    assert [(r[1], r[2], r[4]) for r in rows] == [
        ("L'équipe HuntZen", "Lecture", "autorisé"),
        ("Une personne non connectée", "Connexion au chat", "refusé"),
        ("Un(e) autre praticien(ne)", "Connexion au chat", "refusé"),
        ("Un service RH", "Lecture", "refusé"),
        ("Votre praticien(ne)", "Lecture", "autorisé"),
        ("Votre praticien(ne)", "Écriture", "autorisé"),
        ("Votre praticien(ne)", "Connexion au chat", "autorisé"),
    ]
    whats = [r[3] for r in rows]
    assert whats[0].startswith("Les informations de votre rendez-vous (qui, quand, statut) du ")
    assert whats[1].startswith("La messagerie " + on) and whats[2].startswith("La messagerie " + on)
    assert all(w.startswith("La note clinique " + on) for w in whats[3:6])
    assert whats[6].startswith("La messagerie " + on)


def test_no_name_and_nothing_of_other_employees_shows(client, employee_a, employee_b, accesses):
    html = page_of(client, employee_a)
    for name in NAMES:
        assert name not in html
    assert str(accesses.pk) not in html
    # B sees her own practitioner's access, and none of A's.
    rows_b = table_rows(page_of(client, employee_b))
    assert [r[1] for r in rows_b] == ["Votre praticien(ne)"]


def test_the_list_is_paged(client, employee_a, practitioner_p):
    consultation = completed(employee_a, practitioner_p, at=past())
    for _ in range(25):
        chat_join(practitioner_p, consultation)
    first = page_of(client, employee_a)
    assert len(table_rows(first)) == 20 and "Page 1 sur 2" in first
    assert len(table_rows(page_of(client, employee_a, page=2))) == 5


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_costs_the_same_for_3_or_30_accesses(
    client, employee_a, practitioner_p, count, django_assert_max_num_queries
):
    consultation = completed(employee_a, practitioner_p, at=past())
    for _ in range(count):
        chat_join(practitioner_p, consultation)
    client.force_login(employee_a)
    # 10, plus what HR sees: her company, and for the month and for its weeks, its days
    # and who consulted on undecided days.
    with django_assert_max_num_queries(15):
        assert client.get(reverse("privacy")).status_code == 200


# --- Where my notifications go -----------------------------------------------------


def add_address(user, email, *, verified):
    return EmailAddress.objects.create(user=user, email=email, primary=False, verified=verified)


def test_the_page_shows_where_emails_go_and_offers_verified_addresses_only(client, employee_a):
    add_address(employee_a, "alice.perso@example.org", verified=True)
    unverified = add_address(employee_a, "alice.old@example.org", verified=False)
    html = page_of(client, employee_a)
    assert "vont actuellement à <strong>alice@acme.test</strong>" in html
    assert f'value="{unverified.pk}" disabled>' in html
    assert reverse("account_email") in html


def test_choosing_a_verified_address_then_switching_back(client, employee_a):
    personal = add_address(employee_a, "alice.perso@example.org", verified=True)
    client.force_login(employee_a)
    html = client.post(
        reverse("privacy_notifications"), {"address": personal.pk}, follow=True
    ).content.decode()
    assert "iront désormais à alice.perso@example.org" in html
    assert "vont actuellement à <strong>alice.perso@example.org</strong>" in html
    html = client.post(
        reverse("privacy_notifications"), {"address": "account"}, follow=True
    ).content.decode()
    assert "vont actuellement à <strong>alice@acme.test</strong>" in html


@pytest.mark.parametrize("which", ["unverified", "someone_elses", "garbage"])
def test_an_address_that_is_not_hers_and_verified_is_refused(client, employee_a, employee_b, which):
    target = {
        "unverified": lambda: add_address(employee_a, "a.new@example.org", verified=False).pk,
        "someone_elses": lambda: add_address(employee_b, "b.perso@example.org", verified=True).pk,
        "garbage": lambda: "1 OR 1=1",
    }[which]()
    client.force_login(employee_a)
    html = client.post(
        reverse("privacy_notifications"), {"address": target}, follow=True
    ).content.decode()
    assert "Choisissez une de vos adresses vérifiées." in html
    assert "vont actuellement à <strong>alice@acme.test</strong>" in html


def test_the_page_reads_in_english_too(client, employee_a, accesses):
    client.force_login(employee_a)
    html = unescape(client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    for text in (
        "Privacy",
        "Sharing my counts with HR",
        "Your counts are not shared (the default).",
        "Who accessed my data",
        "Your practitioner",
        "HuntZen staff",
        "Where my appointment emails go",
    ):
        assert text in html, text
    assert "Qui a consulté" not in html


# --- What HR sees -------------------------------------------------------------------


def hr_view_rows(html: str) -> dict[str, str]:
    section = re.search(r'<section[^>]*id="hr-view".*?</section>', html, re.S)[0]
    return dict(
        re.findall(
            r'<tr data-bucket="([^"]+)">.*?<td data-figure="consultations"[^>]*>([^<]*)</td>',
            section,
            re.S,
        )
    )


@pytest.fixture
def spring(acme, employee_a, practitioner_p, practitioner_q, time_machine):
    """June 2026: in March, Alice and four colleagues consulted (a month shown); in April,
    Alice alone (withheld)."""
    time_machine.move_to(paris(2026, 6, 15, 12))
    for i, person in enumerate([employee_a, *make_employees(acme, 4)]):
        completed(person, practitioner_p if i % 2 else practitioner_q, at=paris(2026, 3, 3, 8 + i))
    completed(employee_a, practitioner_p, at=paris(2026, 4, 7, 9))


def test_she_sees_exactly_what_hr_reads_of_the_last_month_published(
    client, api_client, employee_a, hr_acme, acme, spring, time_machine
):
    time_machine.move_to(paris(2026, 4, 15, 12))  # March is the last month published
    mine = hr_view_rows(page_of(client, employee_a))
    api_client.force_authenticate(hr_acme)
    url = reverse("api-metrics-company", args=[acme.pk])
    theirs = {}
    for granularity in ("month", "week"):
        params = {"from": "2026-03-01", "to": "2026-03-31", "granularity": granularity}
        for bucket in api_client.get(url, params).json()["buckets"]:
            theirs[bucket["label"]] = str(bucket["consultations"]).replace("<", "&lt;")
    assert mine == theirs
    # March is shown; its weeks are not: week 10 held all five people, and is withheld
    # with the empty ones. W14 straddles into April, which is not over.
    assert mine == {"2026-03": "5"} | {f"2026-W{n:02d}": "&lt; 5" for n in range(9, 14)}


def test_it_says_whether_her_own_counts_are_shared(client, employee_a, spring):
    assert 'id="hr-view"' in page_of(client, employee_a)
    html = page_of(client, employee_a)
    assert "votre nom n'apparaît nulle part dans ce que voient les RH" in unescape(html)
    usage_sharing_set(employee=employee_a, shared=True)
    html = page_of(client, employee_a)
    assert "les RH voient aussi, sous votre nom, votre nombre de consultations" in html
