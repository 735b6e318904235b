"""`dump-models prices`: a model's price intervals from the change log."""

from __future__ import annotations

import json

from history_helpers import commit_files, init_repo, listing_text, openrouter_model

from dump_models.cli import main
from dump_models.events import Event, event_line
from dump_models.prices import PriceInterval, price_intervals

T = [f"2026-01-0{day}T04:00:00Z" for day in range(1, 10)]


def _added(ts: str, model: str = "a/x", **prices: str) -> Event:
    return Event(ts, "openrouter", model, "model_added", new={**prices, "context_length": 8})


def _price(ts: str, field: str, old: str | None, new: str | None, model: str = "a/x") -> Event:
    return Event(ts, "openrouter", model, "price_changed", field, old, new)


def _json(intervals: list[PriceInterval]) -> list[dict]:
    return [interval.to_json() for interval in intervals]


def _row(start, end, input_price=None, output_price=None, read=None, write=None) -> dict:
    return {
        "from": start,
        "to": end,
        "input_price": input_price,
        "output_price": output_price,
        "cache_read_price": read,
        "cache_write_price": write,
    }


LOG = [
    _added(T[0], input_price="0.25", output_price="1", cache_read_price="0.025"),
    _added(T[0], model="b/other", input_price="9"),
    _price(T[1], "input_price", "0.25", "0.3"),
    _price(T[1], "output_price", "1", "1.2"),
    Event(T[2], "openrouter", "a/x", "limit_changed", "context_length", 8, 16),  # no boundary
    _price(T[3], "input_price", "0.3", "0.4"),
    Event(T[4], "openrouter", "a/x", "model_removed", old={"input_price": "0.4"}),
    _added(T[5], input_price="0.5", output_price="2"),
    _price(T[6], "cache_write_price", None, "0.6"),
    Event(T[6], "groq", "a/x", "model_added", new={"input_price": "7"}),  # another provider
]


def test_intervals_follow_every_price_change_removal_and_return():
    assert _json(price_intervals(LOG, "openrouter", "a/x")) == [
        _row(T[0], T[1], "0.25", "1", "0.025"),
        _row(T[1], T[3], "0.3", "1.2", "0.025"),
        _row(T[3], T[4], "0.4", "1.2", "0.025"),
        _row(T[5], T[6], "0.5", "2"),
        _row(T[6], None, "0.5", "2", None, "0.6"),
    ]


def test_a_log_that_starts_after_the_model_did():
    log = [_price(T[2], "input_price", "1", "2"), _price(T[4], "input_price", "2", "3")]
    assert _json(price_intervals(log, "openrouter", "a/x")) == [
        _row(None, T[2], "1"),
        _row(T[2], T[4], "2"),
        _row(T[4], None, "3"),
    ]


def test_log_order_does_not_matter_within_the_file():
    assert price_intervals(list(reversed(LOG)), "openrouter", "a/x") == price_intervals(
        LOG, "openrouter", "a/x"
    )


def _write_log(tmp_path, events) -> None:
    (tmp_path / "models").mkdir(exist_ok=True)
    text = "".join(event_line(event) for event in events)
    (tmp_path / "models" / "changes.jsonl").write_text(text, encoding="utf-8")


def test_cli_table_and_json(tmp_path, monkeypatch, capsys):
    _write_log(tmp_path, LOG)
    monkeypatch.chdir(tmp_path)
    assert main(["prices", "openrouter", "a/x"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "openrouter a/x: prices in USD per 1M tokens",
        "from                  to                    input  output  cache read  cache write",
        "2026-01-01T04:00:00Z  2026-01-02T04:00:00Z  0.25   1       0.025       -",
        "2026-01-02T04:00:00Z  2026-01-04T04:00:00Z  0.3    1.2     0.025       -",
        "2026-01-04T04:00:00Z  2026-01-05T04:00:00Z  0.4    1.2     0.025       -",
        "2026-01-06T04:00:00Z  2026-01-07T04:00:00Z  0.5    2       -           -",
        "2026-01-07T04:00:00Z  now                   0.5    2       -           0.6",
    ]
    assert main(["prices", "openrouter", "a/x", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "provider": "openrouter",
        "model": "a/x",
        "intervals": _json(price_intervals(LOG, "openrouter", "a/x")),
    }


def test_cli_no_price_history_is_one_line_exit_1_with_close_ids(tmp_path, monkeypatch, capsys):
    _write_log(tmp_path, LOG)
    monkeypatch.chdir(tmp_path)
    assert main(["prices", "openrouter", "a/y"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no price history" in err and "a/x" in err and "b/other" not in err
    assert main(["prices", "openruoter", "a/x"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "openrouter" in err


def test_cli_model_without_known_prices_exit_1(tmp_path, monkeypatch, capsys):
    _write_log(tmp_path, [Event(T[0], "anthropic", "claude", "model_added", new={})])
    monkeypatch.chdir(tmp_path)
    assert main(["prices", "anthropic", "claude"]) == 1
    assert "no known price" in capsys.readouterr().err


def test_from_git_history_to_prices(tmp_path, monkeypatch, capsys):
    """End to end: snapshots committed, the log rebuilt by history, prices read from it."""
    repo = init_repo(tmp_path / "repo")
    for day, prompt in enumerate(["0.000001", "0.000002", "0.000002", "0.000003"]):
        models = [openrouter_model("m/x", prompt=prompt), openrouter_model(f"churn/{day}")]
        commit_files(
            repo,
            {"models/openrouter.json": listing_text(models)},
            1767225600 + day * 86400,
            f"{day}",
        )
    monkeypatch.chdir(repo)
    assert main(["history", "--output", "models/changes.jsonl"]) == 0
    assert main(["prices", "openrouter", "m/x", "--json"]) == 0
    intervals = json.loads(capsys.readouterr().out)["intervals"]
    assert [(i["from"], i["to"], i["input_price"]) for i in intervals] == [
        ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "1"),
        ("2026-01-02T00:00:00Z", "2026-01-04T00:00:00Z", "2"),
        ("2026-01-04T00:00:00Z", None, "3"),
    ]
