"""medical.selectors.note_editor: what the note editor shows, for whom, and its log."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from medical import selectors, services
from medical.models import AccessLogEntry

from .conftest import ROLES

pytestmark = pytest.mark.django_db


def test_before_the_note_is_written_the_editor_is_empty_and_reads_nothing(
    practitioner_p, consultation
):
    editor = selectors.note_editor(user=practitioner_p, consultation_id=consultation.pk)
    assert (editor.consultation, editor.note, editor.content, editor.versions) == (
        consultation,
        None,
        None,
        [],
    )
    assert editor.writable
    assert not AccessLogEntry.objects.exists()


def test_before_the_consultation_started_the_editor_is_not_writable(practitioner_p, scheduled):
    editor = selectors.note_editor(user=practitioner_p, consultation_id=scheduled.pk)
    assert not editor.writable


def test_the_editor_shows_the_note_and_its_versions_newest_first_in_one_read(practitioner_p, note):
    for plan in ("deux", "trois"):
        services.note_amend(author=practitioner_p, consultation=note.consultation_id, plan=plan)
    before = AccessLogEntry.objects.count()
    editor = selectors.note_editor(user=practitioner_p, consultation_id=note.consultation_id)
    assert editor.content.plan == "trois"
    assert [(v.number, v.content.plan) for v in editor.versions] == [
        (2, "deux"),
        (1, "Revoir dans quinze jours."),
    ]
    assert editor.writable
    (row,) = AccessLogEntry.objects.order_by("id")[before:]
    assert (row.user_id, row.action, row.allowed) == (practitioner_p.pk, "read", True)


@pytest.mark.parametrize("role", ROLES)
def test_the_editor_is_the_authors_only(role, cast, note):
    refusal = {"practitioner_p": None, "employee_a": PermissionDenied}.get(role, Http404)
    if refusal is None:
        assert selectors.note_editor(user=cast[role], consultation_id=note.consultation_id)
        return
    with pytest.raises(refusal):
        selectors.note_editor(user=cast[role], consultation_id=note.consultation_id)
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.user_id, row.action, row.allowed) == (cast[role].pk, "read", False)
