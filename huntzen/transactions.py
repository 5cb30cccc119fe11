"""A service's transaction without a savepoint where none can serve.

A service is `transaction.atomic`: called inside another atomic block, it makes a
savepoint (two statements), so that its caller may go on after its error. A request
handler that rolls back everything on any error of its service does not need one: it
opens its transaction with `whole_transaction()`, and a service decorated with `atomic`
called directly inside that block joins it (its error marks the whole block for
rollback). Everywhere else (a test's transaction, another service, a handler that keeps
a refusal's access-log row) the service keeps its savepoint.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction

_WHOLE: ContextVar = ContextVar("huntzen_whole_transaction", default=None)


@contextmanager
def whole_transaction():
    """`transaction.atomic()` whose services join it without a savepoint."""
    with transaction.atomic():
        token = _WHOLE.set(connection.atomic_blocks[-1])
        try:
            yield
        finally:
            _WHOLE.reset(token)


def atomic(service):
    """`transaction.atomic` for a service (see the module's docstring)."""
    with_savepoint = transaction.atomic(service)
    joined = transaction.atomic(savepoint=False)(service)

    @functools.wraps(service)
    def run(*args, **kwargs):
        whole = _WHOLE.get()
        if whole is not None and connection.atomic_blocks and connection.atomic_blocks[-1] is whole:
            return joined(*args, **kwargs)
        return with_savepoint(*args, **kwargs)

    return run


def lock_here() -> bool:
    """Whether a read may take its row lock now for a service to use next: inside a
    whole transaction (the lock then lasts until the request's commit)."""
    return _WHOLE.get() is not None


def mark_locked(instance) -> None:
    """`instance` was read FOR UPDATE in the whole transaction open now."""
    instance._huntzen_locked_in = _WHOLE.get()


def locked_here(instance) -> bool:
    """Whether `instance` was read FOR UPDATE in the whole transaction still open (each
    whole transaction is a new block: an instance of an earlier one never passes)."""
    whole = _WHOLE.get()
    return (
        whole is not None
        and getattr(instance, "_huntzen_locked_in", None) is whole
        and any(block is whole for block in connection.atomic_blocks)
    )
