"""Benchmark: a run over 150 and 300 providers, against the work no run can avoid.

N loopback providers each serve a real-sized OpenRouter-shaped listing (420 models, about
535 kB, ``bench_report``'s models; each provider's ids its own). Each ``dump-models run`` goes
in a child process of its own, which reports its wall time, its CPU time and its workers',
and its peak RSS (VmHWM, as ``bench_limits`` reads it); the peak RSS of the run and its
workers together is sampled from here, where the servers are.

- first run: into an empty directory;
- rerun: the same listings again, every file unchanged;
- rerun, 304: the servers send an ``ETag`` and answer ``If-None-Match`` with 304 (the
  workspace's ``.dump-models/http-cache.json`` from the first run).

The floor, measured in the same run in a child process on one core: for every provider,
``json.loads`` of its body, the models sorted by id, ``json.dumps`` two-space indented (the
work of reading, ordering and writing each listing once, nothing else).

Goals: first run within 2x the floor, the unchanged rerun no slower than the first, peak RSS
of the run and its workers together under 200 MB at 150 providers and at most 1.2x that at
300 (README, Benchmarks, "Scale"; docs/scale.md says how).

Wall times are the best of three runs each (the machine may be shared), peaks the largest.

Run: python benchmarks/bench_scale.py [N ...]   (default 150 300; about 2.5 minutes)
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_report import BASE_MODELS, _model  # noqa: E402
from provider_server import ProviderServer, Reply, Request  # noqa: E402

MB = 1_000_000
SIZES = (150, 300)
REPEATS = 3  # each figure is the best of this many runs; peaks the largest

# The child: one `dump-models run`, then its wall time and peak RSS.
RUN_CHILD = """
import re, resource, sys, time
start = time.perf_counter()
from dump_models import cli
code = cli.main(sys.argv[1:])
seconds = time.perf_counter() - start
status = open("/proc/self/status").read()
peak = re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1)
me, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime
print("result", seconds, peak, workers.ru_maxrss, cpu, code, flush=True)
"""

# The floor's child: read, order and write every body once, on one core.
FLOOR_CHILD = """
import json, sys, time
bodies = [open(p, "rb").read() for p in sys.argv[1:]]
start = time.perf_counter()
for body in bodies:
    document = json.loads(body)
    document["data"].sort(key=lambda m: m["id"])
    json.dumps(document, indent=2, ensure_ascii=False)
print("result", time.perf_counter() - start, flush=True)
"""


def listing(provider: int) -> bytes:
    """One provider's listing body: 420 models whose ids are the provider's own."""
    rng = random.Random(provider)
    models = [_model(rng, i) for i in range(BASE_MODELS)]
    for model in models:
        model["id"] = f"p{provider}/{model['id']}"
    rng.shuffle(models)  # served in the provider's order, not sorted
    return json.dumps({"data": models}).encode("utf-8")


def serve(body: bytes, etag: bool):
    """A handler answering ``body`` (with an ETag, and 304 to a matching If-None-Match)."""
    tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def handle(request: Request) -> Reply:
        if etag and request.header("if-none-match") == tag:
            return Reply(304, b"", {"ETag": tag})
        return Reply(200, body, {"ETag": tag} if etag else {})

    return handle


def child(code: str, args: list[str], cwd: Path) -> list[str]:
    """Run a child; its result line's fields (the last is the peak of the process tree's RSS
    in KiB, sampled here every 10 ms: the run's process and its workers together)."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.01)
    out, err = process.communicate()
    for line in out.splitlines():
        if line.startswith("result "):
            return [*line.split()[1:], str(peak)]
    raise SystemExit(f"child failed:\n{out[-2000:]}\n{err[-2000:]}")


def tree_rss_kib(pid: int) -> int:
    """The RSS of ``pid`` and its children, in KiB (0 once it has ended)."""
    total = 0
    try:
        total += int(re.search(r"VmRSS:\s*(\d+)", Path(f"/proc/{pid}/status").read_text())[1])
        for task in Path(f"/proc/{pid}/task").iterdir():
            for kid in (task / "children").read_text().split():
                total += tree_rss_kib(int(kid))
    except (OSError, TypeError):  # ended meanwhile
        pass
    return total


class Run:
    """One `dump-models run` child: wall time, CPU time (its own and its workers'), peak RSS
    of the run's process, of its largest worker, and of all of them together, in MiB."""

    def __init__(self, work: Path, config: Path, output: str) -> None:
        args = ["run", "--config", str(config), "--output-dir", output, "--fail-on", "never"]
        seconds, peak_kib, worker_kib, cpu, code, tree_kib = child(RUN_CHILD, args, work)
        if code != "0":
            raise SystemExit(f"run exited {code}")
        self.seconds, self.cpu = float(seconds), float(cpu)
        self.peak, self.worker_peak = int(peak_kib) / 1024, int(worker_kib) / 1024
        self.tree_peak = int(tree_kib) / 1024


def measure(n: int, server: ProviderServer, work: Path) -> dict:
    """The floor, the first run, the reruns (plain and 304) for ``n`` providers."""
    bodies = work / f"bodies{n}"
    bodies.mkdir()
    lines = ["providers:"]
    for i in range(n):
        body = listing(i)
        (bodies / f"p{i}.json").write_bytes(body)
        server.route(f"/plain{i}/models", serve(body, etag=False))
        server.route(f"/etag{i}/models", serve(body, etag=True))
        lines.append(f"  p{i}: {{endpoint: '{server.url}/plain{i}', auth: none}}")
    plain = work / f"plain{n}.yml"
    plain.write_text("\n".join(lines) + "\n")
    tagged = work / f"etag{n}.yml"
    tagged.write_text("\n".join(lines).replace("/plain", "/etag") + "\n")

    paths = [str(p) for p in sorted(bodies.iterdir())]
    floor = min(float(child(FLOOR_CHILD, paths, work)[0]) for _ in range(REPEATS))
    firsts, reruns, not_modified = [], [], []
    for attempt in range(REPEATS):
        firsts.append(Run(work, plain, f"out{n}-{attempt}"))
        reruns.append(Run(work, plain, f"out{n}-{attempt}"))
    shutil.rmtree(work / ".dump-models", ignore_errors=True)
    Run(work, tagged, f"tagged{n}")  # writes the files and keeps the validators
    not_modified = [Run(work, tagged, f"tagged{n}") for _ in range(REPEATS)]
    first, rerun, cached = best(firsts), best(reruns), best(not_modified)
    megabytes = sum(p.stat().st_size for p in bodies.iterdir()) / MB
    return {
        "n": n,
        "mb": megabytes,
        "floor": floor,
        "first": first,
        "rerun": rerun,
        "304": cached,
    }


def best(runs: list[Run]) -> Run:
    """The fastest of ``runs`` (the machine is shared), with the largest peaks of them all."""
    fastest = min(runs, key=lambda run: run.seconds)
    fastest.tree_peak = max(run.tree_peak for run in runs)
    fastest.peak = max(run.peak for run in runs)
    fastest.worker_peak = max(run.worker_peak for run in runs)
    return fastest


def main(argv: list[str]) -> int:
    """Measure each size, print a table; exit 1 when a goal is missed."""
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    with ProviderServer() as server, tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            rows.append(measure(n, server, Path(tmp)))
    print(
        "| providers | JSON served | floor | run | wall | × floor | CPU × floor "
        "| peak: all processes | run's process | largest worker |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        for label in ("first", "rerun", "304"):
            run, floor = r[label], r["floor"]
            what = {"first": "first", "rerun": "unchanged", "304": "unchanged, 304"}[label]
            print(
                f"| {r['n']} | {r['mb']:.0f} MB | {floor:.2f} s | {what} | {run.seconds:.2f} s "
                f"| {run.seconds / floor:.2f} | {run.cpu / floor:.2f} | {run.tree_peak:.0f} MiB "
                f"| {run.peak:.0f} MiB "
                f"| {run.worker_peak:.0f} MiB |"
            )
    ok = True
    for r in rows:
        ok &= r["first"].seconds <= 2 * r["floor"] and r["rerun"].seconds <= r["first"].seconds
        ok &= max(r[label].tree_peak for label in ("first", "rerun", "304")) * 1.048576 < 200
        print(
            f"\n{r['n']} providers: unchanged rerun / first run = "
            f"{r['rerun'].seconds / r['first'].seconds:.2f}"
        )
    if len(rows) > 1:
        growth = rows[-1]["first"].tree_peak / rows[0]["first"].tree_peak
        print(f"peak RSS, all processes, {rows[-1]['n']} / {rows[0]['n']}: {growth:.2f}")
        ok &= growth <= 1.2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
