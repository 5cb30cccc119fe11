"""metrics/demo.py: checks the counters and rebuilds them only when they differ."""

from io import StringIO

import pytest

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
