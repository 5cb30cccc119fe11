"""What a server process does once its application is loaded, before its first request."""

import gc

from django.urls import get_resolver


def settle() -> None:
    """Load every view (Django imports the URLconf on the first request otherwise), then
    move what is loaded out of the garbage collector's reach (gc.freeze): it lives as
    long as the process, and a full collection walks all of it (about 160,000 objects,
    tens of milliseconds) in the middle of some request. Collections still run, over
    what requests allocate."""
    get_resolver().url_patterns  # noqa: B018 (imports every view)
    gc.collect()
    gc.freeze()
