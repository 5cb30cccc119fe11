"""Django's `never_cache`, its two headers written at once.

Django's `add_never_cache_headers` parses and rebuilds `Cache-Control` twice (once for
max-age, once for the four directives) and writes `Expires`: about 0.12 M instructions
a response, 2 % of a page of the journal's API (bench/profiles/td). A view's response
has neither header yet almost always: this decorator then writes `Expires` as Django
does (`http_date` of now, its text kept for the rest of that second) and
`Cache-Control` as the text Django's function writes on such a response, taken from
Django's function itself once per process. A response that already has either header
goes through Django's function (tests/test_cache_headers.py holds both alike).
"""

import functools
import time

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers as django_add_never_cache_headers
from django.utils.http import http_date
from django.views.decorators.cache import never_cache as django_never_cache


@functools.cache
def _cache_control() -> str:
    """The `Cache-Control` Django's `add_never_cache_headers` writes on a response that
    had none."""
    response = HttpResponse()
    django_add_never_cache_headers(response)
    return response.headers["Cache-Control"]


def add_never_cache_headers(response) -> None:
    """Django's `add_never_cache_headers`, the same headers."""
    headers = response.headers
    if "Expires" in headers or "Cache-Control" in headers:
        django_add_never_cache_headers(response)
        return
    headers["Expires"] = _expires(time.time())
    headers["Cache-Control"] = _cache_control()


# The last second's `Expires` text: (the second, its text). One pair, replaced whole.
_last_second = (None, "")


def _expires(now: float) -> str:
    """`http_date(now)` (Django's), written once per second: the same text for every
    instant of a second but its last microsecond, which datetime may round up to the
    next one (then written each time)."""
    global _last_second
    second = int(now)
    if now - second >= 0.999999:
        return http_date(now)
    last, text = _last_second
    if last != second:
        text = http_date(now)
        _last_second = (second, text)
    return text


def never_cache(view_func):
    """Django's `never_cache` decorator (an async view keeps Django's own)."""
    if iscoroutinefunction(view_func):
        return django_never_cache(view_func)

    @functools.wraps(view_func)
    def _view_wrapper(request, *args, **kwargs):
        if not hasattr(request, "META"):  # as Django's decorator checks
            raise TypeError(
                "never_cache didn't receive an HttpRequest. If you are decorating a "
                "classmethod, be sure to use @method_decorator."
            )
        response = view_func(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return _view_wrapper
