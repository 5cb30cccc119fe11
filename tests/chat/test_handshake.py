"""chat.handshake: what daphne's event loop no longer spends per websocket connect."""


def test_autobahn_no_longer_pretty_prints_the_settings_of_every_connection():
    from autobahn.websocket import protocol

    import huntzen.asgi  # noqa: F401 (daphne's entry point applies it)

    assert protocol.pformat is repr


def test_autobahn_no_longer_styles_the_arguments_of_its_per_frame_debug_lines():
    """Each frame received or sent styled three arguments with click.style for a debug
    line its logger drops: now only a line written is styled."""
    from unittest import mock

    from autobahn.twisted import websocket as twisted_websocket
    from autobahn.websocket import protocol

    import huntzen.asgi  # noqa: F401 (daphne's entry point applies it)

    for module in (protocol, twisted_websocket):
        with mock.patch("click.style", side_effect=AssertionError("styled")):
            module.hltype(protocol.WebSocketProtocol.sendData)
            module.hlval(42)


def test_a_debug_line_says_what_autobahn_wrote():
    from autobahn.util import hltype, hlval
    from autobahn.websocket.protocol import WebSocketProtocol

    from chat.handshake import lazy_type, lazy_value

    line = "{func} sent {n} bytes to {peer}"
    for obj in (WebSocketProtocol.sendData, WebSocketProtocol, object()):
        assert line.format(
            func=lazy_type(obj), n=lazy_value(7), peer=lazy_value("tcp:1", color="red")
        ) == line.format(func=hltype(obj), n=hlval(7), peer=hlval("tcp:1", color="red"))
