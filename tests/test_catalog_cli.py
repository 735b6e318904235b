"""``dump-models models``, ``cost``, ``check``, ``catalog`` and ``export`` over realistic dumps
of every built-in shape (tests/catalog_listings.py), on the real filesystem."""

from __future__ import annotations

import csv
import io
import json

import pytest
from catalog_listings import OPENROUTER, REQUESTY, write_dumps

from dump_models.cli import main


@pytest.fixture
def dumps(tmp_path, monkeypatch):
    """Every built-in shape's dump in ./models, the current directory being tmp_path."""
    monkeypatch.chdir(tmp_path)
    return write_dumps(tmp_path / "models")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ids(capsys, *argv) -> list[tuple[str, str]]:
    """The (provider, id) pairs ``models --json`` keeps."""
    code, out, err = run(capsys, "models", "--json", *argv)
    assert code == 0, err
    return [(record["provider"], record["id"]) for record in json.loads(out)]


# --- models: the table ------------------------------------------------------------------


def test_the_table_is_aligned_with_unknown_shown_as_dashes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_dumps(tmp_path / "models", {"openrouter": OPENROUTER, "requesty": REQUESTY})
    code, out, err = run(capsys, "models")
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "provider    id                           name                          context  max output  input $/1M  output $/1M  capabilities",  # noqa: E501
        "openrouter  anthropic/claude-sonnet-4.5  Anthropic: Claude Sonnet 4.5  1000000           -           3           15  tools,vision,reasoning",  # noqa: E501
        "openrouter  deepseek/deepseek-chat-v3.1  DeepSeek: DeepSeek V3.1        163840           -        0.25            1  tools,reasoning",  # noqa: E501
        "openrouter  openai/gpt-4o-audio-preview  OpenAI: GPT-4o Audio           128000           -         2.5           10  tools,audio",  # noqa: E501
        "openrouter  openrouter/auto              Auto Router                   2000000           -           -            -  vision",  # noqa: E501
        "requesty    anthropic/claude-sonnet-4.5  -                              200000       64000           3           15  vision,reasoning",  # noqa: E501
        "requesty    openai/gpt-4o                -                              128000       16384         2.5           10  vision",  # noqa: E501
    ]


def test_positional_providers_and_the_same_id_under_two_providers(dumps, capsys):
    assert ids(capsys, "requesty", "openrouter", "-q", "claude-sonnet-4.5") == [
        ("openrouter", "anthropic/claude-sonnet-4.5"),
        ("requesty", "anthropic/claude-sonnet-4.5"),
    ]
    code, out, err = run(capsys, "models", "nosuch", "openrouter")
    assert code == 2 and out == ""
    assert err.startswith("dump-models: error: nosuch: no dump in models (there: anthropic, ")
    assert len(err.splitlines()) == 1


def test_text_matches_id_or_name_in_any_case(dumps, capsys):
    assert ids(capsys, "-q", "GEMINI 2.5") == [("gemini", "models/gemini-2.5-pro")]  # name
    assert ids(capsys, "-q", "QWEN3-32b") == [("chutes", "Qwen/Qwen3-32B-TEE")]  # id
    assert ids(capsys, "-q", "openai/gpt-4o") == [
        ("openrouter", "openai/gpt-4o-audio-preview"),
        ("requesty", "openai/gpt-4o"),
    ]


def test_capability_filters_keep_only_explicit_data(dumps, capsys):
    tools = ids(capsys, "--tools")
    assert ("requesty", "anthropic/claude-sonnet-4.5") not in tools  # requesty says nothing
    assert ("mistral", "voxtral-small-latest") in tools
    assert ("openai", "gpt-4o") not in tools  # unknown never passes
    assert ids(capsys, "--vision", "cohere") == [("cohere", "command-a-vision-07-2025")]
    assert ids(capsys, "--reasoning", "anthropic", "github") == [
        ("anthropic", "claude-3-7-sonnet-20250219"),
        ("github", "openai/o4-mini"),
    ]
    assert ids(capsys, "--audio") == [
        ("mistral", "voxtral-small-latest"),
        ("openrouter", "openai/gpt-4o-audio-preview"),
        ("venice", "qwen3-235b"),
    ]
    assert ids(capsys, "--tools", "--vision", "--reasoning") == [
        ("github", "openai/o4-mini"),
        ("openrouter", "anthropic/claude-sonnet-4.5"),
    ]


def test_limits_are_minimums_in_k_and_m_and_unknown_never_passes(dumps, capsys):
    assert ids(capsys, "--ctx", "1m") == [
        ("gemini", "models/gemini-2.5-pro"),  # 1,048,576
        ("github", "openai/gpt-4.1"),
        ("openrouter", "anthropic/claude-sonnet-4.5"),  # exactly 1,000,000
        ("openrouter", "openrouter/auto"),
    ]
    assert ids(capsys, "--ctx", "1000001") == [
        ("gemini", "models/gemini-2.5-pro"),
        ("github", "openai/gpt-4.1"),
        ("openrouter", "openrouter/auto"),
    ]
    big_output = ids(capsys, "--output", "65.536K")
    assert big_output == [
        ("deepinfra", "deepseek-ai/DeepSeek-V3.2"),
        ("gemini", "models/gemini-2.5-pro"),
        ("github", "openai/o4-mini"),
        ("novita", "deepseek/deepseek-v3-0324"),
        ("novita", "deepseek/deepseek-v3.2"),
    ]
    # OpenRouter's models have no max output (top_provider is routing): never kept.
    assert not [pair for pair in ids(capsys, "--output", "1") if pair[0] == "openrouter"]


def test_prices_are_maxima_in_usd_per_million_and_unknown_never_passes(dumps, capsys):
    cheap = ids(capsys, "--input-price", "0.25", "--output-price", "1")
    assert cheap == [
        ("chutes", "Qwen/Qwen3-32B-TEE"),
        ("openrouter", "deepseek/deepseek-chat-v3.1"),  # 0.25 and 1: both bounds inclusive
        ("together", "BAAI/bge-base-en-v1.5"),
        ("vercel", "alibaba/qwen-3-14b"),
    ]  # deepinfra's 0.27 is over; OpenAI, Anthropic and Gemini have no prices: never kept
    # An exact decimal bound: 0.104 passes 0.104, not 0.1039.
    assert ("chutes", "Qwen/Qwen3-32B-TEE") in ids(capsys, "--input-price", "0.104")
    assert ("chutes", "Qwen/Qwen3-32B-TEE") not in ids(capsys, "--input-price", "0.1039")
    # Embedding model with only an input price: an output price filter drops it.
    assert ("vercel", "openai/text-embedding-3-small") in ids(capsys, "--input-price", "1")
    assert ("vercel", "openai/text-embedding-3-small") not in ids(capsys, "--output-price", "100")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ctx", "lots"], "--ctx 'lots' is no token count"),
        (["--ctx", "1e5"], "--ctx '1e5' is no token count"),
        (["--output", "-5"], "--output '-5' is no token count"),
        (["--ctx", "0.0001k"], "--ctx '0.0001k' is no token count"),
        (["--input-price", "cheap"], "--input-price 'cheap' is no price"),
        (["--output-price", "-1"], "--output-price '-1' is no price"),
        (["--input-price", "NaN"], "--input-price 'NaN' is no price"),
    ],
)
def test_bad_filter_values_are_one_line_and_exit_2(dumps, capsys, args, message):
    code, out, err = run(capsys, "models", *args)
    assert code == 2 and out == ""
    assert err.startswith(f"dump-models: error: {message}")
    assert len(err.splitlines()) == 1


def test_sort_by_a_field_unknown_last_either_way(dumps, capsys):
    by_price = ids(capsys, "--sort", "input_price", "--input-price", "0.3")
    assert by_price[:3] == [
        ("together", "BAAI/bge-base-en-v1.5"),  # 0.008
        ("vercel", "openai/text-embedding-3-small"),  # 0.02
        ("chutes", "Qwen/Qwen3-32B-TEE"),  # 0.104
    ]
    largest = ids(capsys, "--sort", "context_length", "--reverse", "openrouter", "openai")
    assert largest == [
        ("openrouter", "openrouter/auto"),
        ("openrouter", "anthropic/claude-sonnet-4.5"),
        ("openrouter", "deepseek/deepseek-chat-v3.1"),
        ("openrouter", "openai/gpt-4o-audio-preview"),
        ("openai", "gpt-4o"),  # unknown: last, in provider and id order
        ("openai", "gpt-4o-mini"),
    ]
    with pytest.raises(SystemExit) as exit_code:
        main(["models", "--sort", "popularity"])
    assert exit_code.value.code == 2
    assert "invalid choice: 'popularity'" in capsys.readouterr().err


def test_json_records_are_the_catalogs(dumps, capsys):
    code, out, _ = run(capsys, "models", "--json", "venice")
    assert code == 0
    assert json.loads(out) == [
        {
            "provider": "venice",
            "id": "qwen3-235b",
            "name": "Qwen 3 235B",
            "input_price": "0.9",
            "output_price": "4.5",
            "cache_read_price": "0.45",
            "cache_write_price": None,
            "context_length": 131072,
            "max_output_tokens": 32768,
            "input_modalities": ["audio", "text"],
            "output_modalities": None,
            "tools": True,
            "vision": False,
            "reasoning": True,
            "deprecation_date": "2026-06-01",
        },
        {
            "provider": "venice",
            "id": "venice-sd35",
            "name": "Venice SD35",
            **dict.fromkeys(
                [
                    "input_price",
                    "output_price",
                    "cache_read_price",
                    "cache_write_price",
                    "context_length",
                    "max_output_tokens",
                    "input_modalities",
                    "output_modalities",
                    "tools",
                    "vision",
                    "reasoning",
                    "deprecation_date",
                ]
            ),
        },
    ]


def test_csv_has_a_header_empty_unknowns_and_no_formula(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    hostile = {"data": [{"id": '=HYPERLINK("http://x")', "name": "@SUM(1)", "context_length": 8}]}
    write_dumps(tmp_path / "models", {"my-proxy": hostile, "requesty": REQUESTY})
    code, out, _ = run(capsys, "models", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["id"] for row in rows] == [
        '\'=HYPERLINK("http://x")',
        "anthropic/claude-sonnet-4.5",
        "openai/gpt-4o",
    ]
    assert rows[0]["name"] == "'@SUM(1)" and rows[0]["context_length"] == "8"
    gpt = rows[2]
    assert (gpt["input_price"], gpt["cache_write_price"], gpt["vision"]) == ("2.5", "", "true")
    assert gpt["reasoning"] == "false" and gpt["tools"] == ""


def test_files_that_are_not_dumps_are_skipped(dumps, capsys):
    (dumps / "catalog.json").write_text('{"version": 1, "models": []}\n')  # the tool's own
    (dumps / "changes.jsonl").write_text('{"provider": "x"}\n')
    (dumps / "feeds").mkdir()
    (dumps / "feeds" / "openrouter.json").write_text("{}")
    (dumps / "notes.json").write_text('{"todo": "ask for keys"}\n')
    (dumps / "broken.json").write_text('{"data": [')
    (dumps / "odd.json").mkdir()  # a directory named like a dump
    (dumps / "nan.json").write_text('{"data": [{"id": "x", "context_length": NaN}]}')
    code, out, err = run(capsys, "models", "--json")
    assert code == 0
    providers = {record["provider"] for record in json.loads(out)}
    assert not providers & {"catalog", "changes", "feeds", "notes", "broken", "odd", "nan"}
    assert err.splitlines() == [
        "models/broken.json: skipped: not valid JSON (line 1): Expecting value",
        "models/nan.json: skipped: not a dump: it holds NaN, which strict JSON does not allow",
        "models/notes.json: skipped: no model list (a top-level array, data or models)",
    ]


def test_the_default_directory_is_the_configs_output_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_dumps(tmp_path / "listings", {"requesty": REQUESTY})
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text("output_dir: listings\n")
    assert ids(capsys) == [
        ("requesty", "anthropic/claude-sonnet-4.5"),
        ("requesty", "openai/gpt-4o"),
    ]
    code, _, err = run(capsys, "models", "--dir", "nowhere")
    assert (
        code == 2
        and err
        == "dump-models: error: nowhere: no such directory; pass --dir, the dumps' directory\n"
    )


# --- cost and check ---------------------------------------------------------------------


def test_cost_is_exact_with_its_breakdown(dumps, capsys):
    code, out, err = run(
        capsys,
        "cost",
        "openrouter",
        "anthropic/claude-sonnet-4.5",
        "--input",
        "1000",
        "--output",
        "500",
        "--cached",
        "400",
    )
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "openrouter anthropic/claude-sonnet-4.5: 0.00942 USD",
        "  input   600 tokens ×   3 USD/1M =  0.0018 USD",
        "  cached  400 tokens × 0.3 USD/1M = 0.00012 USD",
        "  output  500 tokens ×  15 USD/1M =  0.0075 USD",
    ]


def test_cost_without_a_cache_price_charges_cached_tokens_at_the_input_price(dumps, capsys):
    argv = ["cost", "requesty", "anthropic/claude-sonnet-4.5", "--input", "1k", "--output", "0"]
    code, out, _ = run(capsys, *argv, "--cached", "400", "--json")
    assert code == 0
    assert json.loads(out) == {
        "provider": "requesty",
        "model": "anthropic/claude-sonnet-4.5",
        "currency": "USD",
        "tokens": {"input": 600, "cached": 400, "output": 0},
        "prices_per_million": {"input": "3", "cached": "3", "output": "15"},
        "cached_at_input_price": True,
        "cost": {"input": "0.0018", "cached": "0.0012", "output": "0", "total": "0.003"},
    }
    code, out, _ = run(capsys, *argv)
    assert "cached tokens at the input price" not in out  # no cached tokens, no note


def test_cost_is_exact_where_floats_are_not(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    model = {"id": "m", "pricing": {"prompt": "0.0000001", "completion": "0.0000002"}}
    write_dumps(tmp_path / "models", {"openrouter": {"data": [model]}})
    code, out, _ = run(capsys, "cost", "openrouter", "m", "--input", "3", "--output", "0", "--json")
    assert (
        json.loads(out)["cost"]["total"] == "0.0000003"
    )  # 3 * 0.1e-6; floats give 3.0000000000000004e-07


def test_cost_with_an_unknown_price_is_one_line_and_exit_1(dumps, capsys):
    code, out, err = run(capsys, "cost", "openai", "gpt-4o", "--input", "10", "--output", "1")
    assert code == 1 and out == ""
    assert (
        err == "dump-models: openai gpt-4o: input_price and output_price unknown in "
        "models/openai.json\n"
    )
    # An output price the request does not need may be unknown.
    code, out, _ = run(
        capsys, "cost", "vercel", "openai/text-embedding-3-small", "--input", "1m", "--output", "0"
    )
    assert code == 0 and out.startswith("vercel openai/text-embedding-3-small: 0.02 USD\n")


def test_cost_of_a_model_that_is_not_there_suggests_close_ids(dumps, capsys):
    code, out, err = run(
        capsys, "cost", "openrouter", "anthropic/claude-sonet-4.5", "--input", "1", "--output", "1"
    )
    assert code == 1 and out == ""
    assert err == (
        "dump-models: error: openrouter anthropic/claude-sonet-4.5: no such model in models; "
        "did you mean anthropic/claude-sonnet-4.5?\n"
    )
    code, _, err = run(capsys, "cost", "openroutr", "x", "--input", "1", "--output", "1")
    assert code == 1
    assert (
        err == "dump-models: error: openroutr: no dump of this provider in models; "
        "did you mean openrouter, openai?\n"
    )


def test_cost_checks_its_token_counts(dumps, capsys):
    base = ["cost", "requesty", "openai/gpt-4o", "--output", "1"]
    code, _, err = run(capsys, *base, "--input", "10", "--cached", "11")
    assert code == 2 and "--cached counts prompt tokens read from the cache" in err
    code, _, err = run(capsys, *base, "--input", "ten")
    assert code == 2 and "--input 'ten' is no token count" in err


def test_check_fits_or_not_and_says_the_limits_it_used(dumps, capsys):
    code, out, _ = run(
        capsys, "check", "gemini", "models/gemini-2.5-pro", "--tokens", "1m", "--output", "65536"
    )
    assert code == 0
    assert out.splitlines() == [
        "gemini models/gemini-2.5-pro: fits",
        "  prompt 1000000 tokens <= context_length 1048576: fits",
        "  output 65536 tokens <= max_output_tokens 65536: fits",
    ]
    code, out, _ = run(capsys, "check", "gemini", "models/gemini-2.5-pro", "--tokens", "2m")
    assert code == 1
    assert out.splitlines() == [
        "gemini models/gemini-2.5-pro: does not fit",
        "  prompt 2000000 tokens > context_length 1048576: too long",
    ]


def test_check_with_an_unknown_limit_says_so_and_exits_1(dumps, capsys):
    code, out, _ = run(
        capsys, "check", "openrouter", "openrouter/auto", "--tokens", "10", "--output", "10"
    )
    assert code == 1
    assert out.splitlines() == [
        "openrouter openrouter/auto: cannot tell: a limit is unknown",
        "  prompt 10 tokens <= context_length 2000000: fits",
        "  output 10 tokens: max_output_tokens unknown",
    ]
    code, out, _ = run(
        capsys, "check", "openrouter", "openrouter/auto", "--tokens", "3m", "--output", "1"
    )
    assert code == 1 and out.startswith("openrouter openrouter/auto: does not fit\n")


# --- catalog and export -----------------------------------------------------------------


def test_catalog_is_every_record_in_one_document(dumps, capsys, tmp_path):
    code, out, _ = run(capsys, "catalog")
    assert code == 0
    document = json.loads(out)
    assert document["version"] == 1
    assert document["providers"] == sorted(document["providers"])
    pairs = [(m["provider"], m["id"]) for m in document["models"]]
    assert pairs == sorted(pairs) and len(pairs) == len(set(pairs)) == 37
    code, out2, _ = run(capsys, "catalog", "--output", "out/catalog.json")
    assert code == 0 and out2 == ""
    assert (tmp_path / "out/catalog.json").read_text(encoding="utf-8") == out  # the same bytes


def test_export_litellm_keys_and_fields(dumps, capsys):
    code, out, _ = run(capsys, "export", "--format", "litellm")
    assert code == 0
    cost_map = json.loads(out)
    assert list(cost_map) == sorted(cost_map)
    assert cost_map["openrouter/anthropic/claude-sonnet-4.5"] == {
        "litellm_provider": "openrouter",
        "mode": "chat",
        "input_cost_per_token": 3e-06,
        "output_cost_per_token": 1.5e-05,
        "cache_read_input_token_cost": 3e-07,
        "cache_creation_input_token_cost": 3.75e-06,
        "max_input_tokens": 1000000,
        "supports_function_calling": True,
        "supports_vision": True,
        "supports_reasoning": True,
        "supported_modalities": ["image", "text"],  # "file" is no LiteLLM modality
        "supported_output_modalities": ["text"],
    }
    assert cost_map["anthropic/claude-3-7-sonnet-20250219"] == {
        "litellm_provider": "anthropic",
        "mode": "chat",
        "max_tokens": 64000,
        "max_output_tokens": 64000,
        "max_input_tokens": 200000,
        "supports_vision": True,
        "supports_reasoning": True,
        "deprecation_date": "2026-02-19",
    }
    # LiteLLM's provider names; Gemini's ids without "models/"; a provider LiteLLM does not
    # know keeps its name.
    assert {key.split("/")[0] for key in cost_map} >= {
        "together_ai",
        "fireworks_ai",
        "veniceai",
        "vercel_ai_gateway",
        "requesty",
    }
    assert cost_map["gemini/gemini-2.5-pro"]["max_input_tokens"] == 1048576
    # No cache price in the listing: the input price, as `cost` charges it.
    gpt = cost_map["requesty/openai/gpt-4o"]
    assert gpt["cache_creation_input_token_cost"] == gpt["input_cost_per_token"] == 2.5e-06
    assert gpt["cache_read_input_token_cost"] == 1.25e-06
    assert "input_cost_per_token" not in cost_map["openai/gpt-4o"]  # unknown: left out
    modes = {key: entry["mode"] for key, entry in cost_map.items() if entry["mode"] != "chat"}
    assert modes == {
        "cohere/embed-v4.0": "embedding",
        "gemini/text-embedding-004": "embedding",
        "github/openai/text-embedding-3-large": "embedding",
        "together_ai/BAAI/bge-base-en-v1.5": "embedding",
        "veniceai/venice-sd35": "image_generation",
        "vercel_ai_gateway/openai/text-embedding-3-small": "embedding",
    }


def test_diff_leaves_the_catalog_alone(dumps, capsys, tmp_path):
    assert run(capsys, "catalog", "--output", "models/catalog.json")[0] == 0
    old = write_dumps(tmp_path / "old", {"requesty": REQUESTY})
    (old / "catalog.json").write_text('{"version": 1, "providers": [], "models": []}\n')
    code, out, err = run(capsys, "diff", "old", "models", "--json")
    assert code == 0, err
    assert "catalog" not in json.loads(out)["providers"]


def test_a_provider_cannot_be_named_like_the_tools_own_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text(
        "providers:\n  catalog:\n    endpoint: https://example.com/v1\n"
    )
    code, out, err = run(capsys, "run", "--dry-run")
    assert code == 2 and out == ""
    assert "provider name 'catalog' is not valid: catalog.json is the tool's own file" in err


def test_a_record_is_its_fields_in_order_one_a_line(dumps, capsys):
    from dump_models.normalize import NORMALIZED_FIELDS

    code, out, _ = run(capsys, "models", "--json", "groq")
    lines = out.splitlines()
    assert (lines[0], lines[-1], len(lines)) == ("[", "]", 4)  # one record a line
    assert list(json.loads(lines[1].rstrip(","))) == ["provider", "id", "name", *NORMALIZED_FIELDS]
    code, out, _ = run(capsys, "catalog")
    lines = out.splitlines()
    assert lines[:4] == ["{", '  "version": 1,', lines[2], '  "models": [']
    assert lines[-2:] == ["  ]", "}"] and len(lines) == 4 + 37 + 2


def test_nothing_passes_the_filters(dumps, capsys):
    code, out, err = run(capsys, "models", "--ctx", "100m")
    assert (code, out, err) == (0, "", "no model in models passes these filters\n")
    assert run(capsys, "models", "--ctx", "100m", "--json")[1] == "[]\n"
    assert run(capsys, "models", "--ctx", "100m", "--csv")[1].count("\n") == 1  # the header
