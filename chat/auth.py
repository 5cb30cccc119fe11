"""Where the chat's database work runs, and the handshake's sign-in lookup.

Channels runs database code on ONE thread by default (thread_sensitive), so that every
socket of a daphne process waited in one queue: the handshake's session and user
lookup (channels.auth) and each event's work. On PostgreSQL the connection pool holds
a connection per thread, so this work runs on the thread pool instead, in parallel;
SQLite has one writer anyway: there it stays on that one thread.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import wraps

from channels.auth import AuthMiddleware, get_user
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.db import connections

# The chat's own threads: the event loop's default pool has cpu + 4 (6 here), too few
# for hundreds of sockets whose work mostly waits on PostgreSQL. Each holds a pooled
# connection only while it runs a call (CONN_MAX_AGE is 0 with the pool), so this
# stays under DATABASE_POOL_MAX (20) with room for the HTTP side.
DB_THREADS = 12
_executor = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="chat-db")


def db(func):
    """database_sync_to_async, on the chat's thread pool on PostgreSQL (see above)."""

    @wraps(func)
    async def call(*args, **kwargs):
        if connections["default"].vendor == "postgresql":
            run = database_sync_to_async(func, thread_sensitive=False, executor=_executor)
        else:
            run = database_sync_to_async(func)
        return await run(*args, **kwargs)

    return call


_get_user = db(get_user.func)  # channels' own lookup (session, hash check), undecorated


class ParallelAuthMiddleware(AuthMiddleware):
    """channels' AuthMiddleware, whose lookup runs through `db`: 400 sockets used to
    take 16 s to connect, each handshake waiting for the one thread."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await _get_user(scope)


def ChatAuthMiddlewareStack(inner):  # noqa: N802 (named like channels' AuthMiddlewareStack)
    return CookieMiddleware(SessionMiddleware(ParallelAuthMiddleware(inner)))
