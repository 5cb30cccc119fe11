"""The URLconf's patterns behind one resolver that remembers what each path resolved to.

Django resolves every request by walking the URLconf in order: each `path("",
include(...))` before the right one is entered, tried pattern by pattern and left with a
Resolver404 carrying the list of what was tried. A page near the end of the URLconf
(`/metrics/company/`) walked five apps' patterns, an API path three levels of includes:
0.1–0.3 M instructions per request (bench/profiles/la), for an answer that depends on the
path alone.

`CachedResolver` is `path("", include(patterns))` whose successful resolutions are kept by
path (at most `MAX_PATHS`, then forgotten all at once): each later request of that path
gets a copy of the same ResolverMatch (its mutable parts copied, so no request sees
another's changes). Resolver404s are not kept (any text can be asked). The resolution
is only kept where it depends on the path alone: patterns whose text is not translated
(no lazy route, no `i18n_patterns`) and converters that are Django's own (pure functions
of the text); otherwise every path is resolved as Django does.
"""

from django.urls import URLPattern, URLResolver, converters
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from django.utils.functional import Promise

MAX_PATHS = 4096

_DJANGO_CONVERTERS = (
    converters.IntConverter,
    converters.StringConverter,
    converters.UUIDConverter,
    converters.SlugConverter,
    converters.PathConverter,
)


def _path_alone(patterns) -> bool:
    """Whether resolving through `patterns` depends on the path alone (see the module)."""
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, LocalePrefixPattern):
            return False
        text = getattr(pattern, "_route", None) or getattr(pattern, "_regex", None)
        if isinstance(text, Promise):
            return False
        for converter in getattr(pattern, "converters", {}).values():
            if type(converter) not in _DJANGO_CONVERTERS:
                return False
        if isinstance(entry, URLResolver) and not _path_alone(entry.url_patterns):
            return False
        if not isinstance(entry, URLPattern | URLResolver):
            return False
    return True


def _copy(match):
    """A ResolverMatch equal to `match`, sharing none of its dicts or lists."""
    fresh = object.__new__(type(match))  # ResolverMatch refuses copy.copy (no pickling)
    fresh.__dict__.update(match.__dict__)
    fresh.args = tuple(match.args)
    fresh.kwargs = dict(match.kwargs)
    fresh.captured_kwargs = dict(match.captured_kwargs)
    fresh.extra_kwargs = dict(match.extra_kwargs)
    fresh.app_names = list(match.app_names)
    fresh.namespaces = list(match.namespaces)
    fresh.tried = None if match.tried is None else [list(entry) for entry in match.tried]
    return fresh


class CachedResolver(URLResolver):
    """`path("", include(patterns))`, each path's successful resolution kept."""

    def __init__(self, patterns):
        super().__init__(RoutePattern(""), patterns)
        self._matches = {}

    @property
    def _cacheable(self) -> bool:
        found = self.__dict__.get("_path_alone")
        if found is None:
            found = self.__dict__["_path_alone"] = _path_alone(self.url_patterns)
        return found

    def resolve(self, path):
        path = str(path)  # as Django's: path may be a reverse_lazy object
        match = self._matches.get(path)
        if match is None:
            match = super().resolve(path)  # a Resolver404 is raised, never kept
            if not self._cacheable:
                return match
            if len(self._matches) >= MAX_PATHS:
                self._matches.clear()
            self._matches[path] = match
        return _copy(match)
