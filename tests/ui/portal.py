"""Every portal page of each role, with data enough that each page shows its content:
the pages the crisis-help, phone-width and screenshot tests go through."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from huntzen.content.models import Article
from medical import services as medical_services
from tests.consultations.factories import book, completed


def portal_pages(*, employee, practitioner, hr, staff) -> dict[str, list[str]]:
    """Data for the four people, then their pages: role -> URLs (all answer 200); "room"
    lists the consultation room's pages, shared by the employee and the practitioner."""
    now = timezone.now()
    entry = medical_services.journal_entry_create(owner=employee, mood=4, text="Une bonne journée.")
    medical_services.journal_entry_create(
        owner=employee,
        mood=2,
        text="Fatiguée.",
        entry_date=timezone.localdate() - timedelta(days=6),
    )
    article = Article.objects.create(
        title="Bien dormir",
        slug="bien-dormir",
        summary="Trois habitudes simples.",
        body="## Le soir\n\nÉteindre les écrans une heure avant.",
        is_published=True,
        published_at=now - timedelta(days=1),
    )
    soon = book(
        employee, practitioner, at=(now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    )
    past = completed(
        employee,
        practitioner,
        at=(now - timedelta(days=3)).replace(minute=0, second=0, microsecond=0),
    )
    room = [
        reverse("consultations:detail", args=[soon.pk]),
        reverse("chat:page", args=[soon.pk]),
        reverse("consultations:room", args=[soon.pk]),
    ]
    return {
        "room": room,
        "employee": [
            reverse("accounts:employee_home"),
            reverse("consultations:my"),
            reverse("companies:practitioner_list"),
            reverse("companies:practitioner_detail", args=[practitioner.pk]),
            reverse("consultations:book", args=[practitioner.pk]),
            reverse("medical:journal"),
            reverse("medical:journal_new"),
            reverse("medical:journal_entry", args=[entry.pk]),
            reverse("medical:journal_edit", args=[entry.pk]),
            reverse("medical:journal_delete", args=[entry.pk]),
            reverse("medical:journal_delete_all"),
            reverse("privacy"),
            reverse("content:article_list"),
            reverse("content:article_detail", args=[article.slug]),
            reverse("mfa_index"),
            reverse("accounts:my_data"),
            reverse("accounts:account_erase"),
            reverse("consultations:detail", args=[past.pk]),
            *room,
        ],
        "practitioner": [
            reverse("accounts:practitioner_home"),
            reverse("consultations:my"),
            reverse("consultations:agenda"),
            reverse("consultations:availability"),
            reverse("metrics:my_practitioner"),
            reverse("medical:notes"),
            reverse("medical:note", args=[soon.pk]),
            reverse("medical:note", args=[past.pk]),
            reverse("companies:practitioner_profile"),
            reverse("mfa_index"),
            reverse("accounts:my_data"),
            *room,
        ],
        "hr": [
            reverse("accounts:hr_home"),
            reverse("accounts:invitation_list"),
            reverse("accounts:invitation_create"),
            reverse("accounts:invitation_import"),
            reverse("companies:hr_employee_list"),
            reverse("companies:hr_employee_deactivate", args=[employee.pk]),
            reverse("companies:hr_company"),
            reverse("companies:hr_company_edit"),
            reverse("metrics:my_company"),
            reverse("content:article_list"),
            reverse("mfa_index"),
            reverse("accounts:my_data"),
        ],
        "staff": [
            reverse("metrics:staff"),
            reverse("metrics:company", args=[employee.company_id]),
            reverse("metrics:company_employees", args=[employee.company_id]),
            reverse("metrics:practitioner", args=[practitioner.pk]),
            reverse("consultations:detail", args=[soon.pk]),
            reverse("mfa_index"),
            reverse("accounts:my_data"),
        ],
        "anonymous": [
            reverse("account_login"),
            reverse("account_reset_password"),
            reverse("account_signup"),
        ],
    }
