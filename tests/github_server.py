"""A loopback stand-in for the part of GitHub's REST and GraphQL APIs that publishing uses.

One repository; pull requests are kept in memory; every request is recorded so a test can
assert what was (or was not) called::

    with FakeGitHub(token="ghs_x") as gh:
        ...  # api_url=gh.url, graphql_url=gh.graphql_url, repository=gh.repository
        assert gh.writes() == []

It fails the way GitHub does now and then, on demand: :meth:`FakeGitHub.inject` queues faults
(5xx, a reset connection, primary and secondary rate limits, "created, then 502") for the
requests whose method and path match. ``api_prefix="/api/v3"`` and
``graphql_path="/api/graphql"`` serve it where GitHub Enterprise Server does. With
``git_dir`` (a bare repository, e.g. the tests' origin) the git data API (blobs, trees,
commits, refs) works on that real repository; the commits it makes are "verified" as GitHub's
own signed commits are. ``ssl_context`` serves HTTPS.

Auto-merge through GraphQL, as GitHub answers it (docs/risk.md): ``enablePullRequestAutoMerge``
and ``disablePullRequestAutoMerge`` mutations and the ``node(id:)`` query of a pull request's
``autoMergeRequest``, with the inputs passed as variables named after their fields
(``pullRequestId``, ``mergeMethod``, ``expectedHeadOid``; ``id`` for ``node``). Mutations are
recorded in :attr:`FakeGitHub.auto_merge_mutations`; ``auto_merge_allowed=False`` answers
"Auto merge is not allowed for this repository", ``mergeable_now=True`` "... is in clean
status", ``auto_merge_forbidden=True`` "Resource not accessible by integration".
:meth:`FakeGitHub.close_pull` closes a pull request as a person does, merged or not.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

MAX_BODY = 65536  # GitHub refuses a pull request body longer than this
NOT_PERMITTED = "GitHub Actions is not permitted to create or approve pull requests."
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:1111."
)
PRIMARY_RATE_LIMIT = "API rate limit exceeded for installation ID 1234."
AUTO_MERGE_NOT_ALLOWED = "Auto merge is not allowed for this repository"
CLEAN_STATUS = "Pull request Pull request is in clean status"
PULL_CLOSED = "Pull request Pull request is closed"
RESOURCE_NOT_ACCESSIBLE = "Resource not accessible by integration"
# GitHub's identity on the commits its API makes when the request names no author.
API_AUTHOR = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
API_COMMITTER = ("GitHub", "noreply@github.com")
ZERO_SHA = "0" * 40


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    body: object
    headers: dict[str, str]


@dataclass
class Fault:
    """One injected failure: an answer GitHub gives now and then instead of the real one.

    ``reset``: the connection is closed (reset) after the request is read, with no answer.
    ``after``: the request is carried out first, then ``status`` is answered anyway (GitHub
    created the pull request, the proxy in front of it answered 502).
    """

    status: int = 502
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    after: bool = False
    stall: float = 0.0  # seconds before answering (a slow GitHub: the client times out)


def server_error(status: int = 502) -> Fault:
    """A 5xx as GitHub's front end answers it (HTML-ish text, not JSON)."""
    return Fault(status, {"message": "Server Error"})


def connection_reset() -> Fault:
    """The connection is reset once the request has been read."""
    return Fault(reset=True)


def created_then(status: int = 502) -> Fault:
    """The request takes effect, then the answer is lost behind a ``status``."""
    return Fault(status, {"message": "Bad Gateway"}, after=True)


def secondary_rate_limit(retry_after: int | None = 1, status: int = 403) -> Fault:
    """GitHub's secondary rate limit: 403 (or 429), its message, maybe ``Retry-After``."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return Fault(status, {"message": SECONDARY_RATE_LIMIT}, headers)


def too_many_requests(retry_after: int = 1) -> Fault:
    """A 429 with ``Retry-After``."""
    return Fault(429, {"message": "Too Many Requests"}, {"Retry-After": str(retry_after)})


def primary_rate_limit(reset_at: int, status: int = 403) -> Fault:
    """The hourly quota used up: ``x-ratelimit-remaining: 0`` until ``reset_at`` (epoch)."""
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(reset_at),
        "x-ratelimit-resource": "core",
    }
    return Fault(status, {"message": PRIMARY_RATE_LIMIT}, headers)


def graphql_rate_limited(reset_at: int) -> Fault:
    """GraphQL's rate limit: HTTP 200 whose ``errors`` carry ``type: RATE_LIMITED``."""
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_at)}
    body = {
        "data": None,
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}],
    }
    return Fault(200, body, {**headers, "x-ratelimit-resource": "graphql"})


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
    api_prefix: str = ""  # "/api/v3" on GitHub Enterprise Server
    graphql_path: str = "/graphql"  # "/api/graphql" on GitHub Enterprise Server
    git_dir: Path | None = None  # a bare repository behind the git data API
    signing: bool = True  # False: API commits come back unsigned (GHES without a signing key)
    ssl_context: ssl.SSLContext | None = None  # serve HTTPS with this server context
    pulls: list[dict] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    # GraphQL operation name -> function(variables) -> the answer's "data"
    graphql_resolvers: dict[str, Callable[[dict], object]] = field(default_factory=dict)
    verified_commits: set[str] = field(default_factory=set)  # commits made (and signed) by the API
    auto_merge_allowed: bool = True  # the repository setting "Allow auto-merge"
    mergeable_now: bool = False  # no required check pending: enabling auto-merge is refused
    auto_merge_forbidden: bool = False  # a token without contents: write
    # (mutation name, variables) of every auto-merge mutation received
    auto_merge_mutations: list[tuple[str, dict]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._faults: list[tuple[str, re.Pattern, list[Fault]]] = []

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        """Listen on 127.0.0.1 on a free port, in a daemon thread."""
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.ssl_context is not None:
            # The handshake happens in the handler's thread, not in the accepting loop.
            self._server.socket = self.ssl_context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
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
    def root(self) -> str:
        """``scheme://host:port`` of the server."""
        assert self._server is not None, "start() first"
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The API root to use as ``api_url`` (``GITHUB_API_URL``)."""
        return self.root + self.api_prefix

    @property
    def graphql_url(self) -> str:
        """The GraphQL endpoint (``GITHUB_GRAPHQL_URL``)."""
        return self.root + self.graphql_path

    # -- faults ---------------------------------------------------------------------------

    def inject(self, method: str, pattern: str, *faults: Fault) -> None:
        """Answer the next requests matching ``method`` and ``pattern`` with ``faults``, in order.

        ``pattern`` is searched (``re.search``) in the path below the API root, e.g.
        ``r"/pulls$"``; ``"graphql"`` matches the GraphQL endpoint. Each fault is used once;
        then the real answer comes back.
        """
        with self._lock:
            self._faults.append((method.upper(), re.compile(pattern), list(faults)))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for wanted, pattern, queue in self._faults:
                if queue and wanted == method and pattern.search(path):
                    return queue.pop(0)
        return None

    def pending_faults(self) -> int:
        """How many injected faults have not been used yet."""
        with self._lock:
            return sum(len(queue) for _m, _p, queue in self._faults)

    # -- for assertions -------------------------------------------------------------------

    def writes(self) -> list[Request]:
        """Every request that is not a GET."""
        return [r for r in self.requests if r.method != "GET"]

    def open_pulls(self) -> list[dict]:
        """The open pull requests."""
        return [p for p in self.pulls if p["state"] == "open"]

    def add_pull(self, head: str, base: str = "main", **fields) -> dict:
        """Seed a pull request, as if opened earlier (``head_repo``: from a fork)."""
        with self._lock:
            return self._new_pull(head=head, base=base, **fields)

    def close_pull(self, number: int, *, merged: bool, closed_at: str | None = None) -> dict:
        """Close a pull request as a person does: merged, or closed without merging."""
        with self._lock:
            pull = self._pull(number)
            assert pull is not None, f"no pull request {number}"
            when = closed_at or _now()
            pull.update(state="closed", closed_at=when, merged_at=when if merged else None)
            pull["auto_merge"] = None
            return pull

    # -- the API --------------------------------------------------------------------------

    def _new_pull(
        self, *, head, base, title="", body="", draft=False, state="open", head_repo=None
    ) -> dict:
        number = len(self.pulls) + 1
        head_repo = head_repo or self.repository
        owner = head_repo.split("/")[0]
        pull = {
            "number": number,
            "node_id": f"PR_kwDOfake{number:04d}",
            "state": state,
            "title": title,
            "body": body,
            "draft": draft,
            "head": {"ref": head, "label": f"{owner}:{head}", "repo": {"full_name": head_repo}},
            "base": {"ref": base},
            "auto_merge": None,
            "closed_at": None,
            "merged_at": None,
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
        """Answer one authenticated request below the API root: ``(status, json)``."""
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
        if rest[0] == "git" and self.git_dir is not None:
            return self._git_data(method, rest[1:], body)
        with self._lock:
            if rest == ["pulls"] and method == "GET":
                if self.stale_lists > 0:
                    self.stale_lists -= 1
                    return 200, []
                # GitHub ignores a head filter without its "owner:" part.
                head = query.get("head", "")
                found = [
                    p
                    for p in self.pulls
                    if query.get("state", "open") in (p["state"], "all")
                    and (":" not in head or p["head"]["label"] == head)
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
                    if body.get("state") == "closed" and pull["closed_at"] is None:
                        pull.update(closed_at=_now(), auto_merge=None)
                    return 200, pull
            if (
                len(rest) == 4
                and (rest[0], rest[2]) == ("issues", "labels")
                and rest[1].isdigit()
                and method == "DELETE"
            ):
                pull = self._pull(int(rest[1]))
                if pull is None:
                    return 404, {"message": "Not Found"}
                label = unquote(rest[3])
                if label not in [x["name"] for x in pull["labels"]]:
                    return 404, {"message": "Label does not exist"}
                pull["labels"] = [x for x in pull["labels"] if x["name"] != label]
                return 200, pull["labels"]
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
                    known = {x["login"] for x in pull["requested_reviewers"]}
                    pull["requested_reviewers"] += [{"login": x} for x in wanted if x not in known]
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

    def graphql(self, body: dict) -> tuple[int, object]:
        """Answer a GraphQL request from :attr:`graphql_resolvers`, by operation name."""
        query = body.get("query")
        if not isinstance(query, str):
            return 200, {"errors": [{"message": "A query attribute must be specified."}]}
        match = re.match(r"\s*(query|mutation)\s+(\w+)", query)
        name = match.group(2) if match else ""
        resolver = self.graphql_resolvers.get(name)
        variables = body.get("variables") or {}
        if resolver is None:
            for field_name, answer in (
                ("enablePullRequestAutoMerge", self._enable_auto_merge),
                ("disablePullRequestAutoMerge", self._disable_auto_merge),
                ("node", self._node),
            ):
                if re.search(rf"\b{field_name}\s*\(", query):
                    with self._lock:
                        return 200, answer(variables)
            return 200, {
                "errors": [
                    {
                        "path": ["query", name],
                        "extensions": {"code": "undefinedField", "fieldName": name},
                        "locations": [{"line": 1, "column": 1}],
                        "message": f"Field '{name}' doesn't exist on type 'Query'",
                    }
                ]
            }
        return 200, {"data": resolver(variables)}

    # -- auto-merge, as GitHub's GraphQL API answers ----------------------------------------

    def _pull_by_node(self, node_id: object) -> dict | None:
        return next((p for p in self.pulls if p["node_id"] == node_id), None)

    def _node(self, variables: dict) -> dict:
        pull = self._pull_by_node(variables.get("id"))
        if pull is None:
            return _graphql_error(
                "node",
                "NOT_FOUND",
                f"Could not resolve to a node with the global id of '{variables.get('id')}'",
            )
        return {"data": {"node": _graphql_pull(pull)}}

    def _enable_auto_merge(self, variables: dict) -> dict:
        name = "enablePullRequestAutoMerge"
        self.auto_merge_mutations.append((name, dict(variables)))
        pull = self._pull_by_node(variables.get("pullRequestId"))
        method = variables.get("mergeMethod")
        if pull is None:
            node = variables.get("pullRequestId")
            return _graphql_error(
                name, "NOT_FOUND", f"Could not resolve to a node with the global id of '{node}'"
            )
        if method not in ("MERGE", "SQUASH", "REBASE"):
            return _graphql_error(name, "INVALID", f"Invalid merge method {method!r}")
        if self.auto_merge_forbidden:
            return _graphql_error(name, "FORBIDDEN", RESOURCE_NOT_ACCESSIBLE)
        # GitHub checks the repository setting first, whatever the pull request's state.
        if not self.auto_merge_allowed:
            return _graphql_error(name, "UNPROCESSABLE", AUTO_MERGE_NOT_ALLOWED)
        if pull["state"] != "open":
            return _graphql_error(name, "UNPROCESSABLE", PULL_CLOSED)
        if self.mergeable_now:
            return _graphql_error(name, "UNPROCESSABLE", CLEAN_STATUS)
        pull["auto_merge"] = {
            "enabled_by": {"login": "github-actions[bot]"},
            "merge_method": method.lower(),
            "commit_title": None,
            "commit_message": None,
            "enabled_at": _now(),  # GraphQL's enabledAt (REST does not show it)
        }
        return {"data": {name: {"pullRequest": _graphql_pull(pull)}}}

    def _disable_auto_merge(self, variables: dict) -> dict:
        name = "disablePullRequestAutoMerge"
        self.auto_merge_mutations.append((name, dict(variables)))
        pull = self._pull_by_node(variables.get("pullRequestId"))
        if pull is None:
            node = variables.get("pullRequestId")
            return _graphql_error(
                name, "NOT_FOUND", f"Could not resolve to a node with the global id of '{node}'"
            )
        pull["auto_merge"] = None
        return {"data": {name: {"pullRequest": _graphql_pull(pull)}}}

    # -- the git data API, on a real bare repository ----------------------------------------

    def _git(self, *args: str, data: bytes | None = None, env: dict | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.git_dir,
            input=data,
            capture_output=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        if done.returncode != 0:
            raise _GitFailed(done.stderr.decode(errors="replace").strip())
        return done.stdout.decode().strip()

    def _exists(self, sha: object, kind: str) -> bool:
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{40}", sha):
            return False
        try:
            return self._git("cat-file", "-t", sha) == kind
        except _GitFailed:
            return False

    def ref_sha(self, branch: str) -> str | None:
        """Where ``refs/heads/<branch>`` of :attr:`git_dir` points, if it exists."""
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
        except _GitFailed:
            return None

    def _git_data(self, method: str, rest: list[str], body) -> tuple[int, object]:
        with self._lock:
            try:
                if rest == ["blobs"] and method == "POST":
                    return self._create_blob(body)
                if rest == ["trees"] and method == "POST":
                    return self._create_tree(body)
                if rest == ["commits"] and method == "POST":
                    return self._create_commit(body)
                if rest == ["refs"] and method == "POST":
                    return self._create_ref(body)
                if rest[:2] == ["ref", "heads"] and len(rest) > 2 and method == "GET":
                    sha = self.ref_sha("/".join(rest[2:]))
                    if sha is None:
                        return 404, {"message": "Not Found"}
                    ref = "refs/heads/" + "/".join(rest[2:])
                    return 200, {"ref": ref, "object": {"sha": sha, "type": "commit"}}
                if rest[:2] == ["refs", "heads"] and len(rest) > 2 and method == "PATCH":
                    return self._update_ref("/".join(rest[2:]), body)
            except _GitFailed as exc:
                return 422, {"message": f"GitRPC::BadObjectState: {exc}"}
        return 404, {"message": "Not Found"}

    def _create_blob(self, body: dict) -> tuple[int, object]:
        content = body.get("content")
        if not isinstance(content, str):
            return _invalid("content is not a string")
        encoding = body.get("encoding", "utf-8")
        if encoding == "base64":
            data = base64.b64decode(content, validate=True)
        elif encoding == "utf-8":
            data = content.encode()
        else:
            return _invalid(f"encoding {encoding!r} is not supported")
        sha = self._git("hash-object", "-w", "--stdin", data=data)
        return 201, {"sha": sha, "url": f"{self.url}/repos/{self.repository}/git/blobs/{sha}"}

    def _create_tree(self, body: dict) -> tuple[int, object]:
        base = body.get("base_tree")
        if base is not None and not self._exists(base, "tree"):
            return 422, {"message": "base_tree is not a valid tree oid"}
        lines = []
        for entry in body.get("tree") or []:
            path, mode, kind, sha = (entry.get(k) for k in ("path", "mode", "type", "sha"))
            if not path or mode not in ("100644", "100755", "040000", "160000", "120000"):
                return _invalid(f"tree entry {entry!r} is invalid")
            if sha is None and "content" not in entry:
                lines.append(f"0 {ZERO_SHA}\t{path}\0")  # deletes the path
                continue
            if "content" in entry:
                sha = self._git("hash-object", "-w", "--stdin", data=entry["content"].encode())
            elif kind != "commit" and not self._exists(sha, kind):
                return 422, {"message": f"tree.sha {sha} is not a valid {kind}"}
            lines.append(f"{mode} {sha}\t{path}\0")
        with tempfile.TemporaryDirectory(prefix="fake-github-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if base is not None:
                self._git("read-tree", base, env=env)
            if lines:
                self._git(
                    "update-index", "-z", "--index-info", data="".join(lines).encode(), env=env
                )
            sha = self._git("write-tree", env=env)
        return 201, {
            "sha": sha,
            "url": f"{self.url}/repos/{self.repository}/git/trees/{sha}",
            "tree": body.get("tree") or [],
            "truncated": False,
        }

    def _create_commit(self, body: dict) -> tuple[int, object]:
        tree, parents = body.get("tree"), body.get("parents") or []
        message = body.get("message")
        if not isinstance(message, str) or not self._exists(tree, "tree"):
            return _invalid("message and a valid tree are required")
        if not all(self._exists(p, "commit") for p in parents):
            return _invalid("parents must be existing commits")
        # GitHub signs what it authors itself: a request naming an author or committer is not.
        signed = self.signing and "author" not in body and "committer" not in body
        author = body.get("author") or {"name": API_AUTHOR[0], "email": API_AUTHOR[1]}
        committer = body.get("committer") or (
            author if "author" in body else {"name": API_COMMITTER[0], "email": API_COMMITTER[1]}
        )
        env = {
            "GIT_AUTHOR_NAME": author["name"],
            "GIT_AUTHOR_EMAIL": author["email"],
            "GIT_COMMITTER_NAME": committer["name"],
            "GIT_COMMITTER_EMAIL": committer["email"],
        }
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        sha = self._git(*args, data=message.encode(), env=env)
        if signed:
            self.verified_commits.add(sha)
        return 201, {
            "sha": sha,
            "url": f"{self.url}/repos/{self.repository}/git/commits/{sha}",
            "message": message,
            "tree": {"sha": tree},
            "parents": [{"sha": p} for p in parents],
            "author": author,
            "committer": committer,
            "verification": {
                "verified": signed,
                "reason": "valid" if signed else "unsigned",
                "signature": None,
                "payload": None,
            },
        }

    def _create_ref(self, body: dict) -> tuple[int, object]:
        ref, sha = body.get("ref"), body.get("sha")
        if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2:
            return _invalid("ref must be fully qualified, e.g. refs/heads/main")
        if not self._exists(sha, "commit"):
            return 422, {"message": "Object does not exist"}
        try:
            self._git("update-ref", ref, sha, "")  # "" old value: only if it does not exist
        except _GitFailed:
            return 422, {"message": "Reference already exists"}
        return 201, {"ref": ref, "object": {"sha": sha, "type": "commit"}}

    def _update_ref(self, branch: str, body: dict) -> tuple[int, object]:
        sha, force = body.get("sha"), bool(body.get("force"))
        old = self.ref_sha(branch)
        if old is None:
            return 422, {"message": "Reference does not exist"}
        if not self._exists(sha, "commit"):
            return 422, {"message": "Object does not exist"}
        if not force:
            try:
                self._git("merge-base", "--is-ancestor", old, sha)
            except _GitFailed:
                return 422, {"message": "Update is not a fast forward"}
        self._git("update-ref", f"refs/heads/{branch}", sha, old)
        return 200, {"ref": f"refs/heads/{branch}", "object": {"sha": sha, "type": "commit"}}


class _GitFailed(Exception):
    pass


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _graphql_error(field_name: str, kind: str, message: str) -> dict:
    """GitHub's GraphQL refusal: HTTP 200, ``data.<field>: null`` and an ``errors`` entry."""
    return {
        "data": {field_name: None},
        "errors": [
            {
                "type": kind,
                "path": [field_name],
                "locations": [{"line": 2, "column": 3}],
                "message": message,
            }
        ],
    }


def _graphql_pull(pull: dict) -> dict:
    """A pull request as GraphQL shows it (the fields auto-merge needs)."""
    auto = pull["auto_merge"]
    return {
        "__typename": "PullRequest",
        "id": pull["node_id"],
        "number": pull["number"],
        "state": "MERGED" if pull["merged_at"] else pull["state"].upper(),
        "autoMergeRequest": None
        if auto is None
        else {"enabledAt": auto["enabled_at"], "mergeMethod": auto["merge_method"].upper()},
    }


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
        is_graphql = parts.path == fake.graphql_path
        below = "graphql" if is_graphql else parts.path.removeprefix(fake.api_prefix)
        fault = fake._take_fault(self.command, below)
        if fault is not None and fault.stall:
            time.sleep(fault.stall)
        if fault is not None and fault.reset:
            self._reset()
            return
        headers: dict[str, str] = {}
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or token != fake.token:
            status, answer = 401, {"message": "Bad credentials"}
        elif fault is not None and not fault.after:
            status, answer, headers = fault.status, fault.body, fault.headers
        elif not isinstance(body, (dict, type(None))):
            status, answer = 400, {"message": "Problems parsing JSON"}
        elif is_graphql and self.command == "POST":
            status, answer = fake.graphql(body or {})
        elif not parts.path.startswith(fake.api_prefix + "/"):
            status, answer = 404, {"message": "Not Found"}
        else:
            status, answer = fake.handle(self.command, below, query, body or {})
        if fault is not None and fault.after:
            status, answer, headers = fault.status, fault.body, fault.headers
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        """Close the connection with a TCP reset, no answer sent."""
        self.close_connection = True
        sock = self.connection
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        sock.close()

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve
