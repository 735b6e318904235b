"""What ``run`` shows while it works, on stderr: providers done of the total, and the ones
still being fetched, slowest first, by name.

On a terminal the line is redrawn in place (``\\r``, erase to the end of the line) and
cleared before each provider line goes to stdout.  Elsewhere (a file, a pipe, GitHub Actions'
log, ``TERM=dumb``) nothing is redrawn: a plain line now and then names the providers still
being fetched.  Every text goes through ``console.clean`` first; names are the only provider
text here, and they are file names (``[a-z0-9._-]``).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TextIO

from .console import clean, say
from .report_text import number, plural
from .results import ProviderReport

LIVE_EVERY = 0.25  # seconds between redraws of the terminal line
PLAIN_EVERY = 30.0  # seconds between plain "still fetching" lines
NAMED = 3  # providers named, slowest first, before "+N more"
_ERASE = "\r\x1b[K"  # to the start of the line, erase to its end


def is_live(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether ``stream`` is a terminal that can take a line redrawn in place."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # closed, or no file behind it
        terminal = False
    dumb = environ.get("TERM") == "dumb"
    return terminal and not dumb and environ.get("GITHUB_ACTIONS") != "true"


class Progress:
    """The progress of one run; a context manager whose thread keeps the display current.

    ``started`` may be called from any thread (a fetch begins), ``finished`` and ``say`` from
    the run's (a provider's line, the closing summary)."""

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO,
        live: bool,
        clock: Callable[[], float] = time.monotonic,
        plain_every: float = PLAIN_EVERY,
    ) -> None:
        self.total = total
        self.stream = stream
        self.live = live
        self.clock = clock
        self.plain_every = plain_every
        self.done = 0
        self.running: dict[str, float] = {}  # name -> when its fetch started
        self._lock = threading.Lock()
        self._shown = False  # a live line is on the screen
        self._last_plain = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def on(cls, total: int, stream: TextIO, environ: Mapping[str, str]) -> Progress:
        """Progress on ``stream``: live when it is a terminal (``is_live``), else plain."""
        return cls(total, stream=stream, live=is_live(stream, environ))

    # --- what the run reports ------------------------------------------------------------

    def started(self, name: str) -> None:
        """A provider's fetch began."""
        with self._lock:
            self.running[name] = self.clock()

    def finished(self, report: ProviderReport, line: str) -> None:
        """A provider is done: its line on stdout, and one more done."""
        with self._lock:
            self.running.pop(report.name, None)
            self.done += 1
            self._print(line)

    def say(self, text: str) -> None:
        """A line of the run's own (the closing summary) on stdout."""
        with self._lock:
            self._print(text)

    def tick(self) -> None:
        """Redraw the live line, or write a plain line when one is due."""
        with self._lock:
            if self.live:
                self._draw()
            elif self.running and self.clock() - self._last_plain >= self.plain_every:
                self._last_plain = self.clock()
                self._write(f"dump-models: {self.status()}\n")

    def status(self) -> str:
        """``3/25 providers done; fetching: openrouter (14 s), gemini (9 s), +3 more``."""
        now = self.clock()
        text = f"{number(self.done)}/{plural(self.total, 'provider')} done"
        slowest = sorted(self.running.items(), key=lambda item: (item[1], item[0]))
        if slowest:
            named = [f"{name} ({now - since:.0f} s)" for name, since in slowest[:NAMED]]
            if len(slowest) > NAMED:
                named.append(f"+{len(slowest) - NAMED} more")
            text += f"; fetching: {', '.join(named)}"
        return text

    # --- the display -----------------------------------------------------------------------

    def _print(self, text: str) -> None:
        if self._shown:
            self._write(_ERASE)
            self._shown = False
        say(text)
        if self.live and self.done < self.total:
            self._draw()

    def _draw(self) -> None:
        if self.done >= self.total:
            return
        width = shutil.get_terminal_size((80, 24)).columns - 1
        line = clean(self.status())[: max(width, 10)]
        self._write(f"{_ERASE}{line}")
        self._shown = True

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the run goes on
            pass

    # --- the thread --------------------------------------------------------------------

    def __enter__(self) -> Progress:
        every = LIVE_EVERY if self.live else 1.0
        self._thread = threading.Thread(
            target=self._loop, args=(every,), name="dump-models-progress", daemon=True
        )
        self._thread.start()
        return self

    def _loop(self, every: float) -> None:
        while not self._stop.wait(every):
            self.tick()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._shown:
                self._write(_ERASE)
                self._shown = False
