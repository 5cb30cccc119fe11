"""Django's database sessions, read with one plain statement.

Every signed-in request reads its session from PostgreSQL (the sessions are deliberately
not cached: huntzen/settings.py says why). Django builds that query through the ORM each
time, which costs about four times the statement itself (0.5 ms of CPU against 0.1 ms
here, bench/profiles/issue15-reads). The statement is the same as the ORM's — the session
of this key whose expiry is still ahead — and everything else (writes, flush, the
session-ending rules of accounts.session_end) is Django's own.
"""

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DbSessionStore):
    def _get_session_from_db(self):
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        quote = connection.ops.quote_name
        meta = model._meta
        # Names from the model, quoted; the values are parameters.
        sql = "SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s".format(  # noqa: S608  # nosec B608
            data=quote(meta.get_field("session_data").column),
            table=quote(meta.db_table),
            key=quote(meta.get_field("session_key").column),
            expiry=quote(meta.get_field("expire_date").column),
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
