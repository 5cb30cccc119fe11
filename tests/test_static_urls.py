"""Static files' URLs computed once per process (huntzen.staticfiles): each is the URL
the manifest gives, a file the manifest lacks still raises, DEBUG still answers the
unhashed URL."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from huntzen.staticfiles import StaticFilesStorage

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "huntzen.staticfiles.StaticFilesStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """`collectstatic` as a deployment runs it (the tests' settings have DEBUG on and
    no manifest)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, DEBUG=False, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def storage(collected, settings):
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    return StaticFilesStorage(location=collected)


def _manifests_url(storage, name) -> str:
    return CompressedManifestStaticFilesStorage.url(storage, name)


def test_each_url_is_the_manifests(storage):
    names = ["css/app.css", "favicon.svg", "js/language.js", "metrics/metrics.css"]
    for name in [*names, "css/app.css?v=1#top"]:
        assert storage.url(name) == _manifests_url(storage, name)
        assert storage.url(name) == _manifests_url(storage, name)  # the kept one
    assert storage.url("css/app.css") != "/static/css/app.css"  # hashed
    assert set(storage._urls) >= set(names)


def test_a_file_the_manifest_lacks_still_raises(storage):
    for _ in range(2):
        with pytest.raises(ValueError):
            storage.url("css/no-such-file.css")
    assert "css/no-such-file.css" not in storage._urls


def test_with_debug_the_url_is_unhashed_and_not_kept(storage, settings):
    settings.DEBUG = True
    assert storage.url("css/app.css") == f"{settings.STATIC_URL}css/app.css"
    assert not storage._urls


def test_force_asks_the_manifest(storage):
    assert storage.url("css/app.css", force=True) == _manifests_url(storage, "css/app.css")
    assert not storage._urls
