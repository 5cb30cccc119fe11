"""HR's company figures, cached exactly.

A protected report (HR: metrics.selectors.company_report) and the HR dashboard's body
are functions of: the company's day rows (company/day, employee/day), its seats and
yearly allowance, the period and granularity asked for, the last day published (the
date it is read), the small-group threshold and the code and templates that compute
them; the page's body also of the language, the company's name and the reader's two
links (export, per-employee counters); the API's answer also of the media type it is
rendered for. Every one of them is in the key. The day rows
enter through their generation (metrics.models.CompanyGeneration), which the very
transaction that changes them increments and which is read with the company
(metrics.access.get_company_for): a committed change is a new key, and an answer under
a key never changes. So nothing here is stale, in Redis or in a process's own memory
while Redis is down (huntzen.cache), and no change has to reach Redis to take effect.
Entries expire after a day only to free the memory of old generations; each process
also keeps the last ones it used (`recent`), which is as exact.

Only HR's reports are kept: HuntZen staff's read the company's members as well
(distinct employees over the period) and are computed every time. What is kept is
aggregated figures, already cut by the small-group rule: what HR may read, nothing
about anyone in particular.
"""

import dataclasses
import hashlib
import threading
from collections import OrderedDict
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from metrics.small_groups import min_group_size

ENTRY_SECONDS = 24 * 3600
RECENT_ENTRIES = 128  # per process: reports and page bodies of a few kilobytes each
_NOT_READ = object()

# The code whose output is kept: a deploy that changes any of it starts new keys.
_CODE = ("selectors.py", "suppression.py", "small_groups.py", "periods.py", "serializers.py")
_PAGE_CODE = ("views.py", "charts.py")
_PAGE_TEMPLATES = (
    "metrics/_company_dashboard_body.html",
    "metrics/_period_form.html",
    "metrics/_bar_chart.html",
    "metrics/_bucket_table.html",
)


def generation_of(company):
    """The counters generation read with the company, or _NOT_READ (then no cache)."""
    return getattr(company, "counters_generation", _NOT_READ)


def report_key(*, company, period, granularity, until) -> str | None:
    generation = generation_of(company)
    if generation is _NOT_READ:
        return None
    parts = (
        _fingerprint(_CODE, ()),
        str(company.pk),
        generation,
        company.seats,
        company.yearly_allowance_per_employee,
        period.start.isoformat(),
        period.end.isoformat(),
        str(granularity),
        until.isoformat() if until else None,
        min_group_size(),
    )
    return "metrics:report:" + hashlib.sha256(repr(parts).encode()).hexdigest()


class _Recent:
    """The entries this process read or made last. An answer never changes under its key,
    so the process may keep it beside Redis: a hit then costs no round trip and nothing to
    unpickle. Bounded (least recently used first out) and shared by the threads."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key: str, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


recent = _Recent(RECENT_ENTRIES)


def _kept(key: str):
    value = recent.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            recent.put(key, value)
    return value


def _keep(key: str, value) -> None:
    recent.put(key, value)
    cache.set(key, value, timeout=ENTRY_SECONDS)


def cached_report(key: str | None, company, compute):
    """The report kept under `key`, else `compute()` (kept when `key`). The company is
    not kept with it: the caller's current row is put back."""
    if key is None:
        return compute()
    kept = _kept(key)
    if kept is not None:
        return dataclasses.replace(kept, company=company)
    report = compute()
    _keep(key, dataclasses.replace(report, company=None))
    return report


def page_body_key(report_key_: str | None, *, company, links: tuple[bool, ...]) -> str | None:
    if report_key_ is None:
        return None
    parts = (
        report_key_,
        _fingerprint(_PAGE_CODE, _PAGE_TEMPLATES),
        get_language(),
        company.name,
        links,
    )
    return "metrics:hr-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_body(key: str | None, render) -> str:
    """The rendered body kept under `key`, else `render()` (kept when `key`)."""
    if key is None:
        return render()
    body = _kept(key)
    if body is None:
        body = str(render())
        _keep(key, body)
    return mark_safe(body)  # noqa: S308 # nosec B308, B703 -- our own rendering, escaped when made


def api_body_key(report_key_: str | None, *, media_type: str) -> str | None:
    """The key of the report's API answer as rendered for `media_type` (an indent asked
    in it changes the bytes)."""
    if report_key_ is None:
        return None
    parts = (report_key_, get_language(), media_type)
    return "metrics:hr-api:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_content(key: str | None, render) -> bytes:
    """The rendered answer kept under `key`, else `render()` (kept when `key`)."""
    if key is None:
        return render()
    content = _kept(key)
    if content is None:
        content = render()
        _keep(key, content)
    return content


@once
def _fingerprint(modules: tuple[str, ...], templates: tuple[str, ...]) -> str:
    """A digest of metrics' `modules`, the `templates` and the translation catalogues,
    read once per process."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    paths = [here / name for name in modules]
    paths += [Path(get_template(name).origin.name) for name in templates]
    if templates:
        paths += sorted(
            mo for base in settings.LOCALE_PATHS for mo in Path(base).glob("*/LC_MESSAGES/*.mo")
        )
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
