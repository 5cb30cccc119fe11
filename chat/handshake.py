"""What autobahn (daphne's websocket library) spends in daphne's event loop for nothing:
the arguments of debug log lines its logger drops.

- A handshake: autobahn pretty-prints the ~40 settings of every new connection
  (pprint.pformat) for a debug line: about a seventh of the event loop's CPU per chat
  connect (bench/profiles/h6-chat), and the event loop is what answers the handshakes
  of sockets opening together. Its module gets `repr` instead: the same content on
  one line.
- Every frame: each frame received (`dataReceived`) and each frame sent (`sendData`)
  builds a debug line's arguments before the logger drops it: the method's qualified
  name and two values, each styled for a terminal (autobahn.util's `hltype` and
  `hlval`: four calls of click.style per frame, half of autobahn's own CPU for a frame
  sent, bench/profiles/pf). Those modules get lazy versions: the same arguments, styled
  by autobahn's own functions only if a line is written.
"""

from autobahn import util


class _Styled:
    """autobahn's `style(*args)`, computed when a log line formats it."""

    __slots__ = ("style", "args")

    def __init__(self, style, args):
        self.style, self.args = style, args

    def __str__(self) -> str:
        return self.style(*self.args)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def lazy_type(obj) -> _Styled:
    return _Styled(util.hltype, (obj,))


def lazy_value(value, color="white", bold=True) -> _Styled:
    return _Styled(util.hlval, (value, color, bold))


def lighten_autobahn() -> None:
    from autobahn.twisted import websocket as twisted_websocket
    from autobahn.websocket import protocol

    protocol.pformat = repr
    for module in (protocol, twisted_websocket):
        module.hltype = lazy_type
        module.hlval = lazy_value
