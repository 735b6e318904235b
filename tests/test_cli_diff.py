"""``dump-models diff OLD NEW``: the machine report's exact shape, Markdown, bad input."""

from __future__ import annotations

import json

from dump_models.cli import main


def listing(models):
    return {"data": models}


def openrouter(mid, prompt, completion, context=8192, **extra):
    return {
        "id": mid,
        "name": mid.title(),
        "context_length": context,
        "pricing": {"prompt": prompt, "completion": completion},
        **extra,
    }


def write(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_diff_json_directories(tmp_path, capsys):
    old = tmp_path / "old"
    new = tmp_path / "new"
    write(
        old / "openrouter.json",
        listing(
            [
                openrouter("deepseek/deepseek-chat-v3.1", "0.00000025", "0.000001"),
                openrouter("deepcogito/cogito-v2.1-671b", "0.000001", "0.000001"),
                openrouter("same/model", "0.000001", "0.000002", benchmarks={"x": 1}),
            ]
        ),
    )
    write(
        new / "openrouter.json",
        listing(
            [
                openrouter("deepseek/deepseek-chat-v3.1", "0.00000055", "0.000001", context=163840),
                openrouter("meta/muse-spark-1.2-contributor", "0", "0"),
                openrouter("same/model", "0.000001", "0.000002", benchmarks={"x": 1}),
            ]
        ),
    )
    write(old / "mistral.json", listing([{"id": "m", "created": 1, "max_context_length": 1}]))
    write(new / "mistral.json", listing([{"id": "m", "created": 2, "max_context_length": 1}]))
    write(new / "groq.json", listing([{"id": "llama", "context_window": 8192}]))

    assert main(["diff", str(old), str(new), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == 1
    assert report["totals"] == {
        "providers": 3,
        "changed_providers": 2,
        "added": 2,
        "removed": 1,
        "changed": 1,
        "failed": 0,
        "skipped": 0,
        "guarded": 0,
    }
    router = report["providers"]["openrouter"]
    assert set(router) == {
        "status",
        "error",
        "models_before",
        "models_after",
        "added",
        "removed",
        "changed",
    }
    assert router["status"] == "changed" and router["error"] is None
    assert (router["models_before"], router["models_after"]) == (3, 3)
    assert router["added"] == ["meta/muse-spark-1.2-contributor"]
    assert router["removed"] == ["deepcogito/cogito-v2.1-671b"]
    assert router["changed"] == {
        "deepseek/deepseek-chat-v3.1": {
            "input_price": {"old": "0.25", "new": "0.55"},
            "context_length": {"old": 8192, "new": 163840},
        }
    }
    # Mistral's `created` is volatile: not a change.
    assert report["providers"]["mistral"]["status"] == "unchanged"
    assert report["providers"]["mistral"]["changed"] == {}
    assert report["providers"]["groq"]["status"] == "new"


def test_diff_markdown_single_files(tmp_path, capsys):
    old = write(tmp_path / "a" / "openrouter.json", listing([openrouter("x/y", "0.000001", "0")]))
    new = write(tmp_path / "b" / "openrouter.json", listing([openrouter("x/y", "0.000002", "0")]))
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "openrouter" in out and "x/y" in out
    assert "+100%" in out  # 1 → 2 per 1M
    assert "→" in out


def test_diff_bad_input_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [')
    assert main(["diff", str(bad), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json" in err and "not valid JSON" in err
    assert main(["diff", str(tmp_path / "missing"), str(bad)]) == 2
    assert "missing" in capsys.readouterr().err


def test_diff_json_reports_changes_normalized_fields_do_not_show(tmp_path, capsys):
    # The README's report example, a parameter that moves neither tools nor reasoning, and
    # changes of representation only (a reordered list, a price written with a trailing zero).
    def model(prompt, limit, params):
        return openrouter(
            "deepseek/deepseek-chat-v3.1",
            prompt,
            "0.000001",
            top_provider={"max_completion_tokens": limit},
            supported_parameters=params,
        )

    def other(prompt, params):
        return openrouter("same/model", prompt, "0.000002", supported_parameters=params)

    old = write(
        tmp_path / "a" / "openrouter.json",
        listing([model("0.00000025", 32768, ["tools"]), other("0.000001", ["tools", "top_p"])]),
    )
    new = write(
        tmp_path / "b" / "openrouter.json",
        listing(
            [
                model("0.00000055", 161000, ["structured_outputs", "tools"]),
                other("0.0000010", ["top_p", "tools"]),
            ]
        ),
    )
    assert main(["diff", str(old), str(new), "--json"]) == 0
    router = json.loads(capsys.readouterr().out)["providers"]["openrouter"]
    assert router["status"] == "changed"
    assert router["changed"] == {
        "deepseek/deepseek-chat-v3.1": {
            "input_price": {"old": "0.25", "new": "0.55"},
            "supported_parameters": {"old": ["tools"], "new": ["structured_outputs", "tools"]},
            "top_provider.max_completion_tokens": {"old": 32768, "new": 161000},
        }
    }


def test_diff_of_files_a_run_could_not_have_stored_is_one_line_exit_2(tmp_path, capsys):
    good = write(tmp_path / "good.json", listing([{"id": "m"}]))
    cases = {
        "deep600.json": '{"data": [{"id": "m", "x": ' + "[" * 600 + "]" * 600 + "}]}",
        "deep5000.json": '{"data": [{"id": "m", "x": ' + "[" * 5000 + "]" * 5000 + "}]}",
        "nan.json": '{"data": [{"id": "m", "price": NaN}]}',
        "inf.json": '{"data": [{"id": "m", "price": 1e999}]}',
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        for args in ([str(tmp_path / name), str(good)], [str(good), str(tmp_path / name)]):
            assert main(["diff", *args]) == 2, name
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and name in err, err
            assert "internal error" not in err
    main(["diff", str(tmp_path / "nan.json"), str(good)])
    assert "NaN at price" in capsys.readouterr().err
