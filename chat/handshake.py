"""A websocket handshake's cost in daphne's event loop, less what a library spends for
nothing.

autobahn (daphne's websocket library) pretty-prints the ~40 settings of every new
connection (pprint.pformat) for a debug log line, before its logger drops the line:
about a seventh of the event loop's CPU per chat connect (bench/profiles/h6-chat), and
the event loop is what answers the handshakes of sockets opening together. Its module
gets `repr` instead: the same content on one line, when autobahn's debug log is on.
"""


def lighten_autobahn() -> None:
    from autobahn.websocket import protocol

    protocol.pformat = repr
