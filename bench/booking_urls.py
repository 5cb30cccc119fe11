"""Bench only: every real URL, plus /bench/hello (a sync JSON view, like the API's)."""

from django.http import JsonResponse
from django.urls import path

from huntzen.urls import handler403, handler404  # noqa: F401
from huntzen.urls import urlpatterns as real_urlpatterns


def hello(request):
    return JsonResponse({"hello": "world"})


urlpatterns = [path("bench/hello", hello), *real_urlpatterns]
