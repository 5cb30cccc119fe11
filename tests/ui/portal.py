"""Every portal page of each role, with data enough that each page shows its content:
the pages the crisis-help, phone-width and screenshot tests go through."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

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
    soon = book(
        employee, practitioner, at=(now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    )
    completed(
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
            reverse("privacy"),
            reverse("content:article_list"),
            reverse("mfa_index"),
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
            reverse("companies:practitioner_profile"),
            reverse("mfa_index"),
            *room,
        ],
        "hr": [
            reverse("accounts:hr_home"),
            reverse("accounts:invitation_list"),
            reverse("accounts:invitation_create"),
            reverse("accounts:invitation_import"),
            reverse("companies:hr_employee_list"),
            reverse("companies:hr_company"),
            reverse("companies:hr_company_edit"),
            reverse("metrics:my_company"),
            reverse("content:article_list"),
            reverse("mfa_index"),
        ],
        "staff": [
            reverse("metrics:staff"),
            reverse("metrics:company", args=[employee.company_id]),
            reverse("consultations:detail", args=[soon.pk]),
        ],
    }
