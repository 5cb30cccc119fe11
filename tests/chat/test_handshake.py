"""chat.handshake: what daphne's event loop no longer spends per websocket connect."""


def test_autobahn_no_longer_pretty_prints_the_settings_of_every_connection():
    from autobahn.websocket import protocol

    import huntzen.asgi  # noqa: F401 (daphne's entry point applies it)

    assert protocol.pformat is repr
