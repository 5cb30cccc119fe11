"""metrics/demo.py: checks the counters and rebuilds them only when they differ."""

from datetime import timedelta
from io import StringIO

import pytest
from django.urls import reverse

from metrics import demo
from metrics.models import CompanyDay
from tests.consultations.factories import completed
from tests.metrics.helpers import paris, rollups

pytestmark = pytest.mark.django_db


def test_it_leaves_agreeing_counters_alone_and_repairs_others(employee_a, practitioner_p):
    completed(employee_a, practitioner_p, at=paris(2026, 3, 2, 9))
    expected = rollups()
    out = StringIO()
    demo.seed(stdout=out, password="x")
    assert "agree" in out.getvalue()
    CompanyDay.objects.all().delete()
    out = StringIO()
    demo.seed(stdout=out, password="x")
    assert "rebuilt" in out.getvalue()
    assert rollups() == expected


def test_the_whole_demo_gives_acme_hr_real_and_withheld_figures_and_one_sharer(settings, client):
    from django.core.management import call_command

    from accounts.models import Role, User
    from companies.models import Company
    from metrics.periods import Granularity, Period, published_until, today
    from metrics.selectors import company_report

    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    acme = Company.objects.get(name="Acme")
    assert User.objects.filter(company=acme, role=Role.EMPLOYEE).count() >= 8
    until = published_until(today())
    last_three = Period(until.replace(day=1) - timedelta(days=62), until)
    for granularity in (Granularity.MONTH, Granularity.WEEK):
        report = company_report(
            company=acme, period=last_three, granularity=granularity, protect=True
        )
        shown = [b for b in report.buckets if not b.hidden]
        assert len(shown) >= 2, granularity
    weeks = company_report(
        company=acme, period=last_three, granularity=Granularity.WEEK, protect=True
    )
    assert weeks.withheld_buckets >= 2
    client.force_login(User.objects.get(email="rh@acme.demo"))
    html = client.get(
        reverse("metrics:company_employees", args=[acme.pk]),
        {"from": until.strftime("%Y-%m"), "to": until.strftime("%Y-%m")},
    ).content.decode()
    assert "Bob Durand" in html and "Alice Martin" not in html
