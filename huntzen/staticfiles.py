"""The static files' storage in production: whitenoise's compressed manifest storage,
with each file's URL computed once per process."""

import threading

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

URLS_MAX = 1024  # the names templates ask for: a few dozen


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Each name's URL kept once computed: the manifest is read when the process starts
    and never changes while it runs, and every page's `{% static %}` computed the same
    four URLs again (a manifest lookup, URL parsing and quoting each time;
    bench/profiles/hd/). A name the manifest lacks still raises each time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def url(self, name, force=False):
        if force or settings.DEBUG:  # DEBUG: Django answers the unhashed name
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = super().url(name)
            with self._lock:
                if len(self._urls) < URLS_MAX:
                    self._urls[name] = url
        return url
