"""A loopback stand-in for the part of GitHub's REST API that publishing uses.

One repository; pull requests are kept in memory; every request is recorded so a test can
assert what was (or was not) called::

    with FakeGitHub(token="ghs_x") as gh:
        ...  # api_url=gh.url, repository=gh.repository
        assert gh.writes() == []
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 65536  # GitHub refuses a pull request body longer than this
NOT_PERMITTED = "GitHub Actions is not permitted to create or approve pull requests."


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    body: object
    headers: dict[str, str]


@dataclass
class FakeGitHub:
    """State of one repository plus switches for the failures GitHub is known for."""

    repository: str = "octo/models"
    token: str = "ghs_fake_token"
    default_branch: str = "main"
    server_url: str = "https://github.com"
    forbid_create: bool = False  # POST /pulls answers 403 NOT_PERMITTED
    refused_reviewers: frozenset[str] = frozenset({"ghost"})
    refused_labels: frozenset[str] = frozenset()
    stale_lists: int = 0  # this many pull listings answer [] (another run racing us)
    pulls: list[dict] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        """Listen on 127.0.0.1 on a free port, in a daemon thread."""
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval keeps shutdown() (and each test's teardown) quick.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API root to use as ``api_url``."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- for assertions -------------------------------------------------------------------

    def writes(self) -> list[Request]:
        """Every request that is not a GET."""
        return [r for r in self.requests if r.method != "GET"]

    def open_pulls(self) -> list[dict]:
        """The open pull requests."""
        return [p for p in self.pulls if p["state"] == "open"]

    def add_pull(self, head: str, base: str = "main", **fields) -> dict:
        """Seed a pull request, as if opened earlier."""
        with self._lock:
            return self._new_pull(head=head, base=base, **fields)

    # -- the API --------------------------------------------------------------------------

    def _new_pull(self, *, head, base, title="", body="", draft=False, state="open") -> dict:
        number = len(self.pulls) + 1
        owner = self.repository.split("/")[0]
        pull = {
            "number": number,
            "state": state,
            "title": title,
            "body": body,
            "draft": draft,
            "head": {"ref": head, "label": f"{owner}:{head}"},
            "base": {"ref": base},
            "html_url": f"{self.server_url}/{self.repository}/pull/{number}",
            "url": f"{self.url}/repos/{self.repository}/pulls/{number}",
            "labels": [],
            "requested_reviewers": [],
        }
        self.pulls.append(pull)
        return pull

    def _pull(self, number: int) -> dict | None:
        return next((p for p in self.pulls if p["number"] == number), None)

    def handle(self, method: str, path: str, query: dict, body) -> tuple[int, object]:
        """Answer one authenticated request: ``(status, json)``."""
        prefix = f"/repos/{self.repository}"
        if path == prefix and method == "GET":
            return 200, {
                "full_name": self.repository,
                "default_branch": self.default_branch,
                "html_url": f"{self.server_url}/{self.repository}",
            }
        if not path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}
        rest = path[len(prefix) :].strip("/").split("/")
        with self._lock:
            if rest == ["pulls"] and method == "GET":
                if self.stale_lists > 0:
                    self.stale_lists -= 1
                    return 200, []
                found = [
                    p
                    for p in self.pulls
                    if query.get("state", "open") in (p["state"], "all")
                    and ("head" not in query or p["head"]["label"] == query["head"])
                ]
                return 200, found
            if rest == ["pulls"] and method == "POST":
                return self._create(body)
            if len(rest) == 2 and rest[0] == "pulls" and rest[1].isdigit():
                pull = self._pull(int(rest[1]))
                if pull is None:
                    return 404, {"message": "Not Found"}
                if method == "GET":
                    return 200, pull
                if method == "PATCH":
                    if len(body.get("body") or "") > MAX_BODY:
                        return _invalid("body is too long (maximum is 65536 characters)")
                    for key in ("title", "body", "state", "base"):
                        if key in body:
                            pull[key] = body[key] if key != "base" else {"ref": body[key]}
                    return 200, pull
            if len(rest) == 3 and rest[1].isdigit() and method == "POST":
                pull = self._pull(int(rest[1]))
                if pull is None:
                    return 404, {"message": "Not Found"}
                if rest[0] == "issues" and rest[2] == "labels":
                    refused = [x for x in body.get("labels", []) if x in self.refused_labels]
                    if refused:
                        return _invalid(f"Label {refused[0]} is not allowed")
                    names = {x["name"] for x in pull["labels"]}
                    pull["labels"] += [{"name": x} for x in body["labels"] if x not in names]
                    return 200, pull["labels"]
                if rest[0] == "pulls" and rest[2] == "requested_reviewers":
                    wanted = body.get("reviewers", [])
                    refused = [x for x in wanted if x in self.refused_reviewers]
                    if refused:
                        return _invalid(
                            "Reviews may only be requested from collaborators. One or more of "
                            f"the users or teams you specified is not a collaborator: {refused[0]}"
                        )
                    pull["requested_reviewers"] += [{"login": x} for x in wanted]
                    return 201, pull
        return 404, {"message": "Not Found"}

    def _create(self, body: dict) -> tuple[int, object]:
        if self.forbid_create:
            return 403, {"message": NOT_PERMITTED}
        if not body.get("head") or not body.get("base") or not body.get("title"):
            return _invalid("head, base and title are required")
        if len(body.get("body") or "") > MAX_BODY:
            return _invalid("body is too long (maximum is 65536 characters)")
        owner = self.repository.split("/")[0]
        head = body["head"].split(":")[-1]
        if any(p["head"]["ref"] == head for p in self.open_pulls()):
            return _invalid(f"A pull request already exists for {owner}:{head}.")
        fields = {k: body[k] for k in ("title", "body", "draft") if k in body}
        return 201, self._new_pull(head=head, base=body["base"], **fields)


def _invalid(message: str) -> tuple[int, dict]:
    return 422, {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "code": "custom", "message": message}],
    }


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        fake = self.github
        with fake._lock:
            fake.requests.append(
                Request(self.command, parts.path, query, body, dict(self.headers.items()))
            )
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or token != fake.token:
            status, answer = 401, {"message": "Bad credentials"}
        elif not isinstance(body, (dict, type(None))):
            status, answer = 400, {"message": "Problems parsing JSON"}
        else:
            status, answer = fake.handle(self.command, parts.path, query, body or {})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve
