"""Where the chat's database work runs, and the handshake's sign-in lookup.

Channels runs database code on ONE thread by default (thread_sensitive), so that every
socket of a daphne process waited in one queue: the handshake's session and user
lookup (channels.auth) and each event's work. On PostgreSQL the connection pool holds
a connection per thread, so this work runs on the chat's own thread pool instead, in
parallel; SQLite has one writer anyway: there it stays on that one thread.

The sign-in lookup (session -> user, with the session hash check) is not done by a
middleware in a hop of its own any more: the consumer makes it in the same hop as its
join decision (`chat.consumers`), one thread-pool round trip per connect instead of two.
"""

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.db import close_old_connections, connections

# The chat's own threads: the event loop's default pool has cpu + 4 (6 here), too few
# for hundreds of sockets whose work mostly waits on PostgreSQL. Each holds a pooled
# connection only while it runs a call (CONN_MAX_AGE is 0 with the pool), so this
# stays under DATABASE_POOL_MAX (20) with room for the HTTP side.
DB_THREADS = 12
_executor = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="chat-db")
# The sockets' background re-checks (chat.consumers) on threads of their own: a burst of
# them never holds a message's thread, and at most this many run at once. Two more
# pooled connections at most (14 of DATABASE_POOL_MAX's 20).
BACKGROUND_DB_THREADS = 2
_background = ThreadPoolExecutor(
    max_workers=BACKGROUND_DB_THREADS, thread_name_prefix="chat-db-background"
)


def _in_thread(func, args, kwargs):
    """What database_sync_to_async does around a call, less the context copy: each
    thread keeps its own context, so Django's per-context cache client (one Redis
    connection pool each) lives as long as the thread, not one per socket."""
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


@functools.cache
def _on_postgresql() -> bool:
    """Whether the default database is PostgreSQL: the process's settings decide it
    once, where asking `connections` (a per-context lookup) on the loop cost every
    call of the chat's database work a few Python steps more."""
    return connections["default"].vendor == "postgresql"


def _off_the_loop(func, executor):
    @functools.wraps(func)
    def call(*args, **kwargs):
        """What to await for func's result: the executor's future itself (no coroutine
        of our own around it, a frame and its steps less per call on the loop)."""
        if _on_postgresql():
            loop = asyncio.get_running_loop()
            return loop.run_in_executor(executor, _in_thread, func, args, kwargs)
        return database_sync_to_async(func)(*args, **kwargs)

    return call


def db(func):
    """Run `func` off the event loop: on the chat's thread pool on PostgreSQL (see
    above), on Channels' one database thread otherwise."""
    return _off_the_loop(func, _executor)


def db_background(func):
    """`db` for work no frame waits for (the background re-checks): on its own
    BACKGROUND_DB_THREADS threads on PostgreSQL."""
    return _off_the_loop(func, _background)


def scope_user(scope):
    """The user the scope's session signs in (channels' own lookup: the session, the
    user through the authentication backend, the session hash check), or None."""
    user = get_user.func(scope)
    return user if user.is_authenticated else None


def ChatAuthMiddlewareStack(inner):  # noqa: N802 (named like channels' AuthMiddlewareStack)
    """The cookie and the (lazy) session in the scope; the consumer reads the user."""
    return CookieMiddleware(SessionMiddleware(inner))
