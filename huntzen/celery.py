"""The Celery application: `celery -A huntzen worker` and `celery -A huntzen beat`.

Its configuration is Django's settings under the `CELERY_` prefix (huntzen/settings.py):
Redis as the broker when REDIS_URL is set, tasks run in process after commit otherwise.
"""

import os
from pathlib import Path

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")

app = Celery("huntzen")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Scheduler(PersistentScheduler):
    """Celery's file-backed schedule, in var/ by default (CELERY_BEAT_SCHEDULE_FILENAME):
    the directory is made on first start."""

    def setup_schedule(self):
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
