"""A server process loads every view and freezes what it loaded before its first request
(huntzen/process.py): full garbage collections no longer walk the application."""

import gc

from django.urls import get_resolver

from huntzen.process import settle


def _tracked(obj) -> bool:
    """Whether `obj` is in one of the collections' generations (not frozen)."""
    return any(candidate is obj for candidate in gc.get_objects())


def test_settle_loads_the_views_and_freezes_them():
    resolver = get_resolver()
    assert gc.is_tracked(resolver)
    try:
        settle()
        assert gc.get_freeze_count() > 10_000
        assert not _tracked(resolver)
        gc.collect()
        # Collections leave the frozen objects alone. (Their count may still drop: an
        # object whose last reference goes, in another thread say, is freed all the same.)
        assert not _tracked(resolver)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
    assert _tracked(resolver)
