"""huntzen.json_rows.paginated_response writes DRF's page-number envelope (count, next,
previous) itself: the same bytes as the renderer's text of DRF's own
`get_paginated_response` on every page, whatever the query holds; a view or paginator
with an envelope of its own keeps it."""

import pytest
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from huntzen import json_rows
from huntzen.api import Pagination

ROWS = ['{"n":1,"name":"Zoé \\"la\\""}', '{"n":2,"text":"line\u2028separator\u2029end"}']
DATA = [{"n": 1, "name": 'Zoé "la"'}, {"n": 2, "text": "line\u2028separator\u2029end"}]


class _View(GenericAPIView):
    pagination_class = Pagination


def _view(query: str, *, total: int, view_class=_View, pagination_class=Pagination):
    view = view_class()
    view.pagination_class = pagination_class
    request = Request(APIRequestFactory().get(f"/api/v1/things{query}"))
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = "application/json"
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    rows = [("x", total)] * 2 if total else []
    view.paginator._paginate(request, lambda offset, limit: rows)
    return view


def _drf_bytes(view) -> bytes:
    return JSONRenderer().render(view.get_paginated_response(DATA).data)


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ("", 2),
        ("", 0),
        ("?pageSize=2", 7),
        ("?pageSize=2&page=2", 7),
        ("?pageSize=2&page=4", 7),
        ("?page=2&pageSize=1&scope=past", 3),
        ("?scope=%C3%A9t%C3%A9&pageSize=1&q=%E2%80%A8&page=2", 3),
        ("?pageSize=1&page=2&a=%22quote%22%5C", 5),
    ],
)
def test_the_envelope_is_drfs_text(query, total):
    view = _view(query, total=total)
    assert json_rows.writes_plain_json(view)
    assert json_rows.paginated_response(view, ROWS).content == _drf_bytes(view)


class _OwnEnvelope(Pagination):
    def get_paginated_response(self, data):
        return Response({"total": self.page.paginator.count, "results": data})


class _OwnEnvelopeView(_View):
    def get_paginated_response(self, data):
        return Response({"own": True, "results": data})


@pytest.mark.parametrize(
    "kwargs", [{"pagination_class": _OwnEnvelope}, {"view_class": _OwnEnvelopeView}]
)
def test_an_envelope_of_its_own_is_kept(kwargs):
    view = _view("?pageSize=1", total=3, **kwargs)
    content = json_rows.paginated_response(view, ROWS).content
    assert content == _drf_bytes(view)
    assert b'"next"' not in content
