"""A thin wrapper over the few GitHub REST endpoints publishing needs."""

from __future__ import annotations

from typing import Any

import requests

from . import secrets

TIMEOUT = 30  # seconds per request
PR_EXISTS = "A pull request already exists"
NOT_PERMITTED = "GitHub Actions is not permitted to create or approve pull requests"


MESSAGE_CHARS = 300


class GitHubError(Exception):
    """A non-2xx answer (or no answer: ``status`` 0); ``message`` is already redacted."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        self.method = method
        self.path = path
        self.status = status
        # Redacted whole, then cut: a cut first could leave the start of an echoed token.
        text = secrets.redact(" ".join(message.split()))
        self.message = text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + "..."
        where = f"{method} {path}"
        what = f"HTTP {status}: {self.message}" if status else self.message
        super().__init__(f"GitHub API {where}: {what}")


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


class GitHub:
    """One repository's pull requests, through ``api_url`` with ``token``."""

    def __init__(self, api_url: str, token: str, repository: str) -> None:
        secrets.register(token)
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self.owner = repository.split("/", 1)[0]
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "dump-models",
            }
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; the decoded JSON answer (None when empty) or :class:`GitHubError`."""
        url = f"{self.api_url}{path}"
        try:
            response = self._session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise GitHubError(method, path, 0, str(exc)) from exc
        if response.status_code >= 400:
            raise GitHubError(method, path, response.status_code, _error_text(response))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise GitHubError(method, path, response.status_code, "answer is not JSON") from exc

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
        """Open a pull request from ``head`` into ``base``."""
        payload = {"head": head, "base": base, "title": title, "body": body, "draft": draft}
        return self.request("POST", f"/repos/{self.repository}/pulls", json=payload)

    def update_pull(self, number: int, **fields: Any) -> dict:
        """Change a pull request's fields (``title``, ``body``, ``state``...)."""
        return self.request("PATCH", f"/repos/{self.repository}/pulls/{number}", json=fields)

    def add_labels(self, number: int, labels: list[str]) -> None:
        """Add labels to an issue or pull request (existing ones are kept)."""
        self.request(
            "POST", f"/repos/{self.repository}/issues/{number}/labels", json={"labels": labels}
        )

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        """Ask users (or ``org/team`` teams) to review a pull request."""
        users = [r for r in reviewers if "/" not in r]
        teams = [r.split("/", 1)[1] for r in reviewers if "/" in r]
        self.request(
            "POST",
            f"/repos/{self.repository}/pulls/{number}/requested_reviewers",
            json={"reviewers": users, "team_reviewers": teams},
        )
