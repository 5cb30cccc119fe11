"""The portal pages of each role, in French and in English, written to OUT (one file
each, the per-response CSRF token and CSP nonce masked), to diff two trees' output:
    STATE=/tmp/sb-fc.json python bench/profiles/sb/pages.py OUT
Each page is fetched three times in one process (the first render fills the per-process
kept fragments, the next ones read them); the three must be equal."""
# ruff: noqa: E402

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())
state = json.load(open(os.environ["STATE"]))
os.environ.update(state["env"])
import django

django.setup()
from django.test import Client

from accounts.models import Role, User

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
hr = User.objects.get(pk=state["requests"]["hr_dashboard_page"][3][1]["id"])
employee = User.objects.get(pk=state["requests"]["journal_page"][3][1]["id"])
practitioner = User.objects.filter(role=Role.PRACTITIONER, is_active=True).order_by("email").first()
PAGES = {
    "hr": (hr, ["/metrics/company/", "/hr/", "/hr/company/", "/hr/employees/", "/my-data/"]),
    "employee": (
        employee,
        ["/journal/", "/journal/?page=2", "/employee/", "/consultations/", "/practitioners/"],
    ),
    "practitioner": (
        practitioner,
        ["/practitioner/", "/practitioner/agenda/", "/consultations/", "/clinical-notes/"],
    ),
    "anonymous": (None, ["/accounts/login/"]),
}
MASKS = [
    (re.compile(r'csrfmiddlewaretoken" value="[^"]*"'), 'csrfmiddlewaretoken" value="X"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce="X"'),
]
for role, (user, paths) in PAGES.items():
    for language in ("fr", "en"):
        client = Client(headers={"accept-language": language})
        client.cookies["django_language"] = language
        if user is not None:
            client.force_login(user)
        for path in paths:
            bodies = []
            for _ in range(3):
                response = client.get(path)
                body = response.content.decode()
                for pattern, mask in MASKS:
                    body = pattern.sub(mask, body)
                bodies.append(f"{response.status_code}\n{body}")
            assert bodies[0] == bodies[1] == bodies[2], (role, language, path)
            page = path.strip("/").replace("/", "_").replace("?", "_") or "home"
            name = f"{role}-{language}-{page}"
            (out / f"{name}.html").write_text(bodies[0])
            print(name, response.status_code, len(response.content))
