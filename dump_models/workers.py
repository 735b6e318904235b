"""Listings processed in worker processes, so that a run uses every core (docs/scale.md).

The run's process fetches (threads, mostly waiting on the network) and hands each listing to
a pool of processes, which canonicalize, compare and write it (``processing.processed``) and
send back its small report. At most :data:`PER_WORKER` listings per worker are handed over at
once: memory holds the listings in flight, not a queue of them. Each worker knows the run's
secrets (redaction works there as here). A worker that dies (killed, out of memory) fails
only the provider it was processing: the listings it took down with it are processed again,
each alone in a fresh process, and the one that kills its process again fails with one line.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from . import secrets
from .dumps import read_previous
from .processing import Processed, Processing, failed, listing_processed, one_line, processed
from .providers import ProviderSpec

if TYPE_CHECKING:  # a worker process needs no HTTP client
    from .fetch import FetchResult

MIN_LISTINGS = 8  # fewer listings are processed in the run's process: a worker costs a start
# Workers start once this much listing has been processed here (about a quarter of a second of
# work, as long as starting them takes): small runs never pay for a process start.
START_BYTES = 4 * 1024 * 1024
PER_WORKER = 2  # listings handed to each worker at once: one processed, one waiting
CRASHED = "its processing ended abruptly (the worker process died, e.g. out of memory)"

OnDone = Callable[[str, Processed, "FetchResult"], None]  # a provider's processing ended
Lost = tuple[ProviderSpec, "FetchResult"]  # a listing whose worker died before it finished


def worker_count(listings: int) -> int:
    """How many worker processes to process ``listings`` listings with; 0: none, in the
    run's process (one usable core, or too few listings for a process start to pay)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if cores < 2 or listings < MIN_LISTINGS:
        return 0
    return min(cores, listings)


def _adopt(known: Iterable[str]) -> None:
    """A worker's initializer: the run's secrets, to redact what it writes and says."""
    for value in known:
        secrets.register(value)


def _ready() -> None:
    """A worker's first task: nothing, once it has started."""


def _process(job: Processing, payload: bytes) -> Processed:
    """A worker's task: one provider's pickled spec and listing, processed."""
    return listing_processed(job, *pickle.loads(payload))


class Workers:
    """A pool of processes that process listings; ``on_done(name, processed, result)`` is
    called in the thread that calls :meth:`submit` and :meth:`close`, as listings finish."""

    def __init__(self, job: Processing, count: int, on_done: OnDone) -> None:
        self._job, self._count, self._on_done = job, count, on_done
        # spawn, not fork: the run's process has threads (fetching), which fork does not copy.
        self._context = multiprocessing.get_context("spawn")
        self._pool: ProcessPoolExecutor | None = None  # started once START_BYTES came
        self._inline = 0  # bytes of the listings processed here so far
        self._pending: dict[Future[Processed], Lost] = {}

    def _new_pool(self, count: int) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            count,
            mp_context=self._context,
            initializer=_adopt,
            initargs=(tuple(secrets.known()),),
        )
        # Each worker starts now (a Python start and its imports), while the run waits on
        # the network, rather than when the next listing comes.
        for _ in range(count):
            pool.submit(_ready)
        return pool

    def submit(self, spec: ProviderSpec, result: FetchResult) -> None:
        """Hand one provider's fetch over (a failed fetch has nothing to process: it is
        reported here); waits while the workers have enough to do."""
        if not result.ok or (self._pool is None and self._inline < START_BYTES):
            self._inline += result.size
            self._on_done(spec.name, processed(self._job, spec, result), result)
            return
        if self._pool is None:
            self._pool = self._new_pool(self._count)
        while len(self._pending) >= self._count * PER_WORKER:
            self._collect(wait(self._pending, return_when=FIRST_COMPLETED).done)
        try:
            listing = (spec, result.document, result.fetched_at)
            payload = pickle.dumps(listing, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # nested too deeply to pickle: here the checks refuse it first
            self._on_done(spec.name, processed(self._job, spec, result), result)
            return
        try:
            future = self._pool.submit(_process, self._job, payload)
        except BrokenProcessPool:  # a worker died since the last look
            self._recover([])
            future = self._pool.submit(_process, self._job, payload)
        del payload
        self._pending[future] = (spec, result)
        self._collect([f for f in self._pending if f.done()])

    def close(self) -> None:
        """Wait for every listing handed over, then stop the workers."""
        try:
            while self._pending:
                self._collect(wait(self._pending, return_when=FIRST_COMPLETED).done)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, finished: Iterable[Future[Processed]]) -> None:
        lost = self._report(finished)
        if lost:
            self._recover(lost)

    def _report(self, finished: Iterable[Future[Processed]]) -> list[Lost]:
        """Report the finished listings; those whose worker died are returned instead."""
        lost = []
        for future in list(finished):
            spec, result = self._pending.pop(future)
            try:
                done = future.result()
            except BrokenProcessPool:
                lost.append((spec, result))
                continue
            except Exception as exc:  # sending the listing or its report across failed
                reason = one_line(secrets.redact(f"cannot process its listing: {exc!r}"))
                done = Processed(failed(spec, reason, self._previous(spec)))
            self._on_done(spec.name, done, result)
        return lost

    def _recover(self, lost: list[Lost]) -> None:
        """After a worker died: every listing still pending ends with the pool (its report, or
        lost too); the lost ones are processed again, each alone; then a fresh pool."""
        lost += self._report(wait(self._pending).done)
        assert self._pool is not None  # listings were handed to it
        self._pool.shutdown(wait=True, cancel_futures=True)
        for spec, result in lost:
            self._on_done(spec.name, self._alone(spec, result), result)
        self._pool = self._new_pool(self._count)

    def _alone(self, spec: ProviderSpec, result: FetchResult) -> Processed:
        """One listing processed in a process of its own: a second death is its own."""
        with self._new_pool(1) as pool:
            try:
                listing = (self._job, spec, result.document, result.fetched_at)
                return pool.submit(listing_processed, *listing).result()
            except BrokenProcessPool:
                reason = CRASHED
            except Exception as exc:  # sending the listing or its report across failed
                reason = one_line(secrets.redact(f"cannot process its listing: {exc!r}"))
        return Processed(failed(spec, reason, self._previous(spec)))

    def _previous(self, spec: ProviderSpec) -> list | None:
        return read_previous(self._job.path(spec.name), spec)
