"""Append dated benchmark sections to benchmarks/RESULTS.md."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    """A short description of the machine the figures were taken on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def append_results(title: str, lines: list[str], command: str) -> None:
    """Print `lines` and append them to RESULTS.md under a dated heading.

    `lines` is markdown (usually a table); `command` is how to rerun it.
    """
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    block = [f"## {title} — {stamp}", "", f"Machine: {machine()}  ", f"Command: `{command}`", "", *lines, ""]
    text = "\n".join(block) + "\n"
    print(text)
    header = "" if RESULTS.exists() else "# Benchmark results\n\nEach section is appended by the script named in its command line.\n\n"
    with RESULTS.open("a") as fh:
        fh.write(header + text)


def kept(path: Path, key: dict[str, Any], compute: Callable[[], T]) -> T:
    """A result kept beside what it measures: the JSON value in `path` when it was computed under the same
    `key` (what it depends on: a weights digest, a sample count, the scoring code's hash), else `compute()`,
    written there atomically. So a rerun, or a curve scored while its run trains, scores only what is new."""
    from regen.core.files import atomic_write_text

    if path.is_file() and (saved := json.loads(path.read_text())).get("key") == key:
        return saved["value"]
    value = compute()
    atomic_write_text(path, json.dumps({"key": key, "value": value}, indent=1))
    return value


def emit(title: str, lines: list[str], print_only: bool = False) -> None:
    """`append_results` under the running script's command line, or only print (smoke runs)."""
    if print_only:
        print(f"## {title}\n" + "\n".join(lines))
        return
    append_results(title, lines, " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]]))


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--threads and --no-append, which every sectioned benchmark takes."""
    parser.add_argument("--threads", default="auto", help="a count or 'auto' (regen.core.threads; see threads.py)")
    parser.add_argument("--no-append", action="store_true", help="print only (smoke runs)")


def run_sections(args: argparse.Namespace, make_bench: Callable[[argparse.Namespace], Any],
                 sections: dict[str, Callable[[Any], None]]) -> None:
    """Set the thread count, build the shared state, then run `args.sections` in order."""
    from regen.core.threads import apply_threads

    apply_threads(args.threads)
    bench = make_bench(args)
    for name in args.sections:
        sections[f"section_{name}"](bench)
