"""A real SMTP server on loopback for the outbox tests: it accepts, refuses every
message (451, "try again later"), refuses some recipients, or accepts connections and
never answers (silent), as a test switches it.
Django's SMTP backend talks to it over a socket: nothing is mocked."""

import socketserver
import threading
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        sink: SmtpSink = self.server.sink
        with sink.lock:
            sink.connections += 1
        if sink.silent:
            sink.released.wait(60)  # a server that accepts and never answers
            return
        self._reply("220 sink ESMTP")
        recipients = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("latin-1").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                if sink.refusing:
                    sink.refused += 1
                    self._reply("451 4.3.0 try again later")
                else:
                    self._reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>").lower()
                if address in sink.refused_recipients:
                    sink.refused += 1
                    self._reply("450 4.2.1 mailbox unavailable")
                else:
                    recipients.append(address)
                    self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 go ahead")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                with sink.lock:
                    sink.messages.append((recipients, message_from_bytes(b"".join(lines))))
                self._reply("250 OK queued")
            elif verb == "RSET":
                recipients = []
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self):
        self.messages: list = []
        self.refusing = False
        self.refused = 0
        self.refused_recipients: set[str] = set()
        self.silent = False
        self.released = threading.Event()
        self.connections = 0
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address.lower() in rcpts]
