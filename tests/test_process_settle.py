"""A server process loads every view and freezes what it loaded before its first request
(huntzen/process.py): full garbage collections no longer walk the application."""

import gc

from huntzen.process import settle


def test_settle_loads_the_views_and_freezes_them():
    try:
        settle()
        assert gc.get_freeze_count() > 10_000
        frozen = gc.get_freeze_count()
        gc.collect()
        assert gc.get_freeze_count() == frozen  # collections leave them alone
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
