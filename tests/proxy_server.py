"""A loopback HTTP proxy, as self-hosted runners sit behind: for tests of HTTPS_PROXY/NO_PROXY.

It tunnels ``CONNECT host:port`` (how HTTPS goes through a proxy: the TLS is end to end, the
proxy sees only the target) and forwards absolute-URI requests (``GET http://host/path``: how
plain HTTP goes through one). Every request it proxied is recorded::

    with ProxyServer() as proxy:
        ...  # HTTPS_PROXY=proxy.url
        assert proxy.seen == [("CONNECT", "127.0.0.1:8443")]
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Headers about this hop only: not forwarded (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "upgrade"}
)


class ProxyServer:
    """A proxy on 127.0.0.1, in a daemon thread; ``seen`` lists ``(method, target)``."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()

    def start(self) -> ProxyServer:
        """Listen on a free port."""
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening and end the open tunnels."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The value for ``HTTPS_PROXY`` / ``HTTP_PROXY``."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _record(self, method: str, target: str) -> None:
        with self._lock:
            self.seen.append((method, target))


class _Handler(BaseHTTPRequestHandler):
    owner: ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_CONNECT(self) -> None:  # noqa: N802 (http.server's naming)
        self.owner._record("CONNECT", self.path)
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self.send_error(502, "cannot reach the target")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        self._relay(self.connection, upstream)

    def _relay(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until one side closes (or the proxy stops)."""
        sockets = [client, upstream]
        try:
            while not self.owner._stopping.is_set():
                readable, _, broken = select.select(sockets, [], sockets, 0.1)
                if broken:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()

    def _forward(self) -> None:
        """An absolute-URI request: send it on to its origin and relay the answer."""
        self.owner._record(self.command, self.path)
        target = urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            self.send_error(400, "absolute http:// URI expected")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
        except OSError:
            self.send_error(502, "cannot reach the target")
            return
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length", "transfer-encoding"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward
