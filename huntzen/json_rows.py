"""A page of a list written as JSON text row by row, answered with the bytes DRF's
JSONRenderer writes for the same page.

A page of fifty consultations spent 1.8 M instructions building its dicts and 2.5 M in
the renderer (json's C encoder walking them), together more than a third of the request
(bench/profiles/kb/SUMMARY.md). A row's JSON text written at once from its values, with
the encoder's own pieces (`string`: json's C function for a str, `int.__repr__` for an
int, the literals true, false and null) and its separators, is the same text for a
fraction of that. The page's envelope (count and links) is still DRF's.

Only for DRF's JSONRenderer with its compact, non-ASCII-escaping, strict settings and no
indentation (what every client but `Accept: application/json; indent=…` gets): the
callers keep their dict path for anything else. Tests hold both paths byte-equal.
"""

import json

from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer

from huntzen.api import render, rendered_response

# A str as json.dumps(ensure_ascii=False) writes it (the C encoder's function), quoted.
string = json.encoder.encode_basestring
# A bool or None as JSON writes it.
LITERALS = {True: "true", False: "false", None: "null"}


def string_or_null(value: str | None) -> str:
    return "null" if value is None else string(value)


def writes_plain_json(view) -> bool:
    """Whether `view`'s answer is DRF's JSONRenderer's compact text (the settings that
    `json_rows` writes), without indentation."""
    request = view.request
    renderer = request.accepted_renderer
    return (
        type(renderer) is JSONRenderer
        and request.accepted_media_type == renderer.media_type  # no `; indent=4`
        and renderer.compact
        and renderer.strict
        and not renderer.ensure_ascii
        and view.get_renderer_context().get("indent") is None
    )


def paginated_response(view, rows: list[str]):
    """The response of a paginated list view (after `paginate_*`) whose results are
    `rows`, each one result's JSON text: the bytes DRF's Response of
    `get_paginated_response([results…])` renders to (`writes_plain_json` must hold)."""
    if (
        getattr(type(view), "get_paginated_response", None) is GenericAPIView.get_paginated_response
        and type(paginator := view.paginator).get_paginated_response
        is PageNumberPagination.get_paginated_response
    ):
        # DRF's envelope of a page number pagination, written as its renderer writes it:
        # building its Response (only to read `data`) and rendering it was half of what
        # the envelope cost (tests/test_json_rows_envelope.py holds the bytes equal).
        head = (
            f'{{"count":{int(paginator.page.paginator.count)!r},'
            f'"next":{string_or_null(paginator.get_next_link())},'
            f'"previous":{string_or_null(paginator.get_previous_link())},'
            f'"results":['
        )
        head = head.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
    else:
        envelope = render(view, view.get_paginated_response([]).data)
        # `results` is the envelope's last key: its text ends with the empty list.
        if not envelope.endswith(b'"results":[]}'):
            raise ValueError("The page's envelope does not end with its results.")
        head = envelope[:-2]
    # What JSONRenderer does to its whole text (the envelope's links included).
    text = ",".join(rows).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return rendered_response(view.request, b"%b%b]}" % (head, text.encode()))
