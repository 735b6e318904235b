# Over 350 lines: every call publishing makes goes through the one retry and rate-limit loop.
"""A thin wrapper over the GitHub REST and GraphQL endpoints publishing needs.

Every call rides out what GitHub does now and then (docs/github-api.md): transient failures
(5xx, connection errors, timeouts) are retried with backoff, :data:`ATTEMPTS` attempts in all;
rate limits are waited out when the wait is short (at most :data:`MAX_WAIT` seconds, and
:data:`WAIT_BUDGET` seconds of waiting in all for one client), else :class:`RateLimited` says
when to retry. 401, 404 and 422 are never retried. A request that may already have taken effect
(a POST answered 5xx, or whose answer was lost) is retried only when repeating it is safe.

(Over 350 lines: one client, every call next to the retry rule it is held to.)
"""

from __future__ import annotations

import base64
import random
import time
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import requests
import urllib3

from . import secrets
from .session import Session, retry_after_seconds

TIMEOUT = 30  # seconds per request (module attribute, read at call time: tests lower it)
ATTEMPTS = 3  # tries per call, the first included
BACKOFF = 1.0  # seconds before the second try after a transient failure; doubled for the third
MAX_WAIT = 60.0  # the longest rate-limit wait ridden out; a longer one fails, saying when
WAIT_BUDGET = 180.0  # seconds of waiting one client (one publish) spends in all
RATE_LIMIT_DEFAULT_WAIT = 60.0  # GitHub: "wait for at least one minute" when it gives no time
MESSAGE_CHARS = 300

# Known API error strings (matched case-insensitively).
PR_EXISTS = "A pull request already exists"
NOT_PERMITTED = "GitHub Actions is not permitted to create or approve pull requests"
SECONDARY_RATE_LIMIT = "secondary rate limit"  # "You have exceeded a secondary rate limit..."
PRIMARY_RATE_LIMIT = "API rate limit exceeded"  # "API rate limit exceeded for installation ID"
REF_EXISTS = "Reference already exists"
REF_MISSING = "Reference does not exist"
NOT_FAST_FORWARD = "Update is not a fast forward"
# The ``type`` of a GraphQL rate-limit error: "RATE_LIMITED", and since 2026 also "RATE_LIMIT".
GRAPHQL_RATE_LIMITED = ("RATE_LIMITED", "RATE_LIMIT")
AUTO_MERGE_NOT_ALLOWED = "Auto merge is not allowed for this repository"
# "Pull request Pull request is in clean status": nothing to wait for, it could merge now.
MERGEABLE_NOW = ("is in clean status", "is in unstable status")
LABEL_MISSING = "Label does not exist"
MERGE_METHODS = {"squash": "SQUASH", "merge": "MERGE", "rebase": "REBASE"}

EnableOutcome = Literal["enabled", "already-enabled", "not-allowed", "mergeable-now"]
DisableOutcome = Literal["disabled", "not-enabled"]

_AUTO_MERGE_STATE = """
query AutoMergeRequest($id: ID!) {
  node(id: $id) { ... on PullRequest { autoMergeRequest { enabledAt mergeMethod } } }
}
"""
# Variables, never text in the query: a node id or sha is GitHub's, still not ours to trust.
_ENABLE_AUTO_MERGE = """
mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!,
                         $expectedHeadOid: GitObjectID) {
  enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod,
                                     expectedHeadOid: $expectedHeadOid}) {
    pullRequest { autoMergeRequest { enabledAt mergeMethod } }
  }
}
"""
_DISABLE_AUTO_MERGE = """
mutation DisableAutoMerge($pullRequestId: ID!) {
  disablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId}) {
    pullRequest { autoMergeRequest { enabledAt } }
  }
}
"""

# Methods whose repetition is harmless: a retry after a lost answer cannot do a thing twice.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


class GitHubError(Exception):
    """A non-2xx answer (or no answer: ``status`` 0); ``message`` is already redacted.

    ``ambiguous``: the request may have taken effect (a 5xx, or the answer was lost).
    ``after_ambiguous``: an earlier attempt of the same call was ambiguous, so this answer may
    be about what that attempt did (GitHub's "already exists" for our own create).
    """

    def __init__(
        self, method: str, path: str, status: int, message: str, *, ambiguous: bool = False
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.ambiguous = ambiguous
        self.after_ambiguous = False
        # Redacted whole, then cut: a cut first could leave the start of an echoed token.
        text = secrets.redact(" ".join(message.split()))
        self.message = text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "..."
        where = f"{method} {path}"
        what = f"HTTP {status}: {self.message}" if status else self.message
        super().__init__(f"GitHub API {where}: {what}")


class RateLimited(GitHubError):
    """A rate limit longer than we wait: ``retry_at`` (epoch seconds) says when to try again."""

    def __init__(self, method: str, path: str, status: int, message: str, retry_at: float) -> None:
        self.retry_at = retry_at
        super().__init__(
            method, path, status, f"rate limited, retry after {_utc(retry_at)}: {message}"
        )


def _utc(epoch: float) -> str:
    """``2026-05-04 12:00:00 UTC``; past what a date holds (a header's nonsense), the year 9999."""
    try:
        return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return "the year 9999"


def _error_text(response: requests.Response) -> str:
    """GitHub's ``message`` plus each ``errors[].message`` (where "already exists" lives)."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:65536] or response.reason or ""
    if not isinstance(data, dict):
        return str(data)[:65536]
    parts = [str(data.get("message") or response.reason or "")]
    for item in data.get("errors") or []:
        if isinstance(item, dict) and item.get("message"):
            parts.append(str(item["message"]))
        elif isinstance(item, str):
            parts.append(item)
    return ": ".join(p for p in parts if p)


def _graphql_errors(data: Any) -> list[dict]:
    errors = data.get("errors") if isinstance(data, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _graphql_text(errors: list[dict]) -> str:
    return "; ".join(
        f"{e.get('message') or 'error'}" + (f" ({e['type']})" if e.get("type") else "")
        for e in errors
    )


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request surely did not reach GitHub (no connection was made)."""
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError)):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def default_graphql_url(api_url: str) -> str:
    """GraphQL's endpoint next to a REST root: ``/graphql``, or ``/api/graphql`` on GHES."""
    api_url = api_url.rstrip("/")
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/v3")] + "/graphql"
    return api_url + "/graphql"


class GitHub:
    """One repository's pull requests and git data, through ``api_url`` with ``token``."""

    def __init__(
        self, api_url: str, token: str, repository: str, *, graphql_url: str | None = None
    ) -> None:
        secrets.register(token)
        self.api_url = api_url.rstrip("/")
        self.graphql_url = (graphql_url or default_graphql_url(self.api_url)).rstrip("/")
        self.repository = repository
        self.owner = repository.split("/", 1)[0]
        self.waited = 0.0  # seconds spent waiting so far, against WAIT_BUDGET
        self._session = Session()
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "dump-models",
            }
        )

    # -- the transport --------------------------------------------------------------------

    def request(self, method: str, path: str, *, retry_safe: bool | None = None, **kwargs) -> Any:
        """Send one REST call; the decoded JSON answer (None when empty) or :class:`GitHubError`.

        ``retry_safe`` says whether repeating the call after an ambiguous failure is harmless;
        by default it is for every method but POST.
        """
        response = self._send(method, f"{self.api_url}{path}", path, retry_safe, kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise GitHubError(method, path, response.status_code, "answer is not JSON") from exc

    def graphql(self, query: str, variables: dict | None = None) -> Any:
        """Run a GraphQL query or mutation; its ``data``, or :class:`GitHubError`.

        An answer with ``errors`` is a failure even with HTTP 200 (not retried, except GitHub's
        ``RATE_LIMITED``). Transient failures are retried, so send only queries and mutations
        that are harmless to repeat.
        """
        where = urlsplit(self.graphql_url).path or "/graphql"
        payload = {"query": query, "variables": variables or {}}
        response = self._send("POST", self.graphql_url, where, True, {"json": payload})
        try:
            data = response.json()
        except ValueError as exc:
            raise GitHubError("POST", where, response.status_code, "answer is not JSON") from exc
        errors = _graphql_errors(data)
        if errors:
            raise GitHubError("POST", where, response.status_code, _graphql_text(errors))
        return data.get("data") if isinstance(data, dict) else None

    def _send(
        self, method: str, url: str, where: str, retry_safe: bool | None, kwargs: dict
    ) -> requests.Response:
        """One call with its retries; a 2xx (or a GraphQL 200) response, or GitHubError."""
        safe = method.upper() in IDEMPOTENT if retry_safe is None else retry_safe
        graphql = url == self.graphql_url
        after_ambiguous = False
        for attempt in range(1, ATTEMPTS + 1):
            last = attempt == ATTEMPTS
            try:
                response = self._session.request(method, url, timeout=TIMEOUT, **kwargs)
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema,
            ) as exc:
                raise GitHubError(method, where, 0, str(exc)) from exc
            except requests.RequestException as exc:
                ambiguous = not _never_sent(exc)
                error = GitHubError(method, where, 0, str(exc), ambiguous=ambiguous)
                error.after_ambiguous = after_ambiguous
                if last or (ambiguous and not safe) or not self._wait(self._backoff(attempt)):
                    raise error from exc
                after_ambiguous |= ambiguous
                continue
            limited = self._rate_limit(response, graphql)
            if limited is not None:
                wait, retry_at, text = limited
                if wait > MAX_WAIT or last or not self._wait(wait):
                    error = RateLimited(method, where, response.status_code, text, retry_at)
                    error.after_ambiguous = after_ambiguous
                    raise error
                continue
            status = response.status_code
            if status < 400:
                return response
            error = GitHubError(
                method, where, status, _error_text(response), ambiguous=status >= 500
            )
            error.after_ambiguous = after_ambiguous
            if status < 500 or last or not safe:
                raise error
            told = retry_after_seconds(response.headers.get("Retry-After"), time.time())
            wait = told if told is not None and told <= MAX_WAIT else self._backoff(attempt)
            if not self._wait(wait):
                raise error
            after_ambiguous = True
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        return BACKOFF * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless that would go over the budget (then False, no sleep)."""
        if self.waited + seconds > WAIT_BUDGET:
            return False
        self.waited += seconds
        time.sleep(seconds)
        return True

    def _rate_limit(
        self, response: requests.Response, graphql: bool
    ) -> tuple[float, float, str] | None:
        """(seconds to wait, when to retry (epoch), GitHub's words) for a rate limit, else None."""
        status, headers = response.status_code, response.headers
        now = time.time()
        if graphql and status == 200:
            try:
                errors = _graphql_errors(response.json())
            except ValueError:
                return None
            if not any(e.get("type") in GRAPHQL_RATE_LIMITED for e in errors):
                return None
            text = _graphql_text(errors)
        elif status in (403, 429):
            text = _error_text(response)
            lowered = text.lower()
            if status == 403 and not (
                headers.get("Retry-After")
                or headers.get("x-ratelimit-remaining") == "0"
                or SECONDARY_RATE_LIMIT.lower() in lowered
                or PRIMARY_RATE_LIMIT.lower() in lowered
            ):
                return None  # a 403 that means "no": a permission, not a limit
        else:
            return None
        told = retry_after_seconds(headers.get("Retry-After"), now)
        if told is not None:
            return told, now + told, text
        reset = headers.get("x-ratelimit-reset", "")
        if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            # The reset is whole seconds on GitHub's clock: a second more keeps us after it.
            return max(0.0, int(reset) - now) + 1.0, float(reset), text
        return RATE_LIMIT_DEFAULT_WAIT, now + RATE_LIMIT_DEFAULT_WAIT, text

    # -- pull requests --------------------------------------------------------------------

    def default_branch(self) -> str:
        """The repository's default branch."""
        return self.request("GET", f"/repos/{self.repository}")["default_branch"]

    def find_open_pull(self, branch: str) -> dict | None:
        """The open pull request whose head is ``branch`` of this repository, if any."""
        pulls = self.request(
            "GET",
            f"/repos/{self.repository}/pulls",
            params={"head": f"{self.owner}:{branch}", "state": "open", "per_page": 10},
        )
        return pulls[0] if pulls else None

    def create_pull(self, *, head: str, base: str, title: str, body: str, draft: bool) -> dict:
        """Open a pull request from ``head`` into ``base``.

        Retried after an ambiguous failure (GitHub may have opened it and then answered 502):
        GitHub refuses a second pull request for one head, so a retry cannot open two. When
        the retry is told one already exists, that pull request is returned if it is the one
        asked for (same base, title and body); otherwise the 422 is raised, as when another
        run opened it first.
        """
        payload = {"head": head, "base": base, "title": title, "body": body, "draft": draft}
        try:
            return self.request(
                "POST", f"/repos/{self.repository}/pulls", json=payload, retry_safe=True
            )
        except GitHubError as exc:
            exists = exc.status == 422 and PR_EXISTS.lower() in exc.message.lower()
            if not (exists and exc.after_ambiguous):
                raise
            pull = self.find_open_pull(head)
            if pull is not None and (
                pull.get("title") == title
                and (pull.get("body") or "") == body
                and (pull.get("base") or {}).get("ref") == base
            ):
                return pull
            raise

    def update_pull(self, number: int, **fields: Any) -> dict:
        """Change a pull request's fields (``title``, ``body``, ``state``...)."""
        return self.request("PATCH", f"/repos/{self.repository}/pulls/{number}", json=fields)

    def add_labels(self, number: int, labels: list[str]) -> None:
        """Add labels to an issue or pull request (existing ones are kept)."""
        # Adding a label it already has is a no-op: safe to repeat.
        self.request(
            "POST",
            f"/repos/{self.repository}/issues/{number}/labels",
            json={"labels": labels},
            retry_safe=True,
        )

    def remove_label(self, number: int, name: str) -> None:
        """Take a label off an issue or pull request; one it does not have is fine."""
        path = f"/repos/{self.repository}/issues/{number}/labels/{quote(name, safe='')}"
        try:
            self.request("DELETE", path)
        except GitHubError as exc:
            if not (exc.status == 404 and LABEL_MISSING.lower() in exc.message.lower()):
                raise

    def closed_pulls(self, branch: str) -> list[dict]:
        """The closed pull requests (merged or not: ``merged_at`` null) whose head is
        ``branch`` of this repository, the most recently closed first (one page of 100)."""
        pulls = self.request(
            "GET",
            f"/repos/{self.repository}/pulls",
            params={
                "head": f"{self.owner}:{branch}",
                "state": "closed",
                "sort": "updated",
                "direction": "desc",
                "per_page": 100,
            },
        )
        # GitHub silently drops a head filter it cannot read: check each pull request's head.
        ours = [
            pull
            for pull in pulls or []
            if (pull.get("head") or {}).get("ref") == branch
            and ((pull.get("head") or {}).get("repo") or {}).get("full_name") == self.repository
        ]
        return sorted(ours, key=lambda p: (p.get("closed_at") or "", p["number"]), reverse=True)

    # -- auto-merge (GraphQL; docs/risk.md) --------------------------------------------------

    def auto_merge_request(self, pull_node_id: str) -> dict | None:
        """The pull request's auto-merge (``enabledAt``, ``mergeMethod``), None when off."""
        data = self.graphql(_AUTO_MERGE_STATE, {"id": pull_node_id})
        node = (data or {}).get("node")
        if not isinstance(node, dict):
            where = urlsplit(self.graphql_url).path or "/graphql"
            raise GitHubError("POST", where, 200, f"no pull request {pull_node_id}")
        return node.get("autoMergeRequest")

    def enable_auto_merge(
        self, pull_node_id: str, method: str, *, head_sha: str | None = None
    ) -> EnableOutcome:
        """Turn on GitHub's auto-merge (``method``: squash, merge or rebase): GitHub merges once
        branch protection and required checks allow it. With ``head_sha``, only while the
        pull request's head is that commit.

        ``already-enabled``: it was, with this method (nothing sent). ``not-allowed``: the
        repository setting "Allow auto-merge" is off. ``mergeable-now``: nothing to wait for,
        GitHub could merge it right away, so it refuses (this never merges it). Any other
        refusal is a :class:`GitHubError`.
        """
        if method not in MERGE_METHODS:
            raise ValueError(f"merge method {method!r}: use one of {', '.join(MERGE_METHODS)}")
        current = self.auto_merge_request(pull_node_id)
        if current is not None and current.get("mergeMethod") == MERGE_METHODS[method]:
            return "already-enabled"
        variables = {
            "pullRequestId": pull_node_id,
            "mergeMethod": MERGE_METHODS[method],
            "expectedHeadOid": head_sha,
        }
        try:
            self.graphql(_ENABLE_AUTO_MERGE, variables)
        except GitHubError as exc:
            if isinstance(exc, RateLimited):
                raise
            text = exc.message.lower()
            if AUTO_MERGE_NOT_ALLOWED.lower() in text:
                return "not-allowed"
            if any(words in text for words in MERGEABLE_NOW):
                return "mergeable-now"
            raise
        return "enabled"

    def disable_auto_merge(self, pull_node_id: str) -> DisableOutcome:
        """Turn GitHub's auto-merge off; ``not-enabled`` when it was off (nothing sent)."""
        if self.auto_merge_request(pull_node_id) is None:
            return "not-enabled"
        self.graphql(_DISABLE_AUTO_MERGE, {"pullRequestId": pull_node_id})
        return "disabled"

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        """Ask users (or ``org/team`` teams) to review a pull request."""
        users = [r for r in reviewers if "/" not in r]
        teams = [r.split("/", 1)[1] for r in reviewers if "/" in r]
        # Requesting a review already requested changes nothing: safe to repeat.
        self.request(
            "POST",
            f"/repos/{self.repository}/pulls/{number}/requested_reviewers",
            json={"reviewers": users, "team_reviewers": teams},
            retry_safe=True,
        )

    # -- git data (commits GitHub makes, and so signs) ------------------------------------

    def create_blob(self, content: bytes) -> str:
        """Store ``content`` as a blob; its sha. (Content-addressed: safe to repeat.)"""
        payload = {"content": base64.b64encode(content).decode("ascii"), "encoding": "base64"}
        path = f"/repos/{self.repository}/git/blobs"
        return self.request("POST", path, json=payload, retry_safe=True)["sha"]

    def create_tree(self, base_tree: str, entries: list[dict]) -> str:
        """A tree: ``base_tree`` with ``entries`` (``path, mode, type, sha``; ``sha: None``
        deletes the path) laid over it; its sha. (Content-addressed: safe to repeat.)"""
        path = f"/repos/{self.repository}/git/trees"
        payload = {"base_tree": base_tree, "tree": entries}
        return self.request("POST", path, json=payload, retry_safe=True)["sha"]

    def create_commit(self, *, message: str, tree: str, parents: list[str]) -> dict:
        """A commit GitHub makes, and signs, since no author or committer is given.

        Its answer (``sha``, ``verification``...). A repeat after a lost answer only leaves an
        unreferenced commit behind: safe.
        """
        path = f"/repos/{self.repository}/git/commits"
        payload = {"message": message, "tree": tree, "parents": parents}
        return self.request("POST", path, json=payload, retry_safe=True)

    def branch_sha(self, branch: str) -> str | None:
        """Where ``refs/heads/<branch>`` points, or None when it does not exist."""
        try:
            ref = self.request("GET", f"/repos/{self.repository}/git/ref/heads/{quote(branch)}")
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        return ref["object"]["sha"]

    def create_branch(self, branch: str, sha: str) -> None:
        """Create ``refs/heads/<branch>`` at ``sha``; GitHubError 422 when it already exists."""
        payload = {"ref": f"refs/heads/{branch}", "sha": sha}
        try:
            self.request(
                "POST", f"/repos/{self.repository}/git/refs", json=payload, retry_safe=True
            )
        except GitHubError as exc:
            # After a lost answer "already exists" may be our own create: fine if it is at sha.
            exists = exc.status == 422 and REF_EXISTS.lower() in exc.message.lower()
            if not (exists and exc.after_ambiguous and self.branch_sha(branch) == sha):
                raise

    def update_branch(self, branch: str, sha: str, *, force: bool) -> None:
        """Point ``refs/heads/<branch>`` at ``sha``; without ``force`` only a fast-forward."""
        path = f"/repos/{self.repository}/git/refs/heads/{quote(branch)}"
        self.request("PATCH", path, json={"sha": sha, "force": force})
