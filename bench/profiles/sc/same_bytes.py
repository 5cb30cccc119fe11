"""The answers of the reads under work, fetched in-process from the tree in $PWD, for
every user of the database in $DATABASE_URL (each role), in French and English, and
with `; indent=4` for some: written to one JSON file, which another tree's run must
equal byte for byte (diff the two files).

    python same_bytes.py sign USERS.json      # once: a token per user (any tree)
    python same_bytes.py fetch USERS.json OUT.json
"""
# ruff: noqa: E402

import json
import os
import sys

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huntzen.settings")
import django

django.setup()
from django.test import Client


def sign(path):
    from accounts.models import User
    from bench.api import sign_in

    users = [
        {"role": user.role, "email": user.email, **sign_in(user)}
        for user in User.objects.order_by("email")
    ]
    from companies.models import Company

    companies = [str(pk) for pk in Company.objects.order_by("name").values_list("pk", flat=True)]
    with open(path, "w") as out:
        json.dump({"users": users, "companies": companies}, out)


MY = "/api/v1/consultations/my"
PATHS = [
    "/api/v1/auth/me",
    MY,
    f"{MY}?scope=upcoming",
    f"{MY}?scope=past",
    f"{MY}?scope=cancelled",
    f"{MY}?pageSize=3",
    f"{MY}?pageSize=3&page=2",
    f"{MY}?page=2&pageSize=5&scope=past",
    f"{MY}?page=999",
    f"{MY}?scope=nope",
    f"{MY}?pageSize=0",
    "/api/v1/medical/journal",
    "/api/v1/medical/journal?pageSize=2&page=2",
    "/api/v1/medical/journal?page=0",
]
COMPANY_QUERIES = [
    "?from=2025-12-01&to=2026-11-30",
    "?from=2026-01-01&to=2026-10-31&granularity=week",
    "?from=2026-01-01&to=2026-12-31&granularity=day",
    "?from=2026-11-01&to=2026-11-30&granularity=month",
    "?from=2026-02-01",
    "?from=2026-02-30&to=2026-03-31",
    "?from=2026-02-01&to=2026-03-31&granularity=year",
]


def fetch(users_path, out_path):
    state = json.load(open(users_path))
    paths = list(PATHS)
    for company in [*state["companies"], "00000000-0000-0000-0000-000000000000"]:
        paths += [f"/api/v1/metrics/companies/{company}{query}" for query in COMPANY_QUERIES]
    answers = {}
    client = Client()
    for user in state["users"]:
        for path in paths:
            for language in ("fr", "en"):
                for accept in ("application/json", "application/json; indent=4"):
                    if accept != "application/json" and language == "en":
                        continue
                    response = client.get(
                        path,
                        headers={
                            "Authorization": f"Bearer {user['token']}",
                            "Accept-Language": language,
                            "Accept": accept,
                        },
                    )
                    key = f"{user['email']} {language} {accept} {path}"
                    answers[key] = {
                        "status": response.status_code,
                        "type": response.get("Content-Type"),
                        "language": response.get("Content-Language"),
                        "vary": response.get("Vary"),
                        "body": response.content.decode(),
                    }
    staff = next(u for u in state["users"] if u["role"] in ("R1_PSG_SUPER", "R2_HUNTZEN_ADMIN"))
    for language in ("fr", "en"):
        response = client.get(
            "/api/schema/",
            headers={"Authorization": f"Bearer {staff['token']}", "Accept-Language": language},
        )
        answers[f"schema {language}"] = {
            "status": response.status_code,
            "body": response.content.decode(),
        }
    with open(out_path, "w") as out:
        json.dump(answers, out, indent=1, sort_keys=True, ensure_ascii=False)
    print(len(answers), "answers;", sum(a["status"] == 200 for a in answers.values()), "200s")


if __name__ == "__main__":
    {"sign": sign, "fetch": fetch}[sys.argv[1]](*sys.argv[2:])
