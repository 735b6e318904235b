"""A person's "no": a pull request closed without merging is not proposed again with the same
content; different content is. Real git trees, the loopback GitHub."""

from __future__ import annotations

from pathlib import Path

import pytest
from git_helpers import git
from github_server import FakeGitHub

from dump_models.declined import (
    declined_by,
    marked_tree,
    person_declined,
    tree_marker,
    withdrawn,
)
from dump_models.github import GitHub

TOKEN = "ghs_CANARY" + "6" * 30
BRANCH = "dump-models/update"
A, B = "a" * 40, "b" * 40


def test_marker_round_trip():
    body = "## Models\n\ntext\n\n" + tree_marker(A)
    assert tree_marker(A) == f"<!-- dump-models: tree={A} -->"
    assert marked_tree(body) == A
    assert marked_tree(tree_marker("c" * 64)) == "c" * 64  # SHA-256 repositories
    assert marked_tree("no marker") is None
    assert marked_tree(None) is None
    assert marked_tree("<!-- dump-models: tree=xyz -->") is None
    assert marked_tree(f"<!-- dump-models: tree={A.upper()} -->") is None
    with pytest.raises(ValueError):
        tree_marker("not a sha")


def test_withdrawn_body_holds_no_tree():
    body = f"report\n{tree_marker(A)}\n"
    assert marked_tree(withdrawn(body)) is None
    assert withdrawn(body) == "report\n<!-- dump-models: withdrawn -->\n"
    assert withdrawn("no marker") == "no marker"


def closed(body: str, merged: bool, when: str, number: int = 1) -> dict:
    return {
        "number": number,
        "body": body,
        "closed_at": when,
        "merged_at": when if merged else None,
    }


@pytest.mark.parametrize(
    ("pulls", "tree", "declined"),
    [
        ([], A, None),
        ([closed(tree_marker(A), False, "2")], A, 1),  # closed by a person: same content
        ([closed(tree_marker(A), False, "2")], B, None),  # different content: a new PR
        ([closed(tree_marker(A), True, "2")], A, None),  # merged, not declined
        ([closed("hand-edited, no marker", False, "2")], A, None),
        ([closed(withdrawn(tree_marker(A)), False, "2")], A, None),  # the tool closed it
        # A "no" before the last merge is history: the base has moved on since.
        ([closed("x", True, "3", 2), closed(tree_marker(A), False, "1", 1)], A, None),
        # Several "no"s since the last merge all count.
        (
            [
                closed(tree_marker(B), False, "3", 3),
                closed(tree_marker(A), False, "2", 2),
                closed("x", True, "1", 1),
            ],
            A,
            2,
        ),
    ],
)
def test_declined_by(pulls, tree, declined):
    found = declined_by(pulls, tree)
    assert (found["number"] if found else None) == declined


def models_tree(repo: Path, listing: str) -> str:
    """Commit ``models/openrouter.json`` and return the models directory's tree sha."""
    (repo / "models").mkdir(exist_ok=True)
    (repo / "models" / "openrouter.json").write_text(listing)
    with (repo / "README.md").open("a") as other:  # other files of the repository move too
        other.write("one more line\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "update")
    return git(repo, "rev-parse", "HEAD:models")


def test_closed_by_a_person_is_not_reopened_for_the_same_content(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    with FakeGitHub(token=TOKEN) as fake:
        api = GitHub(fake.url, TOKEN, fake.repository)
        first = models_tree(repo, '{"data": [{"id": "a"}]}\n')
        assert person_declined(api, BRANCH, first) is None
        pull = api.create_pull(
            head=BRANCH, base="main", title="T", body="report\n" + tree_marker(first), draft=False
        )
        fake.close_pull(pull["number"], merged=False)  # a person says no
        assert person_declined(api, BRANCH, first)["number"] == pull["number"]
        # The same listing again, though other files of the repository changed: still no.
        again = models_tree(repo, '{"data": [{"id": "a"}]}\n')
        assert again == first
        assert person_declined(api, BRANCH, again)["number"] == pull["number"]
        # A provider changes something: a new pull request is welcome.
        second = models_tree(repo, '{"data": [{"id": "a"}, {"id": "b"}]}\n')
        assert person_declined(api, BRANCH, second) is None
        newer = api.create_pull(
            head=BRANCH, base="main", title="T", body=tree_marker(second), draft=False
        )
        fake.close_pull(newer["number"], merged=True)
        # Merged since: the old "no" is history.
        assert person_declined(api, BRANCH, first) is None
