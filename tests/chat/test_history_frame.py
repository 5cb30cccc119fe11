"""The history frame's size bound (chat.consumers.history_frame): a page that fits is
sent whole; a page over HISTORY_FRAME_BYTES loses its oldest messages, never the
newest, and says there is more."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chat.consumers import HISTORY_FRAME_BYTES, history_frame
from chat.services import MAX_BODY_CHARS, Message

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _page(bodies) -> list[Message]:
    return [
        Message(
            id=uuid.uuid4(),
            sender_id=uuid.uuid4(),
            body=body,
            created_at=START + timedelta(seconds=i),
            client_message_id=f"c{i}",
        )
        for i, body in enumerate(bodies)
    ]


@pytest.mark.parametrize("has_more", [True, False])
@pytest.mark.parametrize("before", [None, "7b0f3c36-5a55-4c5e-9d0e-8f1f2b1e0a11"])
def test_a_page_that_fits_is_sent_whole(has_more, before):
    page = _page(["bonjour", "ça va ? 🙂", 'guillemets " et \\ et \u0001', None])
    text = history_frame(page, has_more, before)
    assert json.loads(text) == {
        "type": "history",
        "before": before,
        "messages": [m.as_frame() for m in page],
        "hasMore": has_more,
    }
    # UTF-8 as is, compact: what every other frame of the socket looks like.
    assert "ça va ? 🙂" in text and ", " not in text.replace("ça va ? ", "")


def test_a_page_over_the_bound_keeps_its_newest_messages():
    # Control characters are escaped as \u0001: six bytes each, ~24 KB per message.
    page = _page([f"{i:02d}" + "\u0001" * (MAX_BODY_CHARS - 2) for i in range(50)])
    text = history_frame(page, False, None)
    frame = json.loads(text)
    assert len(text.encode("utf-8")) <= HISTORY_FRAME_BYTES
    kept = frame["messages"]
    assert 0 < len(kept) < 50 and frame["hasMore"] is True
    assert [m["id"] for m in kept] == [str(m.id) for m in page[-len(kept) :]]
    # As many as fit: one more would not.
    one_more = json.dumps(page[-len(kept) - 1].as_frame(), ensure_ascii=False)
    assert len(text.encode("utf-8")) + len(one_more.encode("utf-8")) > HISTORY_FRAME_BYTES - 200


def test_the_newest_message_is_sent_even_alone_over_the_bound(monkeypatch):
    import chat.consumers

    monkeypatch.setattr(chat.consumers, "HISTORY_FRAME_BYTES", 1000)
    page = _page(["a" * 900, "b" * 900])
    frame = json.loads(history_frame(page, False, None))
    assert [m["body"] for m in frame["messages"]] == ["b" * 900]
    assert frame["hasMore"] is True
