"""Benchmark: a run over 150 and 300 providers, against the work no run can avoid.

N loopback providers each serve a real-sized OpenRouter-shaped listing (420 models, about
720 kB, ``bench_report``'s models; each provider's ids its own). Each ``dump-models run`` goes
in a child process of its own, which reports its wall time and its peak RSS (VmHWM, as
``bench_limits`` reads it); the servers stay in this process.

- first run: into an empty directory;
- rerun: the same listings again, every file unchanged;
- rerun, 304: the servers send an ``ETag`` and answer ``If-None-Match`` with 304 (the
  workspace's ``.dump-models/http-cache.json`` from the first run).

The floor, measured in the same run in a child process on one core: for every provider,
``json.loads`` of its body, the models sorted by id, ``json.dumps`` two-space indented (the
work of reading, ordering and writing each listing once, nothing else).

Goals (docs/scale.md): first run within 2x the floor, the unchanged rerun no slower than the
first, peak RSS under 200 MB at 150 providers and at most 1.2x that at 300.

Run: python benchmarks/bench_scale.py [N ...]   (default 150 300; about 2 minutes)
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_report import BASE_MODELS, _model  # noqa: E402
from provider_server import ProviderServer, Reply, Request  # noqa: E402

MB = 1_000_000
SIZES = (150, 300)

# The child: one `dump-models run`, then its wall time and peak RSS.
RUN_CHILD = """
import re, sys, time
start = time.perf_counter()
from dump_models import cli
code = cli.main(sys.argv[1:])
seconds = time.perf_counter() - start
status = open("/proc/self/status").read()
print("result", seconds, re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1), code, flush=True)
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
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True
    )
    for line in done.stdout.splitlines():
        if line.startswith("result "):
            return line.split()[1:]
    raise SystemExit(f"child failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def run_child(work: Path, config: Path, output: str) -> tuple[float, float]:
    args = ["run", "--config", str(config), "--output-dir", output, "--fail-on", "never"]
    seconds, peak_kib, code = child(RUN_CHILD, args, work)
    if code != "0":
        raise SystemExit(f"run exited {code}")
    return float(seconds), int(peak_kib) / 1024


def measure(n: int, server: ProviderServer, work: Path) -> dict[str, float]:
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
    floor = float(child(FLOOR_CHILD, paths, work)[0])
    first, first_peak = run_child(work, plain, f"out{n}")
    rerun, rerun_peak = run_child(work, plain, f"out{n}")
    cache = work / ".dump-models"
    shutil.rmtree(cache, ignore_errors=True)
    run_child(work, tagged, f"tagged{n}")  # fills the validators
    not_modified, not_modified_peak = run_child(work, tagged, f"tagged{n}")
    megabytes = sum(p.stat().st_size for p in bodies.iterdir()) / MB
    return {
        "providers": n,
        "megabytes": megabytes,
        "floor": floor,
        "first": first,
        "first_peak": first_peak,
        "rerun": rerun,
        "rerun_peak": rerun_peak,
        "not_modified": not_modified,
        "not_modified_peak": not_modified_peak,
    }


def main(argv: list[str]) -> int:
    """Measure each size, print a table; exit 1 when a goal is missed."""
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    with ProviderServer() as server, tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            rows.append(measure(n, server, Path(tmp)))
    print(
        "| providers | JSON served | floor | first run | × floor | peak | unchanged rerun "
        "| × floor | × first | peak | rerun, 304 | × floor | peak |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['providers']} | {r['megabytes']:.0f} MB | {r['floor']:.2f} s "
            f"| {r['first']:.2f} s | {r['first'] / r['floor']:.2f} | {r['first_peak']:.0f} MiB "
            f"| {r['rerun']:.2f} s | {r['rerun'] / r['floor']:.2f} "
            f"| {r['rerun'] / r['first']:.2f} | {r['rerun_peak']:.0f} MiB "
            f"| {r['not_modified']:.2f} s | {r['not_modified'] / r['floor']:.2f} "
            f"| {r['not_modified_peak']:.0f} MiB |"
        )
    ok = all(
        r["first"] <= 2 * r["floor"]
        and r["rerun"] <= r["first"]
        and r["first_peak"] < 200 / 1.048576
        for r in rows
        if r["providers"] <= 150
    )
    if len(rows) > 1:
        growth = max(r["first_peak"] for r in rows) / rows[0]["first_peak"]
        print(
            f"\npeak RSS, {rows[-1]['providers']} / {rows[0]['providers']} providers: {growth:.2f}"
        )
        ok &= growth <= 1.2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
