"""The API keeps its contract: schemathesis against the live schema (`/api/schema/`),
as each of the four roles, with every check (tests/contract/schemathesis.toml).

Each role signs in through the API (a bearer token) and runs `st run` on the live
server, all four at once: any 5xx, status or content type the schema does not
document, body or header that does not match it, or request that breaks the schema
and is accepted fails the test with schemathesis's report (and a `curl` to replay).
The operations come from the schema itself, so endpoints added later are covered.

Each role also has a peer of the same role (another employee, practitioner, company's
HR) for the `object_level_authorization` check: what the user reads of their own is
read again as the peer, who must not get it.

To stay within a few minutes on two cores: an operation that refuses a role outright
(403 to a bare request: a staff-only list for an employee) is left out of that role's
run, and the coverage phase (boundaries, wrong types, missing and repeated
parameters, unexpected methods: most of the requests) and the `ignored_auth` check run
each operation once, as one of the roles it is open to, spread evenly; fuzzing and
stateful sequences run for every role on every operation open to it.

`HUNTZEN_CONTRACT_SEED` picks another seed for an exploratory run (default: fixed, so
CI is reproducible); `-m "not contract"` leaves the test out of a quick local run.
"""

import json
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.contract,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Each role's user, and a peer of the same role who must not see that user's objects
# (schemathesis's object_level_authorization check replays the user's reads as the
# peer). Staff see everything: no peer.
ROLES = {
    "employee": ("employee_a", "employee_b"),
    "practitioner": ("practitioner_p", "practitioner_q"),
    "hr": ("hr_acme", "hr_globex"),
    "staff": ("staff_r2", None),
}
SEEDED = ["employee_a", "employee_b", "employee_c", "practitioner_p", "practitioner_q"]
SEED = os.environ.get("HUNTZEN_CONTRACT_SEED", "20261130")
TIMEOUT = 600  # seconds for the four runs together: a hang, not a slow machine


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of refused requests would each log a warning; 5xx still log."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def unthrottled(monkeypatch):
    """The rate limits would answer most requests 429 (documented, but testing nothing)."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"api": "1000000/m", "booking": "1000000/m"}
    )


def _seed(employee_a, employee_b, employee_c, practitioner_p, practitioner_q):
    """Objects for the operations to find, the peers' too: booked consultations, journal
    entries, open slots. Schemathesis picks their ids up from the list answers."""
    from medical.services import journal_entry_create
    from tests.consultations.conftest import open_weekdays
    from tests.consultations.factories import book

    open_weekdays(practitioner_q)
    book(employee_a, practitioner_p)
    book(employee_b, practitioner_p, at=timezone.now() + timezone.timedelta(days=3))
    book(employee_c, practitioner_q, at=timezone.now() + timezone.timedelta(days=4))
    journal_entry_create(owner=employee_a, mood=4, text="Une bonne journée.")
    journal_entry_create(owner=employee_b, mood=2, text="Une journée difficile.")


def _operations() -> list[dict]:
    """Every operation of the live schema: id, method, path, whether it takes a body, and
    a weight (how many inputs the coverage phase varies)."""
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = []
    for path, items in schema["paths"].items():
        for method, operation in items.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            fields = 0
            if body:
                ref = body["schema"].get("$ref", "")
                component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
                fields = len(component.get("properties", {}))
            operations.append(
                {
                    "id": operation["operationId"],
                    "method": method,
                    "path": path,
                    "body": bool(body),
                    "weight": 1 + len(operation.get("parameters", [])) + fields,
                }
            )
    return operations


def _refuses_outright(operation: dict, token: str) -> bool:
    """A bare request (an unknown id, no query, an empty body) answered 403: the role may
    not use the operation at all. That answer must be the API's error body."""
    path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), operation["path"])
    response = Client().generic(
        operation["method"].upper(),
        path,
        "{}" if operation["body"] else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code < 500, (operation["id"], response.content)
    if response.status_code != 403:
        return False
    assert set(response.json()) >= {"code", "message"}, (operation["id"], response.content)
    return True


def _plan(operations: list[dict], tokens: dict) -> dict[str, dict]:
    """Per role: the operations left out, and those whose coverage phase another role runs."""
    open_to = {
        role: {op["id"] for op in operations if not _refuses_outright(op, token)}
        for role, token in tokens.items()
    }
    load = dict.fromkeys(tokens, 0)
    covers = {role: set() for role in tokens}
    for op in sorted(operations, key=lambda op: -op["weight"]):
        roles = [role for role in tokens if op["id"] in open_to[role]] or list(tokens)
        role = min(roles, key=lambda r: load[r])
        covers[role].add(op["id"])
        load[role] += op["weight"]
    every = {op["id"] for op in operations}
    return {
        role: {
            "excluded": sorted(every - open_to[role] - covers[role]),
            "no_coverage": sorted(open_to[role] - covers[role]),
        }
        for role in tokens
    }


def _access_token(user) -> str:
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def _config(role_plan: dict, tokens: dict[str, str], workdir: Path) -> Path:
    """The shared settings, the role's user and its peer (Web Fuzzing Commons auth with
    their bearer tokens), and the operations whose coverage phase and `ignored_auth`
    check (the same whoever asks) another role runs."""
    users = [
        {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
        for name, token in tokens.items()
    ]
    (workdir / "wfc.json").write_text(json.dumps({"auth": users}))
    lines = [
        CONFIG.read_text(),
        "[auth.wfc]",
        f"path = {json.dumps(str(workdir / 'wfc.json'))}",
        f"user = {json.dumps(next(iter(tokens)))}",
    ]
    if len(tokens) > 1:
        lines.append(f"peers = {json.dumps(list(tokens))}")
    if role_plan["no_coverage"]:
        lines += [
            "[[operations]]",
            f"include-operation-id = {json.dumps(role_plan['no_coverage'])}",
            "phases.coverage.enabled = false",
            "checks.ignored_auth.enabled = false",
        ]
    path = workdir / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(url: str, tokens: dict[str, str], role_plan: dict, workdir: Path) -> subprocess.Popen:
    workdir.mkdir()
    excluded = [arg for op_id in role_plan["excluded"] for arg in ("--exclude-operation-id", op_id)]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(_config(role_plan, tokens, workdir)),
            "--no-color",
            "run",
            f"{url}/api/schema/",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--seed",
            SEED,
            "--workers",
            "1",
            "--report",
            "ndjson",
            "--report-dir",
            str(workdir),
            *excluded,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=workdir,
    )


def test_every_operation_keeps_the_schema_for_every_role(
    request, live_server, unthrottled, tmp_path
):
    tokens = {
        role: {name: _access_token(request.getfixturevalue(name)) for name in names if name}
        for role, names in ROLES.items()
    }
    plan = _plan(_operations(), {role: next(iter(t.values())) for role, t in tokens.items()})
    _seed(*(request.getfixturevalue(name) for name in SEEDED))
    started = time.monotonic()
    runs = {
        role: _run(live_server.url, role_tokens, plan[role], tmp_path / role)
        for role, role_tokens in tokens.items()
    }
    reports = {}
    for role, run in runs.items():
        try:
            output, _ = run.communicate(timeout=max(1, TIMEOUT - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            run.kill()
            output, _ = run.communicate()
            output += f"\n(killed after {TIMEOUT} s)"
        reports[role] = (run.returncode, output)
        (tmp_path / role / "output.txt").write_text(output)
    elapsed = time.monotonic() - started
    failed = {role: output for role, (code, output) in reports.items() if code != 0}
    assert not failed, f"{elapsed:.0f} s; " + "\n\n".join(
        f"===== as {role} =====\n{output[-25000:]}" for role, output in failed.items()
    )
