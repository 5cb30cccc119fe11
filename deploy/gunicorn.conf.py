"""gunicorn for HuntZen Care's HTTP (pages and API): gthread workers, one per core,
four threads each.

Measured with bench/api.py (README, Performance, "Topology"): of daphne, gunicorn sync
and gunicorn gthread, two processes each, gthread costs the least server CPU per request
on every endpoint, and its threads overlap the waits on PostgreSQL and Redis that leave a
sync worker idle. Websockets (/ws/) go to daphne.
"""

import multiprocessing
import os

bind = os.environ.get("HUNTZEN_WEB_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("HUNTZEN_WEB_THREADS", 4))
# Each thread holds at most one database connection: keep DATABASE_POOL_MAX >= threads.
backlog = 2048
timeout = 30
graceful_timeout = 30
# Recycle workers now and then (memory), not all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-" if os.environ.get("HUNTZEN_ACCESS_LOG") else None
wsgi_app = "huntzen.wsgi:application"
