"""How many threads a regen process computes with: a default that never oversubscribes the machine.

On a small CPU, torch's default (one OpenMP thread per core) turns bad as soon as another job runs:
OpenMP threads spin waiting for a core that is busy. `benchmarks/threads.py` (RESULTS.md "Threads")
measured on 2 cores: two threads beside one busy process run training at 0.63-0.79x and sampling at
0.25-0.50x of one thread alone, where one thread keeps 0.92-1.10x; alone, two threads train 1.84-1.91x
and sample chorales 1.35x faster, but synthesise speech no faster (1.03x). So the default, `auto`,
asks what is free:

- the cores this process may run on (its CPU affinity), minus the cores other processes keep busy
  (measured from /proc/stat over a short window), never fewer than one;
- one thread when another regen process runs (a server, a second training, DDP ranks), since two
  such processes would each take every free core;
- at most `AUTO_CAP` threads, and one for work that gains nothing from more (`cap=1`: speech
  synthesis).

`regen train` also makes OpenMP wait passively (a thread that loses its core sleeps instead of
spinning): a long training on a shared machine often meets a job that starts later, and passive
waiting kept it at 0.95-1.06x instead of 0.63-0.79x, for 8-11 % alone. Short commands keep the
default (spinning) wait, which passive waiting slows by a fifth to a half.

An explicit count wins over `auto`: `regen --threads N` (or `--threads N` after any command), the
environment variable `REGEN_THREADS`, a user's own OMP_NUM_THREADS, then a config's `trainer.threads`.
OpenMP, MKL and OpenBLAS are told the same count.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from regen.core.errors import RegenError

ENV = "REGEN_THREADS"
AUTO_CAP = 4
"""The most threads `auto` picks: beyond it this project's tiny models gain nothing measurable."""
_BLAS_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
              "NUMEXPR_NUM_THREADS")


def parse_threads(value: int | str | None, where: str = "--threads") -> int | None:
    """A thread request as a count (>= 1), or None for `auto` (also for None and '')."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto", "0")):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise RegenError(f"{where} must be a whole number of threads (>= 1) or 'auto', got {value!r}") from None
    if count == 0:
        return None
    if count < 0:
        raise RegenError(f"{where} must be a whole number of threads (>= 1) or 'auto', got {value!r}")
    return count


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, else all cores)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot, from /proc/stat; None where there is none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields[:8]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return sum(ticks) - idle, sum(ticks)


def busy_cores_elsewhere(window: float = 0.15) -> float:
    """Cores kept busy by other processes, averaged over `window` seconds (0.0 where unknown).

    This process's own CPU time in the window is subtracted, so a command that is still importing
    does not count itself as load."""
    start, own = _cpu_ticks(), time.process_time()
    if start is None:
        return 0.0
    time.sleep(window)
    end, own = _cpu_ticks(), time.process_time() - own
    if end is None or end[1] <= start[1]:
        return 0.0
    cores = os.cpu_count() or 1
    busy_share = (end[0] - start[0]) / (end[1] - start[1])
    elapsed = window if window > 0 else 1.0
    return max(0.0, busy_share * cores - own / elapsed)


def other_regen_processes() -> int:
    """How many other processes run a regen command (`regen ...` or `python -m regen...`), from /proc."""
    me = os.getpid()
    count = 0
    for entry in Path("/proc").glob("[0-9]*"):
        if int(entry.name) == me:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")[:3]
        except OSError:
            continue
        names = [Path(a.decode(errors="replace")).name for a in argv if a]
        if "regen" in names[:2] or (len(names) > 2 and names[1] == "-m" and names[2].startswith("regen")):
            count += 1
    return count


def auto_threads(cap: int = AUTO_CAP) -> int:
    """The `auto` rule: free cores (usable minus busy elsewhere), 1 beside another regen process,
    at most `cap`, at least 1."""
    if cap <= 1 or other_regen_processes():
        return 1
    free = usable_cores() - busy_cores_elsewhere()
    return max(1, min(cap, int(free + 0.25)))


def explicit_threads() -> int | None:
    """The count asked for by `--threads`/`REGEN_THREADS`, or by OMP_NUM_THREADS set by the user;
    None when neither asks (then a config or `auto` decides)."""
    asked = parse_threads(os.environ.get(ENV), ENV)
    if asked is not None:
        return asked
    if os.environ.get("REGEN_THREADS_SOURCE") != "auto":  # an OMP_NUM_THREADS we did not set ourselves
        return parse_threads(os.environ.get("OMP_NUM_THREADS") or None, "OMP_NUM_THREADS")
    return None


def resolve_threads(config_value: int | str | None = None) -> int:
    """The thread count to use: `--threads`/REGEN_THREADS, then OMP_NUM_THREADS set by the user, then
    `config_value` (e.g. trainer.threads), then `auto_threads()`."""
    explicit = explicit_threads()
    if explicit is not None:
        return explicit
    configured = parse_threads(config_value, "trainer.threads")
    return configured if configured is not None else auto_threads()


def set_thread_environment(count: int, source: str, passive: bool = False) -> None:
    """Tell OpenMP/BLAS libraries loaded later to use `count` threads (and, with `passive`, to wait
    passively unless the user chose a wait policy); call before torch is imported. `source` ('auto'
    or 'explicit') is remembered so a later `explicit_threads` does not take our setting for the user's."""
    for var in _BLAS_VARS:
        os.environ[var] = str(count)
    if passive:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ["REGEN_THREADS_SOURCE"] = source


def apply_threads(config_value: int | str | None = None, processes: int = 1, cap: int = AUTO_CAP) -> int:
    """Set torch's intra-op threads by `resolve_threads(config_value)`, except that an `auto` count the
    command line already chose (see `set_thread_environment`) is kept rather than measured again, that
    `auto` is shared among `processes` (the ranks of a DDP run on this CPU) and is at most `cap`;
    returns the count."""
    import torch

    count = explicit_threads() or parse_threads(config_value, "trainer.threads")
    if count is None:
        chosen = os.environ.get("OMP_NUM_THREADS") if os.environ.get("REGEN_THREADS_SOURCE") == "auto" else None
        count = max(1, min(cap, int(chosen) if chosen else auto_threads(cap)) // max(1, processes))
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count
