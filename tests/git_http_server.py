"""A loopback git smart-HTTP server: real ``git http-backend`` (CGI) over bare repositories.

It serves every bare repository under ``root`` below a URL prefix (``/`` by default, or e.g.
``/ghe/`` as GitHub Enterprise Server does), records each request's method, path and
``Authorization`` headers, and misbehaves on demand like GitHub's git servers now and then::

    with GitHTTPServer(root, prefix="/ghe/") as server:
        server.fail_pushes = 1  # the next receive-pack POST answers 502
        url = server.url + "octo/models.git"
        ...
        assert server.requests[-1].authorization == ["basic ..."]
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # with the query string
    authorization: list[str]


@dataclass
class GitHTTPServer:
    """``git http-backend`` for the bare repositories under ``root``, at ``url``."""

    root: Path
    prefix: str = "/"
    fail_pushes: int = 0  # this many receive-pack POSTs answer ``fail_status`` first
    fail_status: int = 502
    require_authorization: str | None = None  # else 401, as a private repository does
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.prefix = "/" + self.prefix.strip("/") + "/" if self.prefix.strip("/") else "/"
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT<prefix>``, ending with a slash."""
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> GitHTTPServer:
        """Listen on 127.0.0.1 on a free port, in a daemon thread."""
        owner = self

        class Handler(_Handler):
            server_state = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHTTPServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def take_failure(self) -> bool:
        """Whether this receive-pack POST is one of those told to fail."""
        with self._lock:
            if self.fail_pushes > 0:
                self.fail_pushes -= 1
                return True
            return False


class _Handler(BaseHTTPRequestHandler):
    server_state: GitHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()  # the blank line after the last chunk
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        state.requests.append(
            Request(self.command, self.path, self.headers.get_all("Authorization") or [])
        )
        body = self._body() if self.command == "POST" else b""
        if not parts.path.startswith(state.prefix):
            self._reply(404, b"not under this server's prefix\n")
            return
        wanted = state.require_authorization
        if wanted is not None and self.headers.get_all("Authorization") != [wanted]:
            self._reply(401, b"", {"WWW-Authenticate": 'Basic realm="GitHub"'})
            return
        if parts.path.endswith("/git-receive-pack") and state.take_failure():
            self._reply(state.fail_status, b"<html>Bad gateway</html>\n")
            return
        self._cgi(parts.path[len(state.prefix) - 1 :], parts.query, body)

    def _cgi(self, path_info: str, query: str, body: bytes) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server_state.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.server_state.root),
            # Pushes over HTTP need an authenticated user, or this: the test server allows them.
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.receivepack",
            "GIT_CONFIG_VALUE_0": "true",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
        }
        for header, variable in (
            ("Git-Protocol", "HTTP_GIT_PROTOCOL"),
            ("Content-Encoding", "HTTP_CONTENT_ENCODING"),
        ):
            if self.headers.get(header):
                env[variable] = self.headers[header]
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60
        )
        head, sep, payload = done.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, _, payload = done.stdout.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers[name.strip()] = value.strip()
        self._reply(status, payload, headers)
