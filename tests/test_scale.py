"""Scale (docs/scale.md): memory bounded by the listings in flight, unchanged listings cost no
diff, processing in worker processes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import signal
import threading
import time
from pathlib import Path

from provider_server import (
    ProviderServer,
    Reply,
    make_target,
    openai_models,
    openai_style,
    slow,
)

from dump_models.config import load_settings
from dump_models.diff import compare_listings
from dump_models.fetch import fetch_all
from dump_models.inputs import Inputs
from dump_models.runner import FileVersions, file_digest, run
from dump_models.workers import CRASHED, MIN_LISTINGS, worker_count

FAST = {"timeout": 5, "retries": 0, "backoff": 0.01}


def test_fetch_all_holds_no_more_listings_than_its_concurrency():
    # While the caller is busy with one listing, fetching goes on only up to `concurrency`
    # listings not yet handed over: a slow caller does not pile up every provider's listing.
    names = [f"p{i}" for i in range(12)]
    with ProviderServer() as server:
        for name in names:
            server.route(f"/{name}/models", openai_style(openai_models(2, name)))
        targets = [make_target(name, server, prefix=f"/{name}") for name in names]
        seen_while_busy: list[int] = []
        released = threading.Event()

        def on_result(result):
            if not seen_while_busy:
                released.wait(0.5)  # time enough for every fetch to start if nothing held it
                seen_while_busy.append(len(server.requests))

        results = fetch_all(targets, concurrency=3, on_result=on_result, **FAST)
    assert all(result.ok for result in results.values())
    assert seen_while_busy and seen_while_busy[0] <= 3


# --- unchanged listings --------------------------------------------------------------------


def config_for(tmp_path, server, names, **fields) -> Path:
    lines = ["providers:"]
    for name in names:
        extra = "".join(f", {key}: {value}" for key, value in fields.items())
        lines.append(f"  {name}: {{endpoint: '{server.url}/{name}', auth: none{extra}}}")
    path = tmp_path / "c.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def settings_for(tmp_path, config: Path, **inputs):
    return load_settings(Inputs(config=config.name, **inputs), environ={}, workspace=tmp_path)


def test_a_listing_equal_to_its_file_is_unchanged_with_its_counts_and_the_file_untouched(tmp_path):
    # Two models share an id and are the same model (paging overlap): one model, as the diff
    # counts them.
    models = [*openai_models(3, "a"), openai_models(1, "a")[0]]
    with ProviderServer() as server:
        server.route("/a/models", openai_style(models))
        settings = settings_for(tmp_path, config_for(tmp_path, server, ["a"]))
        first = run(settings, emit=lambda line: None)
        path = tmp_path / "models" / "a.json"
        before = path.stat()
        again = run(settings, emit=lambda line: None)
    [report] = again.reports
    assert first.reports[0].status == "new"
    assert report == compare_listings("a", models, models)  # what a diff would have said
    assert (report.status, report.models_before, report.models_after) == ("unchanged", 3, 3)
    digest = file_digest(path.read_bytes())
    assert again.versions == {"a": FileVersions(digest, digest)}
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_file_holding_the_same_models_in_another_form_is_compared_and_rewritten(tmp_path):
    models = openai_models(3, "a")
    path = tmp_path / "models" / "a.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"data": models[::-1], "object": "list"}) + "\n")  # not canonical
    with ProviderServer() as server:
        server.route("/a/models", openai_style(models))
        settings = settings_for(tmp_path, config_for(tmp_path, server, ["a"]))
        result = run(settings, emit=lambda line: None)
    [report] = result.reports
    assert (report.status, report.models_before, report.models_after) == ("unchanged", 3, 3)
    written = path.read_bytes()
    assert written.startswith(b'{\n  "object": "list",\n  "data": [\n')
    assert result.versions["a"].after == file_digest(written) != result.versions["a"].before


def test_an_empty_listing_equal_to_its_empty_file_is_still_guarded(tmp_path):
    path = tmp_path / "models" / "a.json"
    path.parent.mkdir()
    path.write_text('{\n  "object": "list",\n  "data": []\n}\n')
    with ProviderServer() as server:
        server.route("/a/models", openai_style([]))
        settings = settings_for(tmp_path, config_for(tmp_path, server, ["a"]))
        [report] = run(settings, emit=lambda line: None).reports
    assert report.status == "guarded" and report.error.startswith("empty listing")


def test_a_fifo_where_a_dump_goes_fails_that_provider_and_is_never_read(tmp_path):
    # Reading a FIFO would wait for a writer for ever: the previous file is read only when it
    # is a regular file.
    (tmp_path / "models").mkdir()
    os.mkfifo(tmp_path / "models" / "a.json")
    with ProviderServer() as server:
        for name in ("a", "b"):
            server.route(f"/{name}/models", openai_style(openai_models(2, name)))
        settings = settings_for(tmp_path, config_for(tmp_path, server, ["a", "b"]))
        done: list = []
        worker = threading.Thread(
            target=lambda: done.append(run(settings, emit=lambda line: None)), daemon=True
        )
        worker.start()
        worker.join(20)
    assert done, "the run hung on the FIFO"
    reports = {report.name: report for report in done[0].reports}
    assert reports["a"].status == "failed"
    assert reports["a"].error.startswith("cannot write its file: ")
    assert "is a FIFO, not a regular file" in reports["a"].error
    assert reports["b"].status == "new"


# --- worker processes ----------------------------------------------------------------------

CANARY = "sk-CANARY-scale-worker-0123456789"


def padded(name: str, count: int = 1000) -> list[dict]:
    """About 1 MB of models: enough for a few to make a run start its workers."""
    return [{"id": f"{name}-{i:04d}", "pad": "x" * 1000} for i in range(count)]


def test_workers_know_the_runs_secrets_and_redact_what_they_write(tmp_path):
    # Providers that echo their query key into the listing: the worker processes writing
    # most of these dumps (the first 4 MiB are processed before workers start) must know the
    # key to hide it.
    names = [f"p{i}" for i in range(10)]
    assert worker_count(len(names)) > 0, "this machine has one core: no worker processes"

    def echo(request):
        models = [{**m, "seen": request.query.get("key")} for m in padded(request.path[1:3])]
        return Reply(200, {"data": models})

    with ProviderServer() as server:
        for name in names:
            server.route(f"/{name}/models", echo)
        lines = ["providers:"] + [
            f"  {n}: {{endpoint: '{server.url}/{n}', auth: 'query:key', api_key_env: P_KEY}}"
            for n in names
        ]
        (tmp_path / "c.yml").write_text("\n".join(lines) + "\n")
        settings = load_settings(
            Inputs(config="c.yml"), environ={"P_KEY": CANARY}, workspace=tmp_path
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        result = run(settings, emit=lambda line: None)
        workers_time = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before
    assert [r.status for r in result.reports] == ["new"] * len(names)
    assert workers_time > 0  # worker processes did part of the work
    for name in names:
        text = (tmp_path / "models" / f"{name}.json").read_text()
        assert CANARY not in text and '"seen": "***"' in text


def _workers_of(pid: int) -> dict[int, int]:
    """The worker processes (multiprocessing's spawn children) of ``pid``: their RSS in MiB."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        rss = re.search(r"VmRSS:\s*(\d+) kB", status)
        if parent == pid and b"spawn_main" in cmdline and rss:
            found[int(entry.name)] = int(rss.group(1)) // 1024
    return found


def test_a_worker_that_dies_fails_only_the_provider_it_was_processing(tmp_path):
    # Any worker process grown past 64 MiB is killed, as the kernel's OOM killer would kill
    # the largest process: only the victim's listing (60,000 models, ~95 MiB to process)
    # makes one that large; the others' stay near 32 MiB. The victim comes last (after 5 MB
    # of listings that make the run start its workers), is processed again alone, killed
    # again and fails with one line; every other provider is published.
    names = [f"p{i}" for i in range(MIN_LISTINGS)]
    assert worker_count(len(names) + 1) > 0, "this machine has one core: no worker processes"
    with ProviderServer() as server:
        victim = openai_style(openai_models(60_000, "victim"))
        server.route("/victim/models", slow(victim, 1.0))
        for i, name in enumerate(names):
            models = padded(name) if i < 5 else openai_models(2, name)
            server.route(f"/{name}/models", openai_style(models))
        settings = settings_for(tmp_path, config_for(tmp_path, server, ["victim", *names]))
        done: list = []
        runner = threading.Thread(
            target=lambda: done.append(run(settings, emit=lambda line: None)), daemon=True
        )
        runner.start()
        killed = 0
        deadline = time.monotonic() + 60
        while runner.is_alive() and time.monotonic() < deadline:
            for pid, rss in _workers_of(os.getpid()).items():
                if rss > 64:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                        killed += 1
            time.sleep(0.005)
        runner.join(1)
    assert done, "the run did not finish"
    reports = {report.name: report for report in done[0].reports}
    assert killed >= 2  # the victim's worker, then the process it was retried in alone
    assert reports["victim"].status == "failed"
    assert reports["victim"].error == CRASHED
    assert [reports[name].status for name in names] == ["new"] * len(names)
    assert not (tmp_path / "models" / "victim.json").exists()
