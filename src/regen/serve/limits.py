"""What one request may ask for, and each model's line of waiting requests.

A model runs one request at a time (a second thread would only slow both on a small machine);
up to `Limits.queue` more wait their turn, and any beyond that get 429 at once. A request that
waits or runs longer than `Limits.timeout_s` gets 503 (still waiting) or 504 (still running; the
model finishes the work in the background and takes the next request after it).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Callable, TypeVar

from regen.serve.errors import ApiError

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """Bounds on every request (defaults suit a 2-core machine)."""

    max_text_chars: int = 1000  # text to speak, templates, keywords
    max_upload_bytes: int = 10 * 2 ** 20  # a whole request body
    max_audio_seconds: float = 300.0  # audio to transcribe
    max_bars: int = 32  # a melody to harmonize
    max_n: int = 8  # samples per request
    max_steps: int = 200  # sampling steps of iterative models
    queue: int = 4  # requests waiting per model beside the one it runs
    timeout_s: float = 120.0  # waiting plus running


class ModelSlot:
    """One model's queue: `run(fn)` calls fn() in a worker thread when the model is free."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.pending = 0  # the running request and those waiting
        self._lock: asyncio.Lock | None = None

    async def run(self, fn: Callable[[], T]) -> T:
        """fn() on a worker thread, after the requests before it; ApiError 429/503/504 as above."""
        if self.pending > self.limits.queue:
            raise ApiError(429, f"{self.name} is busy with {self.pending} requests; retry in a few seconds")
        loop = asyncio.get_running_loop()
        self._lock = self._lock or asyncio.Lock()
        deadline = loop.time() + self.limits.timeout_s
        self.pending += 1
        try:
            await asyncio.wait_for(self._lock.acquire(), self.limits.timeout_s)
        except asyncio.TimeoutError:
            self.pending -= 1
            raise ApiError(503, f"{self.name} stayed busy for {self.limits.timeout_s:.0f} s; retry later") from None
        except BaseException:  # the client went away while waiting
            self.pending -= 1
            raise
        lock = self._lock
        job = loop.run_in_executor(None, fn)

        def finished(_: asyncio.Future) -> None:  # whatever became of the request that asked for it
            lock.release()
            self.pending -= 1

        job.add_done_callback(finished)
        try:
            return await asyncio.wait_for(asyncio.shield(job), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise ApiError(504, f"{self.name} took longer than {self.limits.timeout_s:.0f} s; ask for less "
                                "(shorter text, fewer samples or steps)") from None


FIGURES = threading.Lock()
"""pyplot keeps global state: two models drawing at once (a piano roll and a digit grid) take turns."""
