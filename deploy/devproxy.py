"""`make serve`'s stand-in for nginx: one local port, /ws/ to daphne, the rest to gunicorn.

    python deploy/devproxy.py --listen 127.0.0.1:8000 --web 127.0.0.1:8001 --ws 127.0.0.1:8002

It routes each client connection by the path of its first request and then pipes bytes
both ways. Browsers open a separate connection for every websocket (never an upgrade on a
connection they used for pages), so the first request decides rightly. It adds
X-Forwarded-For to that first request only: for local use, never in production
(deploy/nginx.conf).
"""

import argparse
import asyncio
import contextlib


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _handle(client_reader, client_writer, *, web, ws) -> None:
    try:
        head = await client_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    request_line, _, rest = head.partition(b"\r\n")
    parts = request_line.split(b" ")
    path = parts[1] if len(parts) == 3 else b"/"
    host, port = ws if path.startswith(b"/ws/") else web
    peer = client_writer.get_extra_info("peername")
    forwarded = f"X-Forwarded-For: {peer[0] if peer else ''}\r\n".encode()
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.write(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        await client_writer.drain()
        client_writer.close()
        return
    upstream_writer.write(request_line + b"\r\n" + forwarded + rest)
    await asyncio.gather(
        _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer)
    )


async def _serve(listen, web, ws) -> None:
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, web=web, ws=ws), *listen, limit=256 * 1024
    )
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=_address, default="127.0.0.1:8000")
    parser.add_argument("--web", type=_address, default="127.0.0.1:8001")
    parser.add_argument("--ws", type=_address, default="127.0.0.1:8002")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.listen, args.web, args.ws))


if __name__ == "__main__":
    main()
