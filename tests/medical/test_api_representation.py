"""The journal entry's API shape is built by hand for speed
(`JournalEntrySerializer.to_representation`): it must stay exactly what DRF's generic
walk over the declared fields gives, for a readable and for an unreadable entry, in
both languages' time zones."""

from datetime import date

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from medical import selectors, services
from medical.models import JournalEntry
from medical.serializers import JournalEntrySerializer

pytestmark = pytest.mark.django_db


def _both(view):
    serializer = JournalEntrySerializer(view)
    generic = serializers.Serializer.to_representation(serializer, view)
    # The list's JSON text of the entry (huntzen.json_rows): the renderer's text of it.
    (text,) = JournalEntrySerializer.represent_many_json([view])
    assert text.encode() == JSONRenderer().render(serializer.data)
    return serializer.data, generic


def test_a_readable_entry(employee_a):
    entry = services.journal_entry_create(
        owner=employee_a, mood=4, text="Une journée calme.", entry_date=date(2026, 3, 29)
    )
    fast, generic = _both(selectors.entry_content(entry))
    assert fast == generic
    assert list(fast) == list(generic)  # same keys, same order
    assert fast["text"] == "Une journée calme." and fast["mood"] == 4


def test_an_unreadable_entry(employee_a):
    entry = services.journal_entry_create(owner=employee_a, mood=2, text="Abîmée.")
    JournalEntry.objects.filter(pk=entry.pk).update(text_sealed=entry.text_sealed[:-4] + "AAAA")
    entry.refresh_from_db()
    fast, generic = _both(selectors.entry_content(entry))
    assert fast == generic
    assert fast["unreadable"] is True and fast["text"] is None and fast["mood"] is None


def test_in_another_time_zone(employee_a):
    entry = services.journal_entry_create(owner=employee_a, mood=3, text="Ailleurs.")
    with timezone.override("America/New_York"):
        fast, generic = _both(selectors.entry_content(entry))
    assert fast == generic
    assert fast["createdAt"].endswith("-05:00") or fast["createdAt"].endswith("-04:00")


def test_a_page_is_a_list_of_the_same(employee_a):
    for mood in (1, 5):
        services.journal_entry_create(owner=employee_a, mood=mood, text=f"Humeur {mood}.")
    views = selectors.entries_content(JournalEntry.objects.filter(owner=employee_a))
    assert JournalEntrySerializer(views, many=True).data == [_both(v)[1] for v in views]
