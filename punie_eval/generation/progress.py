"""Live progress of a long run: a bar on a terminal, a plain line every so often in a log.

A 30B model takes minutes to hash, load and answer 57 conversations; the user must see that
it is working and how long is left. ``Reporter`` is the run's progress channel: calling it
prints one line; ``meter()`` follows one phase (hashing bytes, generating conversations).
With a terminal (``live``) the phase is a tqdm bar with rate and ETA; without one (CI logs,
pipes) it is a line every ``every_s`` seconds, then one closing line.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TextIO

EVERY_ENV = "PUNIE_PROGRESS_EVERY"  # seconds between plain progress lines (default 30)
DEFAULT_EVERY_S = 30.0


def every_s() -> float:
    try:
        return max(0.0, float(os.environ.get(EVERY_ENV, DEFAULT_EVERY_S)))
    except ValueError:
        return DEFAULT_EVERY_S


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}" if whole >= 60 else f"{whole} s"


def human_bytes(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


@dataclass
class Reporter:
    """Where progress goes: ``line`` for whole lines, ``live`` a terminal for bars (None: lines only)."""

    line: Callable[[str], None]
    live: TextIO | None = None
    every_s: float = DEFAULT_EVERY_S
    bar: Any = None  # the live bar being drawn, lifted while a line is printed

    def __call__(self, text: str) -> None:
        if self.bar is None:
            self.line(text)
            return
        self.bar.clear()
        self.line(text)
        self.bar.refresh()

    def meter(self, label: str, total: int, unit: str = "conversations") -> Meter:
        return Meter(self, label, total, unit)


class Meter:
    """One phase's progress: ``advance`` as work finishes; a context manager that closes the bar."""

    def __init__(self, reporter: Reporter, label: str, total: int, unit: str) -> None:
        self.reporter, self.label, self.total, self.unit = reporter, label, total, unit
        self.done = 0
        self.tokens = 0
        self.started = time.monotonic()
        self.last_line = self.started
        self.bar: Any = None
        if reporter.live is not None:
            from tqdm import tqdm

            scaled = unit == "bytes"
            self.bar = reporter.bar = tqdm(
                total=total,
                desc=f"punie-eval: {label}",
                unit="B" if scaled else "conv",
                unit_scale=scaled,
                file=reporter.live,
                dynamic_ncols=True,
                leave=False,
                mininterval=0.2,
            )

    def advance(self, n: int = 1, tokens: int = 0) -> None:
        self.done += n
        self.tokens += tokens
        if self.bar is not None:
            if tokens:
                self.bar.set_postfix_str(f"{self.rate():.0f} tok/s", refresh=False)
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.reporter.every_s and now - self.last_line >= self.reporter.every_s and self.done < self.total:
            self.last_line = now
            self.reporter(f"punie-eval: {self.label}: {self.status()}")

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.tokens / elapsed if elapsed > 0 else 0.0

    def status(self) -> str:
        """``23/57 conversations, 4,100 tokens, 410 tok/s, 12 s elapsed, ETA 18 s``."""
        elapsed = time.monotonic() - self.started
        if self.unit == "bytes":
            parts = [f"{human_bytes(self.done)}/{human_bytes(self.total)} hashed"]
        else:
            parts = [f"{self.done}/{self.total} {self.unit}"]
            if self.tokens:
                parts.append(f"{self.tokens:,} tokens, {self.rate():.0f} tok/s")
        parts.append(f"{_clock(elapsed)} elapsed")
        if 0 < self.done < self.total:
            parts.append(f"ETA {_clock(elapsed * (self.total - self.done) / self.done)}")
        return ", ".join(parts)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = self.reporter.bar = None

    def __enter__(self) -> Meter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def stderr_progress(text: str) -> None:
    """The default progress: lines to stderr (and bars, when stderr is a terminal: see ``as_reporter``)."""
    print(text, file=sys.stderr, flush=True)


def as_reporter(progress: Callable[[str], None]) -> Reporter:
    """A progress callable as a Reporter: stderr gets bars on a terminal, any other callable lines only."""
    if isinstance(progress, Reporter):
        return progress
    live = sys.stderr if progress is stderr_progress and sys.stderr.isatty() else None
    return Reporter(progress, live, every_s())


__all__ = ["EVERY_ENV", "Meter", "Reporter", "as_reporter", "every_s", "human_bytes", "stderr_progress"]
