"""``run``'s progress: on a terminal (a real pty) a line redrawn in place naming the slow
providers; plain lines in GitHub Actions and when not a terminal; never a control sequence
from a provider."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from provider_server import (
    ProviderServer,
    Reply,
    fixed,
    openai_models,
    openai_style,
    slow,
)

from dump_models.progress import Progress
from dump_models.results import ProviderReport

ROOT = Path(__file__).resolve().parent.parent
ERASE = b"\r\x1b[K"
HOSTILE = "\x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 ::error::x ##[group]y"


@pytest.fixture
def server():
    with ProviderServer() as srv:
        srv.route("/quick/models", openai_style(openai_models(2)))
        srv.route("/slowpoke/models", slow(openai_style(openai_models(3)), 1.6))
        srv.route("/broken/models", fixed(Reply(500, HOSTILE)))
        yield srv


def _workspace(tmp_path: Path, server: ProviderServer) -> Path:
    lines = ["providers:"]
    for name in ("quick", "slowpoke", "broken"):
        lines.append(f"  {name}: {{endpoint: '{server.url}/{name}', auth: none}}")
    lines.append("settings: {retries: 0, timeout: 10}")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/dump-models.yml").write_text("\n".join(lines) + "\n")
    return tmp_path


def _environ(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")
    environ = {name: os.environ[name] for name in keep if name in os.environ}
    return {**environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "COLUMNS": "100", **extra}


def run_on_a_terminal(cwd: Path, environ: dict[str, str]) -> tuple[int, bytes]:
    """``dump-models run`` with a pty as its stdout and stderr; every byte it wrote there."""
    master, child = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "dump_models", "run", "--fail-on", "never"],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    data = bytearray()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child side is closed
                break
            if not chunk:
                break
            data += chunk
    finally:
        os.close(master)
        code = process.wait(timeout=30)
    return code, bytes(data)


def _own_escapes_only(data: bytes) -> None:
    """The only escape sequence in the output is the tool's own erase-line."""
    assert b"\x1b" not in data.replace(ERASE, b""), data
    assert b"\x07" not in data


def test_a_terminal_shows_progress_redrawn_in_place(tmp_path, server):
    code, data = run_on_a_terminal(_workspace(tmp_path, server), _environ())
    assert code == 0, data
    text = data.decode("utf-8")
    # While slowpoke is fetched, the line says so, in place, with done / total.
    assert ERASE in data
    redraws = [part for part in text.split("\r\x1b[K") if "fetching: slowpoke" in part]
    assert redraws, text
    assert any(part.startswith("2/3 providers done; fetching: slowpoke (1 s)") for part in redraws)
    # The provider lines and the summary are whole lines, the progress line erased before each.
    assert "quick: fetched 2 models" in text and "slowpoke: fetched 3 models" in text
    assert "Done: 3 providers: 2 fetched, 1 failed; 2 files changed" in text
    # The summary, then the verdict (docs/risk.md): first listings are low.
    assert text.rstrip().endswith("+5 \u22120 ~0 models\r\nrisk: low")
    # The provider's escape sequences and workflow commands are printed as text.
    _own_escapes_only(data)
    assert "broken: failed: HTTP 500: \\x1b[2J\\x1b]8;;https://evil.example\\x07click" in text
    assert "##\\[group]y" in text


def test_github_actions_gets_plain_lines_even_on_a_terminal(tmp_path, server):
    code, data = run_on_a_terminal(_workspace(tmp_path, server), _environ(GITHUB_ACTIONS="true"))
    assert code == 0, data
    assert ERASE not in data
    assert b"\x1b" not in data and b"\r" not in data.replace(b"\r\n", b"")
    text = data.decode("utf-8")
    assert "slowpoke: fetched 3 models" in text
    assert "Done: 3 providers: 2 fetched, 1 failed; 2 files changed" in text


def test_not_a_terminal_gets_plain_lines(tmp_path, server):
    done = subprocess.run(
        [sys.executable, "-m", "dump_models", "run", "--fail-on", "never"],
        cwd=_workspace(tmp_path, server),
        env=_environ(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout + done.stderr and b"\r" not in done.stdout + done.stderr
    assert b"Done: 3 providers" in done.stdout


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_names_the_slow_providers_now_and_then():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(5, stream=stream, live=False, clock=clock, plain_every=30)
    for name in ("openrouter", "gemini", "groq", "mistral"):
        progress.started(name)
        clock.now += 1
    progress.tick()
    assert stream.getvalue() == ""  # nothing is due yet
    clock.now += 30
    progress.tick()
    progress.tick()  # once per interval
    assert stream.getvalue() == (
        "dump-models: 0/5 providers done; fetching: openrouter (34 s), gemini (33 s), "
        "groq (32 s), +1 more\n"
    )
    progress.finished(ProviderReport("openrouter", "unchanged"), "openrouter: fetched")
    progress.finished(ProviderReport("gemini", "unchanged"), "gemini: fetched")
    progress.finished(ProviderReport("groq", "unchanged"), "groq: fetched")
    clock.now += 30
    progress.tick()
    assert stream.getvalue().splitlines()[-1] == (
        "dump-models: 3/5 providers done; fetching: mistral (61 s)"
    )
