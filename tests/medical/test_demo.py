"""medical/demo.py: journal and notes through the real services, idempotent."""

from io import StringIO

import pytest

from accounts.models import Role
from accounts.services import user_create
from medical import demo, selectors
from medical.models import ClinicalNote, JournalEntry
from tests.consultations.factories import completed

from .conftest import past

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(acme):
    alice = user_create(email=demo.JOURNAL_OWNER, role=Role.EMPLOYEE, company=acme)
    psy1 = user_create(email=demo.NOTE_AUTHOR, role=Role.PRACTITIONER)
    return alice, psy1


def test_seed_writes_alices_journal_and_psy1s_notes_once(demo_people):
    alice, psy1 = demo_people
    for days in (20, 13, 6, 2):
        completed(alice, psy1, at=past(days=days))
    demo.seed(stdout=StringIO(), password="x")
    demo.seed(stdout=StringIO(), password="x")
    assert JournalEntry.objects.filter(owner=alice).count() == len(demo.JOURNAL)
    notes = ClinicalNote.objects.filter(author=psy1).select_related("consultation")
    assert notes.count() == demo.DEMO_NOTES
    assert all(n.consultation.status == "completed" for n in notes)
    first = min(notes, key=lambda n: n.consultation.scheduled_at)
    assert selectors.note_content(first).reason == demo.NOTES[0][0]


def test_seed_without_completed_consultations_writes_no_note(demo_people):
    out = StringIO()
    demo.seed(stdout=out, password="x")
    assert not ClinicalNote.objects.exists()
    assert JournalEntry.objects.count() == len(demo.JOURNAL)


def test_seed_without_the_demo_accounts_skips(db):
    out = StringIO()
    demo.seed(stdout=out, password="x")
    assert "skipped journal" in out.getvalue()
    assert not JournalEntry.objects.exists()
