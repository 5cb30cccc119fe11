"""The practitioner directory, cached: it is the same for every employee of every company
(nothing in it says who consults whom), so its rows are read once per generation and
filter combination, and every change that can alter it starts a new generation once
its transaction commits.

The generation is a random token kept in the cache without expiry (an evicted or
flushed token is simply a new generation, never an old one come back); the rows expire
after DIRECTORY_CACHE_SECONDS as well, which bounds what a write that skips the model
signals (queryset.update) or a Redis outage (per-process memory) could leave stale."""

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from companies.selectors import card_rows_of, practitioner_list

GENERATION_KEY = "directory:generation"
DIRECTORY_CACHE_SECONDS = 60


def generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(GENERATION_KEY)
    return token


def card_rows(
    *, specialty: str | None = None, language: str | None = None, profession: str | None = None
) -> list[tuple]:
    """Every directory row (`CARD_FIELDS`) for the filters, in the directory's order;
    two queries on a miss, none on a hit (the page is sliced from the list)."""
    key = f"directory:{generation()}:{specialty or ''}:{language or ''}:{profession or ''}"
    rows = cache.get(key)
    if rows is None:
        profiles = practitioner_list(specialty=specialty, language=language, profession=profession)
        rows = card_rows_of(profiles)
        cache.set(key, rows, timeout=DIRECTORY_CACHE_SECONDS)
    return rows


def directory_changed() -> None:
    """A new generation once the current transaction commits (none if it rolls back)."""
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None))


def _on_change(sender, raw=False, **kwargs):
    if not raw:
        directory_changed()


def _on_user(sender, instance, raw=False, update_fields=None, **kwargs):
    from accounts.models import Role

    # A practitioner's name or active flag is on their card; a sign-in's last_login is not.
    if raw or instance.role != Role.PRACTITIONER or update_fields == frozenset({"last_login"}):
        return
    directory_changed()


def connect_receivers() -> None:
    from accounts.models import User
    from companies.models import Language, PractitionerProfile, Specialty
    from consultations.models import Availability, AvailabilityException, WeeklyOpening

    uid = "companies.directory."
    for model in (
        PractitionerProfile,
        Specialty,
        Language,
        Availability,
        WeeklyOpening,
        AvailabilityException,
    ):
        name = model._meta.label_lower
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}{name}.save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}{name}.delete")
    for through in (PractitionerProfile.specialties.through, PractitionerProfile.languages.through):
        m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"{uid}{through.__name__}")
    post_save.connect(_on_user, sender=User, dispatch_uid=uid + "user.save")
    post_delete.connect(_on_user, sender=User, dispatch_uid=uid + "user.delete")
