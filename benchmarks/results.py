"""Append dated benchmark sections to benchmarks/RESULTS.md."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

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
