"""What the in-use search costs next to ``git grep -F`` on the same files.

Builds a repository of 10,000 tracked files (Python, YAML and Markdown, about 60 lines each,
~25 MB) in a temporary directory, commits it, and looks for 500 model ids, OpenRouter-style
(``vendor/name-1.5-pro``) and bare (``name-1.5-pro``). Two shapes:

- sparse: a few lines name a model, a few more hold near misses (``name-1.5-pro-mini``);
- dense: also 200 files that name a model on every line (copies of a model price list), ~25,000
  hit lines: ``git grep`` slows down sharply on such files when it prints lines for many
  patterns (it looks ahead for each pattern after each matching line);
- price list: a repository of one 1 MB JSON price list naming a model every 15 lines (git
  grep timed once: it takes ~30 s).

Times, best of 5:

- floor: ``git grep -F -f <ids> <commit>`` over the same files (reading the same blobs);
- worktree: ``git grep -F -f <ids>`` on the checked-out files, for reference;
- search: ``usage.find_usage`` (``git grep -l -F`` lists the files, then the rule is checked on
  their lines in Python).

Run: ``python benchmarks/bench_usage.py``.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
import time
from pathlib import Path

from dump_models.usage import find_usage

FILES = 10_000
IDS = 500
REPEATS = 5
WORDS = "self return value config model client request import def class for in if the a".split()


def _ids() -> list[tuple[str, str]]:
    vendors = ["openai", "anthropic", "google", "meta-llama", "mistralai", "qwen", "deepseek"]
    models = []
    for i in range(IDS):
        name = f"{random.choice(['chat', 'coder', 'vision', 'pro', 'flash'])}-{i}.{i % 7}-latest"
        if i % 2:
            models.append(("openrouter", f"{random.choice(vendors)}/{name}"))
        else:
            models.append((random.choice(["openai", "mistral", "groq"]), name))
    return models


def _line(ids: list[str], chance: float) -> str:
    words = " ".join(random.choice(WORDS) for _ in range(random.randint(4, 10)))
    roll = random.random()
    if roll < chance:
        return f'{words} = "{random.choice(ids)}"'
    if roll < 2 * chance:
        return f"{words} {random.choice(ids)}-mini"  # a near miss: git grep finds it, the rule not
    return words


def _price_list(ids: list[str]) -> str:
    """One 1 MB JSON price list naming 100 of the ids, a model every 15 lines."""
    lines = []
    for index in range(30_000):
        if index % 15 == 0:
            lines.append(f'  "{random.choice(ids[:100])}": {{')
        else:
            lines.append('    "input_cost_per_token": 1e-06,')
    return "\n".join(lines)


def build(root: Path, models: list[tuple[str, str]], shape: str) -> str:
    ids = [model for _provider, model in models]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    suffixes = [".py", ".yaml", ".md"]
    dense = shape == "dense"
    if shape == "price list":
        (root / "prices.json").write_text(_price_list(ids) + "\n")
    for index in range(FILES if shape != "price list" else 0):
        folder = root / f"pkg{index % 100}"
        folder.mkdir(exist_ok=True)
        if dense and index % 50 == 0:
            # A vendored catalog: every line names a model.
            text = "\n".join(f'  "{random.choice(ids)}": {{"input": 0.5}},' for _ in range(125))
        else:
            text = "\n".join(_line(ids, 0.002) for _ in range(60))
        (folder / f"file{index}{suffixes[index % 3]}").write_text(text + "\n")
    env = ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "gc.auto=0"]
    subprocess.run(["git", *env, "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", *env, "commit", "-qm", "files"], cwd=root, check=True)
    subprocess.run(["git", "repack", "-adq"], cwd=root, check=True)  # a pack, as a clone has
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    return head.stdout.strip()


def _best(function, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _grep(root: Path, patterns: bytes, *rev: str) -> None:
    subprocess.run(
        ["git", "grep", "-F", "-f", "-", *rev],
        cwd=root,
        input=patterns,
        stdout=subprocess.DEVNULL,
        check=False,
    )


def main() -> None:
    random.seed(7)
    models = _ids()
    patterns = "\n".join(sorted({m for _p, m in models})).encode() + b"\n"
    print("shape | hit lines | models named | floor s | worktree s | search s | search × floor")
    print("--- | ---: | ---: | ---: | ---: | ---: | ---:")
    for shape in ("sparse", "dense", "price list"):
        # git grep takes ~30 s on the price list: once is enough to see it.
        repeats = 1 if shape == "price list" else REPEATS
        with tempfile.TemporaryDirectory(prefix="bench-usage-") as tmp:
            root = Path(tmp)
            head = build(root, models, shape)
            hit_lines = subprocess.run(
                ["git", "grep", "-F", "-c", "-f", "-", head],
                cwd=root,
                input=patterns,
                capture_output=True,
            ).stdout
            lines = sum(int(row.rsplit(b":", 1)[1]) for row in hit_lines.splitlines())
            found = find_usage(root, head, ["**"], models)
            floor = _best(lambda root=root, head=head: _grep(root, patterns, head), repeats)
            worktree = _best(lambda root=root: _grep(root, patterns), repeats)
            search = _best(lambda root=root, head=head: find_usage(root, head, ["**"], models))
            print(
                f"{shape} | {lines:,} | {len(found)} | {floor:.3f} | {worktree:.3f} | "
                f"{search:.3f} | {search / floor:.2f}"
            )


if __name__ == "__main__":
    main()
