"""Write benchmark tables to benchmarks/RESULTS.md: the current table of each benchmark, newest first.

A benchmark is a section's title, the heading before its date (`## <title> — <date time>`); a title ending
in " (partial: ...)" is a partial table of the benchmark without that suffix. A new section goes first, under
the file's introduction, and the sections it supersedes (its own title's; a complete table's also its
partial ones) move to ARCHIVE.md, so RESULTS.md holds one current table per benchmark.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import fcntl
import json
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
ARCHIVE = ROOT / "benchmarks" / "ARCHIVE.md"
RESULTS_INTRO = ("# Benchmark results\n\nThe current table of each benchmark, newest first, written by the script "
                 "named in its command line; a new run of a benchmark replaces its section here and moves the "
                 "former one to ARCHIVE.md (`benchmarks/results.py`).\n\n")
ARCHIVE_INTRO = ("# Superseded benchmark tables\n\nTables that a later run of the same script replaced in "
                 "RESULTS.md, kept for the record.\n\n")
HEADING = re.compile(r"^## (?P<title>.+?) — (?P<stamp>\d{4}-\d{2}-\d{2} \d{2}:\d{2})", re.MULTILINE)
PARTIAL = re.compile(r" \(partial: .*\)$")


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


def split_sections(text: str) -> tuple[str, list[str]]:
    """The text before the first dated section (the introduction) and the sections, in file order; each
    section ends with one blank line."""
    starts = [m.start() for m in HEADING.finditer(text)]
    if not starts:
        return text, []
    bounds = zip(starts, [*starts[1:], len(text)])
    return text[:starts[0]], [text[a:b].rstrip("\n") + "\n\n" for a, b in bounds]


def section_title(section: str) -> str:
    """The title of a section (its heading without the date)."""
    match = HEADING.match(section)
    if match is None:
        raise ValueError(f"not a dated section heading: {section.splitlines()[0]!r}")
    return match["title"]


def supersedes(new: str, old: str) -> bool:
    """Whether a table titled `new` replaces one titled `old`: a new run of the same benchmark, or a complete
    table over the partial ones of its benchmark."""
    return old == new or (PARTIAL.search(new) is None and PARTIAL.sub("", old) == new)


def record(results: str, archive: str, section: str) -> tuple[str, str]:
    """RESULTS.md and ARCHIVE.md (their texts, '' for a missing file) once `section` is written: it goes first,
    under the introduction; the sections it supersedes go to the end of the archive, under a heading of the
    day they move, their own headings marked with the new section's date."""
    intro, current = split_sections(results)
    new, stamp = section_title(section), HEADING.match(section)["stamp"]
    moved = [s for s in current if supersedes(new, section_title(s))]
    others = [s for s in current if s not in moved]
    results = (intro or RESULTS_INTRO) + "".join([section.rstrip("\n") + "\n\n", *others])
    if moved:
        marked = [HEADING.sub(lambda m: f"{m[0]} (superseded {stamp})", s, count=1) for s in moved]
        archive = archive.rstrip("\n") + "\n\n" if archive.strip() else ARCHIVE_INTRO
        group = f"# Moved from RESULTS.md on {stamp[:10]}"
        if group not in re.findall(r"^# .*$", archive, re.MULTILINE)[-1:]:
            archive += group + "\n\n"
        archive = (archive + "".join(marked)).rstrip("\n") + "\n"
    return results.rstrip("\n") + "\n", archive


def relative(text: str) -> str:
    """`text` with this checkout's absolute path written relative to it (no machine paths in RESULTS.md)."""
    return text.replace(f"{ROOT}{os.sep}", "").replace(str(ROOT), ".")


def record_results(title: str, lines: list[str], command: str) -> None:
    """Print `lines` and write them to RESULTS.md as the current table of `title` under a dated heading
    (`record`; one writer at a time). `lines` is markdown (usually a table); `command` is how to rerun it."""
    from regen.core.files import atomic_write_text

    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    block = [f"## {relative(title)} — {stamp}", "", f"Machine: {machine()}  ", f"Command: `{relative(command)}`",
             "", *lines, ""]
    section = "\n".join(block) + "\n"
    print(section)
    lock = os.open(RESULTS.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        before = ARCHIVE.read_text() if ARCHIVE.exists() else ""
        results, archive = record(RESULTS.read_text() if RESULTS.exists() else "", before, section)
        if archive != before:
            atomic_write_text(ARCHIVE, archive)  # first: a moved section is in one file or both, never in none
        atomic_write_text(RESULTS, results)
    finally:
        os.close(lock)


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
    """`record_results` under the running script's command line, or only print (smoke runs)."""
    if print_only:
        print(f"## {title}\n" + "\n".join(lines))
        return
    record_results(title, lines, " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]]))


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
