"""Django's database sessions, read with one plain statement.

Every signed-in request reads its session from PostgreSQL (the sessions are deliberately
not cached: huntzen/settings.py says why). Django builds that query through the ORM each
time, which costs about four times the statement itself (0.5 ms of CPU against 0.1 ms
here, bench/profiles/issue15-reads), and PostgreSQL used to parse and plan it each time
(now once per connection: it is prepared, and outside transactions run through libpq's
prepared statement without a cursor, huntzen/postgresql/base.py `text_row`).
The statement is the same as the ORM's — the session of this key whose expiry is still
ahead — and everything else (writes, flush, the session-ending rules of
accounts.session_end) is Django's own. Decoding a session string
already verified in this process skips its signature check (`_verified`).
"""

import zlib

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.core import signing
from django.core.signals import setting_changed
from django.db import connections, router
from django.utils import timezone

# The serialized content of session strings whose signature was verified, by their exact
# text. A client presents the same session on every request: its signature check and
# base64 (two thirds of reading it) give the same answer each time. Each read still
# deserializes its own dict; whether the session is live is still asked of PostgreSQL.
_verified: dict[str, bytes] = {}
_VERIFIED_MAX = 4096


def _forget_verified(*, setting, **kwargs):
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _verified.clear()


setting_changed.connect(_forget_verified, dispatch_uid="accounts.sessions.verified")


def _verified_content(session_data: str, salt: str) -> bytes:
    """Django's TimestampSigner.unsign_object up to the serializer: raises what it raises."""
    base64d = signing.TimestampSigner(salt=salt).unsign(session_data).encode()
    compressed = base64d[:1] == b"."
    data = signing.b64_decode(base64d[1:] if compressed else base64d)
    return zlib.decompress(data) if compressed else data


class SessionStore(DbSessionStore):
    def decode(self, session_data):
        content = _verified.get(session_data)
        if content is None:
            try:
                content = _verified_content(session_data, self.key_salt)
            except Exception:
                return super().decode(session_data)  # Django's answer ({}) and its log line
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[session_data] = content
        try:
            return self.serializer().loads(content)
        except Exception:
            return {}  # as Django's decode

    def load(self):
        """Django's `load`, the session's text decoded without a model instance around
        it (Django builds one per request only to read this column back)."""
        data = self._session_data_from_db()
        return {} if data is None else self.decode(data)

    def _get_session_from_db(self):
        data = self._session_data_from_db()
        if data is None:
            return None
        return self.model(session_key=self.session_key, session_data=data)

    def _session_data_from_db(self) -> str | None:
        """The text of this key's session whose expiry is still ahead, or None (then,
        as Django's `_get_session_from_db`, the key is dropped)."""
        model = self.model
        connection = connections[router.db_for_read(model)]
        sql = _session_sql(model, connection)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # On PostgreSQL, parsed and planned once per connection, run through libpq's
        # prepared statement where nothing watches the cursor (huntzen.postgresql).
        text_row = getattr(connection, "text_row", None)
        if text_row is not None:
            row = text_row(sql, [self.session_key, now])
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, [self.session_key, now])
                row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return row[0]


# The session statement per model and database vendor (its quoting), built once.
_session_sqls: dict[tuple, str] = {}


def _session_sql(model, connection) -> str:
    """The statement of the session of a key whose expiry is still ahead (names from the
    model, quoted; the values are parameters)."""
    key = (model, connection.vendor)
    sql = _session_sqls.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        meta = model._meta
        sql = _session_sqls[key] = (
            "SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s".format(  # noqa: S608  # nosec B608
                data=quote(meta.get_field("session_data").column),
                table=quote(meta.db_table),
                key=quote(meta.get_field("session_key").column),
                expiry=quote(meta.get_field("expire_date").column),
            )
        )
    return sql
