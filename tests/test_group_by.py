"""group-by: provider (docs/scale.md): one branch dump-models/update/<provider> and one pull
request per changed provider, each with its own lifecycle; switching layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git_helpers import clone, git, seeded_origin
from github_server import FakeGitHub

from dump_models import action
from dump_models.cli import main
from dump_models.errors import DumpModelsError
from dump_models.publish import TRAILER, FileChange, PublishOptions, PublishText, publish

TOKEN = "ghs_CANARY" + "8" * 30
BASE = {name: f'{{"data": [{{"id": "{name}-1"}}]}}\n' for name in ("alpha", "beta", "gamma")}


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return seeded_origin(tmp_path, {f"models/{name}.json": text for name, text in BASE.items()})


@pytest.fixture
def work(tmp_path: Path, remote: Path) -> Path:
    return clone(tmp_path, remote)


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN) as fake:
        yield fake


def render(changes: list[FileChange]) -> PublishText:
    names = ", ".join(sorted(c.provider for c in changes if c.provider))  # dumps, not the log
    return PublishText(f"Update LLM model listings ({names})", f"Changed: {names}", "Update")


def options(work: Path, github: FakeGitHub, **kwargs) -> PublishOptions:
    kwargs.setdefault("group_by", "provider")
    return PublishOptions(
        workspace=work,
        api_url=github.url,
        repository=github.repository,
        token=TOKEN,
        providers=tuple(BASE),
        **kwargs,
    )


def edit(work: Path, name: str, *ids: str) -> None:
    models = [{"id": model} for model in ids]
    (work / "models" / f"{name}.json").write_text(json.dumps({"data": models}) + "\n")


def reset(work: Path, name: str) -> None:
    (work / "models" / f"{name}.json").write_text(BASE[name])


def heads(remote: Path) -> dict[str, str]:
    out = git(remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
    return dict(line.split(" ") for line in out.splitlines())


def pulls_by_head(github: FakeGitHub) -> dict[str, dict]:
    return {pull["head"]["ref"]: pull for pull in github.open_pulls()}


def test_one_branch_and_pull_request_per_changed_provider_each_with_its_lifecycle(
    work, remote, github
):
    edit(work, "alpha", "alpha-1", "alpha-2")
    edit(work, "beta", "beta-2")
    result = publish(options(work, github, labels=("models",)), render)
    assert {name: r.operation for name, r in result.providers.items()} == {
        "alpha": "created",
        "beta": "created",
    }
    pulls = pulls_by_head(github)
    assert set(pulls) == {"dump-models/update/alpha", "dump-models/update/beta"}
    alpha = pulls["dump-models/update/alpha"]
    assert alpha["title"] == "Update LLM model listings (alpha)"
    assert [label["name"] for label in alpha["labels"]] == ["models", "provider:alpha"]
    for name in ("alpha", "beta"):
        tip = heads(remote)[f"dump-models/update/{name}"]
        changed = git(remote, "diff", "--name-only", "main", tip).split()
        dumps = [path for path in changed if path.endswith(".json")]
        assert dumps == [f"models/{name}.json"]  # its own dump, no other provider's
        log = git(remote, "show", f"{tip}:models/changes.jsonl").splitlines()
        assert log and {json.loads(line)["provider"] for line in log} == {name}
        assert TRAILER in git(remote, "log", "-1", "--format=%B", tip)
        assert result.providers[name].pr_url == pulls[f"dump-models/update/{name}"]["html_url"]

    again = publish(options(work, github), render)
    assert {n: r.operation for n, r in again.providers.items()} == {
        "alpha": "unchanged",
        "beta": "unchanged",
    }

    edit(work, "alpha", "alpha-3")
    reset(work, "beta")  # beta is back to the base: its pull request has nothing left
    third = publish(options(work, github), render)
    assert {n: r.operation for n, r in third.providers.items()} == {
        "alpha": "updated",
        "beta": "closed",
    }
    assert set(pulls_by_head(github)) == {"dump-models/update/alpha"}
    assert "dump-models/update/beta" not in heads(remote)


def test_a_dry_run_says_each_providers_pull_request_and_changes_nothing(
    work, remote, github, capsys
):
    edit(work, "alpha", "alpha-2")
    edit(work, "gamma", "gamma-2")
    before = heads(remote)
    result = publish(options(work, github, dry_run=True), render)
    out = capsys.readouterr().out
    assert heads(remote) == before and github.writes() == []
    assert {n: r.operation for n, r in result.providers.items()} == {
        "alpha": "none",
        "gamma": "none",
    }
    for name in ("alpha", "gamma"):
        assert (
            f"would open a pull request dump-models/update/{name} → main: "
            f"Update LLM model listings ({name})"
        ) in out


def test_a_branch_someone_else_pushed_to_fails_only_after_the_others_are_published(
    work, remote, github, tmp_path
):
    edit(work, "alpha", "alpha-2")
    edit(work, "beta", "beta-2")
    publish(options(work, github), render)
    # A person pushes a fix onto alpha's branch: the tool must not overwrite it.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", "-b", "dump-models/update/alpha", str(remote), str(other))
    (other / "models/alpha.json").write_text('{"data": [{"id": "by-hand"}]}\n')
    git(other, "commit", "--quiet", "-am", "by hand")
    git(other, "push", "--quiet", "origin", "dump-models/update/alpha")
    edit(work, "alpha", "alpha-3")
    edit(work, "beta", "beta-3")
    with pytest.raises(DumpModelsError) as failure:
        publish(options(work, github), render)
    message = str(failure.value)
    assert "\n" not in message and failure.value.exit_code == 1
    assert message.startswith("1 of 2 providers not published: alpha: refusing to overwrite")
    beta = heads(remote)["dump-models/update/beta"]
    assert git(remote, "show", f"{beta}:models/beta.json") == '{"data": [{"id": "beta-3"}]}'


def test_switching_to_per_provider_retires_the_tools_single_branch(work, remote, github, capsys):
    edit(work, "alpha", "alpha-2")
    single = publish(options(work, github, group_by="all"), render)
    assert single.operation == "created" and "dump-models/update" in heads(remote)
    result = publish(options(work, github), render)
    out = capsys.readouterr().out
    assert result.providers["alpha"].operation == "created"
    assert "dump-models/update" not in heads(remote)
    assert set(pulls_by_head(github)) == {"dump-models/update/alpha"}
    assert (
        f"closed pull request #{single.pr_number} and deleted dump-models/update: "
        "group-by is provider now"
    ) in out


def test_switching_back_retires_the_per_provider_branches(work, remote, github, capsys):
    edit(work, "alpha", "alpha-2")
    edit(work, "beta", "beta-2")
    publish(options(work, github), render)
    result = publish(options(work, github, group_by="all"), render)
    out = capsys.readouterr().out
    assert result.operation == "created"
    assert sorted(heads(remote)) == ["dump-models/update", "main"]
    assert set(pulls_by_head(github)) == {"dump-models/update"}
    assert "deleted dump-models/update/alpha: group-by is all now" in out


def test_a_single_branch_that_is_not_the_tools_stops_the_switch_with_the_fix(
    work, remote, github, tmp_path
):
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(remote), str(other))
    git(other, "push", "--quiet", "origin", "main:dump-models/update")  # a person's branch
    edit(work, "alpha", "alpha-2")
    with pytest.raises(DumpModelsError) as failure:
        publish(options(work, github), render)
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("refusing to delete dump-models/update: its tip")
    assert "git cannot make dump-models/update/<provider> while dump-models/update is a branch" in (
        message
    )
    assert "fix: merge or delete dump-models/update, or set another `branch`" in message
    assert sorted(heads(remote)) == ["dump-models/update", "main"]
    assert github.writes() == []


def test_per_provider_pull_requests_do_not_go_with_publish_push(work, github):
    with pytest.raises(DumpModelsError) as failure:
        publish(options(work, github, mode="push"), render)
    assert failure.value.exit_code == 2
    assert "group-by provider opens a pull request per provider" in str(failure.value)


def test_the_actions_pull_request_outputs_are_maps_by_provider(
    work, remote, github, tmp_path, monkeypatch
):
    edit(work, "alpha", "alpha-2")
    edit(work, "beta", "beta-2")
    outputs = tmp_path / "outputs"
    environ = {
        "GITHUB_WORKSPACE": str(work),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": github.repository,
        "INPUT_TOKEN": TOKEN,
        "INPUT_GROUP-BY": "provider",
        "INPUT_PROVIDERS": "gamma",  # fetched: it fails (no server), its file stays
    }
    (work / ".github").mkdir()
    (work / ".github/dump-models.yml").write_text(
        "providers:\n"
        + "".join(
            f"  {name}: {{endpoint: 'http://127.0.0.1:9/{name}', auth: none}}\n" for name in BASE
        )
        + "settings: {retries: 0, timeout: 2}\n"
    )
    assert action.main(environ) == 1  # gamma failed (fail-on any), after publishing
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    numbers = json.loads(values["pull-request-number"])
    assert json.loads(values["pull-request-operation"]) == {
        "alpha": "created",
        "beta": "created",
    }
    assert set(numbers) == {"alpha", "beta"}
    pulls = pulls_by_head(github)
    assert numbers["alpha"] == pulls["dump-models/update/alpha"]["number"]
    assert (
        json.loads(values["pull-request-url"])["beta"]
        == pulls["dump-models/update/beta"]["html_url"]
    )
    assert "gamma" not in pulls_by_head(github)["dump-models/update/alpha"]["body"]


def test_the_cli_says_each_providers_outcome(work, github, monkeypatch, capsys):
    edit(work, "alpha", "alpha-2")
    (work / ".github").mkdir()
    (work / ".github/dump-models.yml").write_text(
        "providers:\n  alpha: {endpoint: 'http://127.0.0.1:9/alpha', auth: none}\n"
    )
    monkeypatch.chdir(work)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", github.repository)
    assert main(["publish", "--group-by", "provider"]) == 0
    out = capsys.readouterr().out
    url = pulls_by_head(github)["dump-models/update/alpha"]["html_url"]
    assert f"publish: alpha: created {url}" in out
