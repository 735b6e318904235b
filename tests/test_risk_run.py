"""The run judges its update: the verdict, the models retiring and the places that name models
at risk, in the JSON report, the Markdown report and the log (loopback provider, real git)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from git_helpers import git
from provider_server import ProviderServer, openai_style

from dump_models.config import load_settings
from dump_models.inputs import Inputs
from dump_models.runner import run

KEY = "sk-canary-mistral-risk-0123456789"


def day(offset: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=offset)).isoformat()


LISTING = [
    {"id": "mistral-large-2411", "max_context_length": 131072, "deprecation": None},
    {"id": "mistral-small-2402", "max_context_length": 32768, "deprecation": None},
    {"id": "open-mixtral-8x7b", "max_context_length": 32768, "deprecation": day(20)},
    {"id": "codestral-2405", "max_context_length": 32768, "deprecation": day(300)},
]


@pytest.fixture
def listing():
    """The models mistral answers with; tests change it between runs."""
    return [dict(model) for model in LISTING]


@pytest.fixture
def checkout(tmp_path: Path, listing):
    """A repository whose files name mistral models (and near misses), with a config that
    searches them; the loopback mistral answers with ``listing``."""
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(listing, key=KEY))
        root = tmp_path / "repo"
        files = {
            ".github/dump-models.yml": (
                f"providers:\n  mistral: {{endpoint: '{server.url}/v1'}}\n"
                "settings: {retries: 0, timeout: 5}\n"
                "usage:\n  paths: ['src/**', '*.md']\n"
                "lifecycle:\n  retiring_within_days: 30\n"
            ),
            "src/chat.py": (
                'DEFAULT = "mistral-small-2402"\n'
                'NEWER = "mistral-small-2402-v2"\n'
                'LITELLM = "mistral/mistral-small-2402"\n'
                'AZURE = "azure/mistral-small-2402"\n'
            ),
            "README.md": "Batch jobs use open-mixtral-8x7b.\nNot MISTRAL-SMALL-2402.\n",
        }
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        git(tmp_path, "init", "-q", "-b", "main", str(root))
        git(root, "add", "-A")
        git(root, "commit", "-qm", "seed")
        yield root


def run_in(root: Path, environ: dict | None = None):
    lines: list[str] = []
    environ = {"MISTRAL_API_KEY": KEY, **(environ or {})}
    settings = load_settings(Inputs(report_json="report.json"), environ=environ, workspace=root)
    return run(settings, emit=lines.append), lines


def test_a_first_listing_is_low_and_names_what_retires(checkout):
    result, lines = run_in(checkout)
    data = result.json
    assert data["risk"] == {"level": "low", "reasons": []}
    assert data["providers"]["mistral"]["risk"] == {"level": "low", "reasons": []}
    # Models added with a date are shown, however far off.
    assert [(r["model"], r["changed"]) for r in data["retiring"]] == [
        ("open-mixtral-8x7b", True),
        ("codestral-2405", True),
    ]
    assert result.markdown.splitlines()[2] == "**Risk: low**: no rule of the risk policy matched."
    assert "risk: low" in lines


def test_a_removed_model_still_in_use_is_high_everywhere_the_run_reports(checkout, listing):
    run_in(checkout)
    git(checkout, "add", "-A")
    git(checkout, "commit", "-qm", "first dump")
    head = git(checkout, "rev-parse", "HEAD")
    del listing[1]  # mistral-small-2402 is gone
    listing[2]["deprecation"] = day(10)  # codestral-2405 moves up

    result, lines = run_in(checkout, {"GITHUB_REPOSITORY": "octo/app"})

    data = result.json
    reason = "mistral: mistral-small-2402 removed, still in use (2 places)"
    assert data["risk"]["level"] == "high"
    assert [r["text"] for r in data["risk"]["reasons"]] == [reason]
    assert data["providers"]["mistral"]["risk"]["reasons"][0]["rule"] == "removed_in_use"
    assert [(r["model"], r["date"], r["changed"]) for r in data["retiring"]] == [
        ("codestral-2405", day(10), True),
        ("open-mixtral-8x7b", day(20), False),
    ]
    # Whole ids only: not the -v2 model, not under another provider's prefix (LiteLLM's
    # mistral/… is this provider's), not the upper-case spelling; never the dumps themselves.
    assert data["in_use"] == [
        {
            "provider": "mistral",
            "model": "mistral-small-2402",
            "why": ["removed"],
            "places": [{"path": "src/chat.py", "line": 1}, {"path": "src/chat.py", "line": 3}],
        },
        {
            "provider": "mistral",
            "model": "open-mixtral-8x7b",
            "why": ["retiring"],
            "places": [{"path": "README.md", "line": 1}],
        },
    ]
    assert json.loads((checkout / "report.json").read_text()) == data
    md = result.markdown.splitlines()
    assert md[:5] == [
        "## Model listing changes",
        "",
        "**Risk: high**: 1 reason; a person should look before this is merged.",
        "",
        f"- {reason}",
    ]
    url = f"https://github.com/octo/app/blob/{head}"
    assert (
        f"- mistral: mistral-small-2402 (removed): [src/chat.py:1]({url}/src/chat.py#L1), "
        f"[src/chat.py:3]({url}/src/chat.py#L3)"
    ) in md
    assert md.index("### Retiring") < md.index("### In use")
    assert "risk: high" in lines and f"  - {reason}" in lines


def test_outside_a_repository_the_search_is_a_warning_and_the_run_goes_on(tmp_path, listing):
    with ProviderServer() as server:
        server.route("/v1/models", openai_style(listing, key=KEY))
        config = tmp_path / ".github" / "dump-models.yml"
        config.parent.mkdir()
        config.write_text(
            f"providers:\n  mistral: {{endpoint: '{server.url}/v1'}}\nusage:\n  paths: ['**']\n"
        )
        (tmp_path / "models").mkdir()
        (tmp_path / "models" / "mistral.json").write_text(
            json.dumps({"object": "list", "data": LISTING + [{"id": "gone"}]})
        )
        result, lines = run_in(tmp_path)
    assert result.exit_code == 0
    assert [r["rule"] for r in result.json["risk"]["reasons"]] == ["removed"]
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert warnings == [
        f"warning: usage search: {tmp_path} is not in a git repository; "
        "the update is judged without the places that name its models"
    ]
