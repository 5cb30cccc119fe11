"""huntzen.origins: the site's exact origins (scheme, host, port)."""

from huntzen.origins import SiteOriginValidator, allowed_origins


def test_production_origins_are_the_site_and_the_trusted_ones(settings):
    settings.DEBUG = False
    settings.HUNTZEN_SITE_URL = "https://care.example.com"
    settings.CSRF_TRUSTED_ORIGINS = ["https://admin.example.com:8443"]
    settings.ALLOWED_HOSTS = ["care.example.com", "other.example.com"]
    assert allowed_origins() == {
        ("https", "care.example.com", 443),
        ("https", "admin.example.com", 8443),
    }


def test_debug_adds_the_allowed_hosts_on_the_site_port(settings):
    settings.DEBUG = True
    settings.HUNTZEN_SITE_URL = "http://127.0.0.1:8000"
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", ".example.com", "*"]
    assert allowed_origins() == {("http", "127.0.0.1", 8000), ("http", "localhost", 8000)}


def _scope(*headers):
    return {"type": "websocket", "headers": list(headers)}


def test_the_validator_compares_scheme_host_and_port(settings):
    validator = SiteOriginValidator(None, frozenset({("https", "care.example.com", 443)}))
    assert validator.allows(_scope((b"origin", b"https://care.example.com")))
    assert validator.allows(_scope((b"origin", b"https://care.example.com:443")))
    assert not validator.allows(_scope((b"origin", b"https://care.example.com:8443")))
    assert not validator.allows(_scope((b"origin", b"http://care.example.com")))
    assert not validator.allows(_scope((b"origin", b"https://evil.example")))
    assert not validator.allows(_scope((b"origin", b"https://x.care.example.com")))


def test_a_missing_origin_passes_only_without_a_cookie():
    validator = SiteOriginValidator(None, frozenset({("https", "care.example.com", 443)}))
    assert validator.allows(_scope())
    assert not validator.allows(_scope((b"cookie", b"sessionid=abc")))
