"""gunicorn for HuntZen Care's HTTP (pages and API): sync workers, one per core.

Measured with bench/api.py (README, Performance): a sync Django view serves several
times more requests per process under a sync gunicorn worker than under daphne, and the
gthread worker gained nothing on CPU-bound requests. Websockets (/ws/) go to daphne.
"""

import multiprocessing
import os

bind = os.environ.get("HUNTZEN_WEB_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
# A sync worker serves one request at a time: the proxy holds the client connections.
backlog = 2048
timeout = 30
graceful_timeout = 30
# Recycle workers now and then (memory), not all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-" if os.environ.get("HUNTZEN_ACCESS_LOG") else None
wsgi_app = "huntzen.wsgi:application"
