"""How long ``dump-models history`` takes next to merely reading the same versions from git.

Builds a repository (one ``git fast-import``) whose ``models/openrouter.json`` has COMMITS
versions of an OpenRouter-shaped listing of about 1 MB; each commit reprices a few models,
adds and removes one or two, and changes routing details (churn, no event) in a few more.
Then times, best of REPEATS, alternately:

- floor: one ``git cat-file --batch`` fed the COMMITS blob ids (known beforehand) and a
  ``json.loads`` of each version;
- history: ``history_events`` on the directory, everything included (``rev-parse``, the
  first-parent ``log --raw``, the streamed ``cat-file --batch``, reading and checking each
  version, the events).

Run: ``python benchmarks/bench_history.py`` (about a minute; ~1 GB of disk in a temporary
directory while it runs).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dump_models.canonical import dumps
from dump_models.history import history_events

COMMITS = 300
MODELS = 420
REPEATS = 3
START = 1767225600  # 2026-01-01T00:00:00Z


def _model(rng: random.Random, index: int) -> dict:
    prompt = rng.choice(["0.00000025", "0.000001", "0.000003", "0.0000005", "0"])
    return {
        "id": f"vendor{index % 40}/model-{index}",
        "canonical_slug": f"vendor{index % 40}/model-{index}-20250101",
        "name": f"Vendor {index % 40}: Model {index}",
        "created": 1700000000 + index * 3600,
        "description": "A synthetic model used to benchmark the history of a listing. " * 30,
        "context_length": rng.choice([8192, 32768, 131072, 1048576]),
        "architecture": {
            "modality": "text+image->text",
            "input_modalities": ["text", "image"] if index % 3 else ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": prompt,
            "completion": "0.000002",
            "request": "0",
            "image": "0",
            "input_cache_read": "0.000000025",
        },
        "top_provider": {
            "context_length": 131072,
            "max_completion_tokens": rng.choice([4096, 8192, 32768]),
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature", "tools", "top_p"],
    }


def _versions(rng: random.Random) -> list[bytes]:
    """COMMITS versions of the listing, each a few changes from the one before."""
    models = {m["id"]: m for m in (_model(rng, i) for i in range(MODELS))}
    next_index = MODELS
    versions = []
    for _ in range(COMMITS):
        ids = sorted(models)
        for model_id in rng.sample(ids, 3):  # repriced
            models[model_id] = json.loads(json.dumps(models[model_id]))
            models[model_id]["pricing"]["prompt"] = f"0.000000{rng.randint(10, 99)}"
        for model_id in rng.sample(ids, 8):  # routing churn: no event
            models[model_id] = json.loads(json.dumps(models[model_id]))
            models[model_id]["top_provider"]["max_completion_tokens"] = rng.randint(1000, 9000)
        for model_id in rng.sample(ids, rng.randint(1, 2)):  # removed
            del models[model_id]
        for _ in range(rng.randint(1, 2)):  # added
            model = _model(rng, next_index)
            models[model["id"]] = model
            next_index += 1
        document = {"data": [models[key] for key in sorted(models)]}
        versions.append(dumps(document).encode("utf-8"))
    return versions


def _build(repo: Path, versions: list[bytes]) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    process = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE)
    assert process.stdin is not None
    write = process.stdin.write
    for number, data in enumerate(versions):
        write(b"blob\nmark :%d\ndata %d\n" % (2 * number + 1, len(data)) + data + b"\n")
        message = b"update %d" % number
        write(b"commit refs/heads/main\nmark :%d\n" % (2 * number + 2))
        write(b"committer Bench <b@example.com> %d +0000\n" % (START + number * 3600))
        write(b"data %d\n%s\n" % (len(message), message))
        if number:
            write(b"from :%d\n" % (2 * number))
        write(b"M 100644 :%d models/openrouter.json\n\n" % (2 * number + 1))
    process.stdin.close()
    if process.wait() != 0:
        sys.exit("git fast-import failed")
    (repo / "models").mkdir()


def _floor(repo: Path, shas: list[str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
    process.stdin.close()  # 300 lines of 41 bytes: fits in the pipe
    for _ in shas:
        size = int(process.stdout.readline().split()[2])
        json.loads(process.stdout.read(size))
        process.stdout.read(1)
    process.wait()
    return time.perf_counter() - start


def _history(repo: Path) -> tuple[float, int]:
    start = time.perf_counter()
    events = history_events(repo / "models")
    return time.perf_counter() - start, len(events)


def main() -> None:
    versions = _versions(random.Random(7))
    size = sum(map(len, versions)) / len(versions)
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        repo = Path(tmp) / "repo"
        _build(repo, versions)
        del versions
        log = subprocess.run(
            ["git", "log", "--format=", "--raw", "--no-abbrev"],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        )
        shas = [line.split()[3] for line in log.stdout.splitlines() if line.startswith(":")]
        floors, histories, count = [], [], 0
        for _ in range(REPEATS):
            floors.append(_floor(repo, shas))
            seconds, count = _history(repo)
            histories.append(seconds)
    floor, history = min(floors), min(histories)
    print(f"{COMMITS} versions of a {size / 1e6:.2f} MB listing, {count} events")
    print(f"| what | time (best of {REPEATS}) | × floor |")
    print("| --- | --- | --- |")
    print(f"| floor: one `cat-file --batch` + `json.loads` | {floor:.2f} s | 1.00 |")
    print(f"| `dump-models history` | {history:.2f} s | **{history / floor:.2f}** |")


if __name__ == "__main__":
    main()
