"""Instructions of my consultations' rows as JSON alone: the bench user's first page (50
rows, read once) written N times between two calls of os.getppid (callgrind's dump 2,
see rows_json_count.sh). Arguments: N, and a file for the page's texts (to compare two
trees' output)."""

import gc
import json
import os
import sys
from pathlib import Path


def main():
    state = json.loads(Path("/tmp/pb-fc.json").read_text())
    os.environ.update(state["env"])
    import django

    django.setup()
    from django.utils import timezone

    from accounts.models import User
    from consultations.api import MY_CONSULTATIONS
    from consultations.serializers import ConsultationSerializer

    user_id = state["requests"]["my_consultations"][3][1]["id"]
    statement = MY_CONSULTATIONS["all"]
    rows = [row[:-1] for row in statement.rows(limit=50, user_id=user_id, now=timezone.now())]
    request = type("Request", (), {"user": User.objects.get(pk=user_id)})()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    texts = ConsultationSerializer.represent_rows_json(rows, request=request)
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text("\n".join(texts))
    gc.disable()
    os.getppid()
    for _ in range(n):
        ConsultationSerializer.represent_rows_json(rows, request=request)
    os.getppid()


if __name__ == "__main__":
    main()
