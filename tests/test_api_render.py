"""huntzen.api.render: DRF's JSONRenderer's bytes for every body and media type, its
encoder built once for the common case (no indent asked)."""

import datetime
import decimal
import uuid
from types import SimpleNamespace

import pytest
from rest_framework.renderers import JSONRenderer

from huntzen.api import render

BODIES = [
    {"id": str(uuid.uuid4()), "name": "Zoé · café", "n": 3, "ok": True, "none": None},
    {"line": "a\u2028b\u2029c", "quote": '"\\', "emoji": "\U0001f600"},
    [1, 2.5, -0.0, 1e300, {"nested": [{"x": []}]}],
    {
        "uuid": uuid.UUID(int=7),
        "when": datetime.datetime(2026, 3, 29, 1, 30),
        "d": decimal.Decimal("1.10"),
    },
    {"day": datetime.date(2026, 1, 2), "t": datetime.time(8, 30), "gen": (i for i in range(2))},
    {},
    [],
    "text",
    0,
    None,
]


class CompactOff(JSONRenderer):
    compact = False


class Ascii(JSONRenderer):
    ensure_ascii = True


def _view(renderer, media_type, indent=None):
    request = SimpleNamespace(accepted_renderer=renderer, accepted_media_type=media_type)

    class View:
        def get_renderer_context(self):
            context = {"view": self, "args": (), "kwargs": {}, "request": request}
            if indent is not None:
                context["indent"] = indent
            return context

    view = View()
    view.request = request
    return view


def _body(body):
    # A generator is used up by one rendering: a fresh one for each.
    if isinstance(body, dict) and "gen" in body:
        return {**body, "gen": (i for i in range(2))}
    return body


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("renderer_class", [JSONRenderer, CompactOff, Ascii])
@pytest.mark.parametrize(
    "media_type", ["application/json", "application/json; indent=4", "application/json; indent=0"]
)
@pytest.mark.parametrize("indent", [None, 2])
def test_it_renders_the_bytes_drf_renders(body, renderer_class, media_type, indent):
    renderer = renderer_class()
    expected = renderer.render(
        _body(body), media_type, _view(renderer, media_type, indent).get_renderer_context()
    )
    assert render(_view(renderer, media_type, indent), _body(body)) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_it_refuses_what_drf_refuses(value):
    renderer = JSONRenderer()
    with pytest.raises(ValueError):
        renderer.render({"x": value}, "application/json", {})
    with pytest.raises(ValueError):
        render(_view(renderer, "application/json"), {"x": value})


def test_the_line_separators_are_escaped():
    assert render(_view(JSONRenderer(), "application/json"), ["\u2028"]) == b'["\\u2028"]'
