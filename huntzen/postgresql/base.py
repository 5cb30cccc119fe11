"""Django's PostgreSQL backend, with a pool that recovers from a restart at once (F4).

Django's pool checks each connection as it leaves the pool (CONN_HEALTH_CHECKS), but
psycopg_pool waits 1 s, then 2 s, ... between two failed checks of one request: after a
PostgreSQL restart, with every pooled connection stale, the first requests ran out of
their pool timeout on dead connections one at a time. Here the first failed check
sweeps the whole pool (`ConnectionPool.check`: each idle connection tested, the dead ones
replaced), so the request's next try gets a fresh connection.
"""

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def check_connection_and_sweep(conn) -> None:
    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        pool = getattr(conn, "_pool", None)  # the pool set it before calling the check
        if pool is not None:
            pool.check()
        raise


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == base.NO_DB_ALIAS or not pool_options:
            return None
        if self.alias not in self._connection_pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise base.ImproperlyConfigured("Pooling doesn't support persistent connections.")
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # Django sets it per connection later on
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,
                configure=self._configure_connection,
                check=check_connection_and_sweep,
                **(pool_options if isinstance(pool_options, dict) else {}),
            )
            self._connection_pools.setdefault(self.alias, pool)
        return self._connection_pools[self.alias]
