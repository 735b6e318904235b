"""Benchmark: is a run's memory bounded by the provider limits, not by what the server sends?

A loopback provider serves N pages of 1 MiB each (links.next paging), of OpenRouter-shaped
models (about 1 kB each) or of `{}` (the dearest JSON to parse per byte). Each `dump-models
run` goes in a child process of its own, which reports its peak RSS (VmHWM: unlike ru_maxrss,
it does not start from the parent's peak when the child is spawned). The floor,
measured in the same run, is a child that imports everything a run imports and does nothing.

With the default limits (README, "Limits") a provider sending 100 or 300 pages is stopped at
the same point, so the peak must not grow from 100 to 300 pages, and must stay under the floor
plus the stated bound of one fetched listing (100 bytes per JSON value). One more row shows a
listing under the limits that is written: processing it (canonical copy, comparison, JSON
text) costs a multiple of the fetched listing, reported as a factor.

Run: python benchmarks/bench_limits.py   (about 20 s)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from provider_server import (  # noqa: E402
    ProviderServer,
    empty_object,
    filler_pages,
    long_text_model_json,
    openrouter_model_json,
)

from dump_models.limits import DEFAULT_LIMITS  # noqa: E402

MIB = 1024 * 1024
# The README's bound of one fetched listing: at most about 100 bytes of memory per counted
# JSON value (measured: 40 for `[]`, 70 for `{}`, up to 100 for objects with unique keys),
# plus the text of its strings (at most max_listing_bytes of ASCII text).
BYTES_PER_VALUE = 100
BOUND = DEFAULT_LIMITS.max_listing_values * BYTES_PER_VALUE + DEFAULT_LIMITS.max_listing_bytes

# The child: everything `run` imports, then (unless told to idle) one `run`; prints its peak.
CHILD = """
import re, sys
import json, requests, yaml
from dump_models import cli, config, fetch, http, runner, canonical, diff, report
code = 0 if sys.argv[1] == "idle" else cli.main(sys.argv[1:])
status = open("/proc/self/status").read()
print("peak_kib", re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1), flush=True)
"""

# (what each page holds, its models, pages served, page size); 25 pages of OpenRouter-shaped
# models stay under the default limits and are written, the others are stopped by
# max_listing_values (the last: one 60 MiB page of `{}`, refused before it is parsed).
WRITTEN = ("OpenRouter-shaped", openrouter_model_json, 25, MIB)
STOPPED = [
    ("OpenRouter-shaped", openrouter_model_json, 100, MIB),
    ("OpenRouter-shaped", openrouter_model_json, 300, MIB),
    ("`{}`", empty_object, 100, MIB),
    ("`{}`", empty_object, 300, MIB),
    ("`{}`", empty_object, 1, 60 * MIB),
    ("100 kB strings", long_text_model_json, 300, MIB),  # stopped by max_listing_bytes
]


def child(args: list[str], cwd: Path) -> tuple[float, str]:
    """Run the child; its peak RSS in MiB and the line `run` printed for the provider."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("peak_kib "))
    return peak / 1024, (lines[0].split(": ", 1)[1] if len(lines) > 1 else "")


def main() -> int:
    """Measure, print a table; exit 1 if a stopped run passes floor + bound or grows."""
    rows = []
    with ProviderServer() as server, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        floor, _ = child(["idle"], work)
        for n, (label, item, pages, size) in enumerate([WRITTEN, *STOPPED]):
            server.route(f"/p{n}/models", filler_pages(size, pages=pages, item=item))
            (work / f"c{n}.yml").write_text(
                f"providers:\n  p{n}:\n    endpoint: {server.url}/p{n}\n"
                "    auth: none\n    paging: links_next\n"
            )
            args = ["run", "--config", f"c{n}.yml", "--output-dir", f"out{n}", "--fail-on", "never"]
            peak, outcome = child(args, work)
            served = len(server.requests_to(f"/p{n}/models"))
            rows.append((f"{label} x{pages} of {size // MIB} MiB", served, peak, outcome))

    print(f"floor: a child importing everything `run` imports: {floor:.0f} MiB")
    print(
        f"bound of one fetched listing: {DEFAULT_LIMITS.max_listing_values:,} values x "
        f"{BYTES_PER_VALUE} B + {DEFAULT_LIMITS.max_listing_bytes // MIB} MiB of text "
        f"= {BOUND / MIB:.0f} MiB"
    )
    print()
    header = f"{'pages served':>36}  {'read':>4}  {'peak MiB':>8}  {'x floor':>7}"
    print(f"{header}  {'(peak-floor)/bound':>18}  outcome")
    ok = True
    for index, (label, served, peak, outcome) in enumerate(rows):
        share = (peak - floor) * MIB / BOUND
        if index:  # stopped by a limit: must stay under the bound
            ok &= share <= 1.0
        print(
            f"{label:>36}  {served:>4}  {peak:>8.0f}  {peak / floor:>7.2f}  "
            f"{share:>18.2f}  {outcome[:100]}"
        )
    print()
    peaks = {row[0]: row[2] for row in rows}
    for label in ("OpenRouter-shaped", "`{}`"):
        growth = peaks[f"{label} x300 of 1 MiB"] / peaks[f"{label} x100 of 1 MiB"]
        ok &= growth <= 1.1
        print(f"{label}: peak with 300 pages / with 100 pages = {growth:.2f}")
    # The written listing against what fetching the same pages costs (pages stopped later
    # cost the same per page until the limit): processing's own multiple.
    per_page = (rows[1][2] - floor) / rows[1][1]
    factor = (rows[0][2] - floor) / (per_page * rows[0][1])
    print(f"written listing: peak over floor = {factor:.1f}x its fetched size (processing)")
    print("ok" if ok else "MISSED: a stopped run grew past the bound or with the pages served")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
