"""In-process A/B of my consultations' representation: main's
`ConsultationSerializer.represent_rows` (from an unpacked `git archive main` in
/tmp/ic-main) against this tree's, on one page of 50 real rows, alternating; the same
JSON checked, the median µs of each printed.

    .venv/bin/python bench/profiles/ic/represent_rows_ab.py"""

import json
import os
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
state = json.loads(Path("/tmp/ic-fc.json").read_text())
os.environ.update(state["env"])

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from consultations import serializers as new  # noqa: E402
from consultations.api import MY_CONSULTATIONS  # noqa: E402
from consultations.models import Consultation  # noqa: E402

old = types.ModuleType("main_serializers")
source = Path("/tmp/ic-main/consultations/serializers.py").read_text()
exec(compile(source, "main_serializers", "exec"), old.__dict__)  # noqa: S102 # nosec B102

employee = Consultation.objects.values_list("employee_id", flat=True).first()
rows = [row[:-1] for row in MY_CONSULTATIONS["all"].rows(limit=50, offset=0, user_id=employee)]
translation.activate("fr")
spent = {"main": [], "branch": []}
for _ in range(400):
    for name, module in (("main", old), ("branch", new)):
        started = time.process_time()
        module.ConsultationSerializer.represent_rows(rows)
        spent[name].append(time.process_time() - started)
assert json.dumps(old.ConsultationSerializer.represent_rows(rows)) == json.dumps(
    new.ConsultationSerializer.represent_rows(rows)
)
print(len(rows), "rows:", {k: round(statistics.median(v) * 1e6, 1) for k, v in spent.items()}, "µs")
