"""One provider's hostile values fail (or show raw) that provider, never the run (README: "What
a listing must be to be stored")."""

from __future__ import annotations

import json
import re

import pytest
from provider_server import ProviderServer, Reply, links_next_style
from test_report import REFERENCES, linkable

from dump_models.cli import main
from dump_models.config import load_settings
from dump_models.fetch import FetchResult
from dump_models.inputs import Inputs
from dump_models.processing import Processing, processed

PREVIOUS_NO_ID = {"data": [{"name": f"model-{i:02d}", "object": "model"} for i in range(45)]}


def nested_text(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def listing(*models: dict) -> dict:
    return {"object": "list", "data": list(models)}


def raw(text: str):
    return lambda request: Reply(200, text.encode())


def json_reply(document):
    return lambda request: Reply(200, json.dumps(document).encode())


def openrouter_model(model_id: str, prompt: str) -> dict:
    return {"id": model_id, "name": model_id, "pricing": {"prompt": prompt, "completion": "0"}}


# name -> (handler, extra config, previous file or None)
HOSTILE = {
    "good-a": (json_reply(listing({"id": "a1"}, {"id": "a2"})), {}, None),
    "good-b": (json_reply([{"id": "b1"}]), {"list_key": None}, None),
    "refs": (json_reply(listing({"id": REFERENCES, "d": REFERENCES})), {}, None),
    "nan-listing": (raw('{"data": [{"id": "m", "score": NaN}]}'), {}, None),
    "inf-listing": (raw('{"data": [{"id": "m", "score": 1e999}]}'), {}, None),
    "deep-600": (raw('{"data": [{"id": "m", "x": ' + nested_text(600) + "}]}"), {}, None),
    "deep-1000": (raw('{"data": [{"id": "m", "x": ' + nested_text(1000) + "}]}"), {}, None),
    "ids-numbers": (
        json_reply(listing({"id": 1}, {"id": 2.5}, {"id": "x"}, {"id": "x"})),
        {},
        None,
    ),
    "ids-null": (json_reply(listing({"id": None}, {"id": "a"})), {}, None),
    "ids-dupes": (json_reply(listing({"id": "a", "v": 1}, {"id": "a", "v": 2})), {}, None),
    "no-id": (json_reply(PREVIOUS_NO_ID), {}, json.dumps(PREVIOUS_NO_ID, indent=2) + "\n"),
    "prev-deep": (
        json_reply(listing({"id": "p"})),
        {},
        '{"data": [{"id": "p", "x": ' + nested_text(5000) + "}]}\n",
    ),
}
FAILED = {
    "nan-listing": 'cannot be stored: model "m": NaN at score; a dump is strict JSON',
    "inf-listing": 'cannot be stored: model "m": Infinity at score',
    "deep-600": 'cannot be stored: model "m" nests objects and arrays deeper than 64 levels',
    "deep-1000": "",  # the parser's own limit (fetch's error)
    "ids-null": '1 of 2 models have no usable "id"',
    "ids-dupes": 'ids repeat with different models: "a" (2 models)',
    "no-id": '45 of 45 models have no "id" field; set id_field for this provider in the config',
}
OPENROUTER_BEFORE = [
    openrouter_model("a/tiny", "1e-30"),
    openrouter_model("a/huge", "0.000001"),
    openrouter_model("a/absurd", "0.000001"),
]
OPENROUTER_AFTER = [
    openrouter_model("a/tiny", "0.001"),
    openrouter_model("a/huge", "1e30"),
    openrouter_model("a/absurd", "1E+999999"),
]


@pytest.fixture
def server():
    with ProviderServer() as srv:
        yield srv


def configure(tmp_path, server) -> None:
    lines = ["providers:", "  openrouter:", f"    endpoint: {server.url}/openrouter"]
    for name, (_handler, extra, _previous) in HOSTILE.items():
        lines += [f"  {name}:", f"    endpoint: {server.url}/{name}", "    auth: none"]
        lines += [f"    {key}: {json.dumps(value)}" for key, value in extra.items()]
    lines += ["settings:", "  timeout: 5", "  retries: 0"]
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text("\n".join(lines) + "\n")


def test_hostile_providers_fail_alone_and_the_run_reports_everything(
    tmp_path, monkeypatch, capsys, server
):
    server.route("/openrouter/models", links_next_style(OPENROUTER_AFTER))
    models = tmp_path / "models"
    models.mkdir()
    (models / "openrouter.json").write_text(json.dumps({"data": OPENROUTER_BEFORE}))
    for name, (handler, _extra, previous) in HOSTILE.items():
        server.route(f"/{name}/models", handler)
        if previous is not None:
            (models / f"{name}.json").write_text(previous)
    before = {path.name: path.read_bytes() for path in models.iterdir()}
    configure(tmp_path, server)
    monkeypatch.chdir(tmp_path)

    code = main(["run", "--report-json", "report.json", "--report-md", "report.md"])
    out, err = capsys.readouterr()

    assert code == 1, err  # fail-on any
    assert "internal error" not in err and "Traceback" not in err
    report = json.loads((tmp_path / "report.json").read_text())
    statuses = {name: entry["status"] for name, entry in report["providers"].items()}
    assert statuses == {
        "openrouter": "changed",
        "good-a": "new",
        "good-b": "new",
        "refs": "new",
        "ids-numbers": "new",
        "prev-deep": "new",  # an unreadable previous file is no previous file
        **{name: "failed" for name in FAILED},
    }
    for name, reason in FAILED.items():
        assert report["providers"][name]["error"].startswith(reason), name
        assert "\n" not in report["providers"][name]["error"]
        path = models / f"{name}.json"
        assert path.read_bytes() == before[path.name] if path.name in before else not path.exists()
    assert report["providers"]["no-id"]["models_before"] == 45
    # Good providers are written as strict JSON.
    assert json.loads((models / "good-a.json").read_text())["data"] == [{"id": "a1"}, {"id": "a2"}]
    assert json.loads((models / "good-b.json").read_text()) == [{"id": "b1"}]
    numbers = json.loads((models / "ids-numbers.json").read_text())["data"]
    assert [m["id"] for m in numbers] == [1, 2.5, "x", "x"]
    assert report["providers"]["ids-numbers"]["added"] == ["1", "2.5", "x"]
    # Extreme prices: normalized in plain notation when they mean a number, raw when not.
    changed = report["providers"]["openrouter"]["changed"]
    assert changed["a/tiny"]["input_price"] == {"old": "0.000000000000000000000001", "new": "1000"}
    assert changed["a/huge"]["input_price"]["new"] == "1" + "0" * 36
    assert changed["a/absurd"]["pricing.prompt"] == {"old": "0.000001", "new": "1E+999999"}
    markdown = (tmp_path / "report.md").read_text()
    assert "+99999999999999999999999999900%" in markdown
    assert "### openrouter" in markdown and "nan-listing" in markdown
    assert "### refs" in markdown and linkable(markdown) == []
    lines = out.strip().splitlines()
    done = next(i for i, line in enumerate(lines) if line.startswith("Done: "))
    assert done == len(HOSTILE) + 1  # one per provider, then the summary, then the verdict
    assert lines[done + 1] == "risk: high" and linkable(out) == []
    assert re.search(r"^no-id: failed: 45 of 45 models have no \"id\" field", out, re.M)

    code = main(["run", "--fail-on", "never", "--report-json", "report.json"])
    assert code == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert {n for n, e in report["providers"].items() if e["status"] == "failed"} == set(FAILED)


def test_any_exception_processing_one_listing_is_that_providers_one_line(tmp_path):
    """A value no JSON parser gives (a set) stands in for an unforeseen bug: still one line."""
    (tmp_path / "models").mkdir()
    previous = b'{"data": [{"id": "kept"}]}'
    (tmp_path / "models" / "odd.json").write_bytes(previous)
    (tmp_path / "c.yml").write_text(
        "providers:\n  odd:\n    endpoint: http://127.0.0.1:9/v1\n    auth: none\n"
    )
    settings = load_settings(Inputs(config="c.yml"), environ={}, workspace=tmp_path)
    (spec,) = [target.spec for target in settings.targets]
    result = FetchResult(
        name="odd",
        ok=True,
        document={"data": [{"id": "kept"}, {"id": "m", "tags": {"a", "b"}}]},
        models=None,
        error=None,
        seconds=0.1,
        pages=1,
        fetched_at=0.0,
    )
    report = processed(Processing(settings.output_dir), spec, result).report
    assert report.status == "failed"
    assert report.error.startswith("cannot process its listing: TypeError: ")
    assert (report.models_before, report.models_after) == (1, 1)
    assert (tmp_path / "models" / "odd.json").read_bytes() == previous


def cjk_models(n: int = 6000) -> list[dict]:
    # ~275 bytes of UTF-8 per model line in the report: 1.6 MB over 6,000 models, in about
    # 540,000 characters (under the 1,000,000 characters the report was once measured in).
    return [{"id": f"{'模型' * 45}-{i:05d}"} for i in range(n)]


def test_job_summary_and_report_md_stay_under_1_mib_of_utf8(tmp_path, monkeypatch, capsys, server):
    server.route("/cjk/models", json_reply(listing(*cjk_models())))
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text(
        f"providers:\n  cjk:\n    endpoint: {server.url}/cjk\n    auth: none\n"
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)

    assert main(["run", "--report-md", "report.md"]) == 0
    capsys.readouterr()
    for path in (summary, tmp_path / "report.md"):
        data = path.read_bytes()
        assert len(data) <= 1024 * 1024, path
        text = data.decode("utf-8")
        assert "**+6,000 \u22120 ~0** models" in text and "_Report shortened to fit" in text
