"""Threads on a shared CPU: training steps/s and samples/s at 1 and 2 threads, alone and beside a busy process.

Each figure is measured in a fresh worker process (a thread count must be set before torch starts):
  - train-text: optimizer steps of text/sunmask-tiny (the task's own objective and batches), steps/s;
  - train-music: optimizer steps of music/sunmask-conv-tiny, steps/s;
  - say: the shipped `regen speech say` default (RepMix + iSTFT vocoder) on five sentences, sentences/s;
  - sample-music: chorale windows (4 x 128) from the shipped music/sunmask-conv-tiny, two at a time with
    32 sampler steps, samples/s.
Settings: 1 thread; 2 threads with OpenMP's default (spinning) wait; 2 threads with
OMP_WAIT_POLICY=PASSIVE. Loads: alone, and beside one busy process (a one-thread torch matrix loop,
as another training would be). Rates are compared as ratios to 1 thread alone, measured in the same
run. The machine must be otherwise quiet: the background load is measured first and printed.

    python benchmarks/threads.py                      # all workloads, ~10 minutes on 2 cores
    python benchmarks/threads.py --workloads say --seconds 10 --no-append
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import emit  # noqa: E402

WORKLOADS = ("train-text", "train-music", "say", "sample-music")
SETTINGS = {"1 thread": (1, None), "2 threads": (2, None), "2 threads, passive wait": (2, "PASSIVE")}
BUSY = ("import torch\ntorch.set_num_threads(1)\na = torch.randn(384, 384)\n"
        "while True:\n    a = torch.tanh(a @ a)\n")
SENTENCES = ["The quick brown fox jumps over the lazy dog.", "Please call me back before noon tomorrow.",
             "It was a bright cold day in April.", "We will meet at the station at half past seven.",
             "Turn left at the second light and keep going."]


def _train_steps(config: str, seconds: float) -> tuple[float, int]:
    """Steps/s of `config`'s first phase, timed after two warm-up steps; (rate, steps)."""
    import torch

    from regen.core.run_config import load_run_config
    from regen.core.task import get_task
    from regen.train.data import StepBatches

    cfg = load_run_config(config, [])
    task = get_task(cfg.task)
    model = task.build(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        phase = task.plan(cfg, model, Path(tmp)).phases[0]
    batches = iter(StepBatches(phase.data, phase.config.batch_size, cfg.seed))
    objective = phase.objective.train()
    optimizer = torch.optim.Adam(objective.trainable_parameters(), lr=phase.config.lr)

    def step() -> None:
        batch = next(batches)
        batch.pop("_index", None)
        optimizer.zero_grad()
        objective.loss(batch)["loss"].backward()
        optimizer.step()

    for _ in range(2):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 3:
        step()
        steps += 1
    return steps / (time.perf_counter() - start), steps


def _say(seconds: float) -> tuple[float, int]:
    """Sentences/s of the shipped say default, timed after one warm-up sentence; (rate, sentences)."""
    from regen.speech.tts.speaker import Speaker

    speaker = Speaker.from_checkpoints("speech/repmix-tiny", "istft")
    speaker.say(SENTENCES[0])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or done < 3:
        speaker.say(SENTENCES[done % len(SENTENCES)], seed=done)
        done += 1
    return done / (time.perf_counter() - start), done


def _sample_music(seconds: float) -> tuple[float, int]:
    """Chorale windows/s of the shipped music model (2 per draw, 32 steps), after one warm-up draw."""
    from dataclasses import replace

    from regen.core.task import load_model
    from regen.music.tasks import unconditional

    model, cfg, _ = load_model("music/sunmask-conv-tiny", task="music")
    sampler = replace(cfg.sample, steps=32, best_of=1)
    unconditional(model, sampler, 2, seed=0)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or done < 4:
        done += len(unconditional(model, sampler, 2, seed=done))
    return done / (time.perf_counter() - start), done


def worker(spec: dict) -> None:
    """Run one measurement (the thread environment was set by the parent) and print it as JSON."""
    import torch

    torch.set_num_threads(spec["threads"])
    if spec["workload"] == "say":
        rate, count = _say(spec["seconds"])
    elif spec["workload"] == "sample-music":
        rate, count = _sample_music(spec["seconds"])
    else:
        rate, count = _train_steps({"train-text": "text/sunmask-tiny",
                                    "train-music": "music/sunmask-conv-tiny"}[spec["workload"]], spec["seconds"])
    print(json.dumps({"rate": rate, "count": count, "threads": torch.get_num_threads()}))


def measure(workload: str, threads: int, wait: str | None, busy: bool, seconds: float) -> float:
    """The rate of one worker run; with `busy`, a busy process runs beside it for the whole run."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "REGEN_THREADS_SOURCE")}
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), REGEN_THREADS=str(threads),
               REGEN_PROGRESS="0")
    if wait:
        env["OMP_WAIT_POLICY"] = wait
    hog = None
    if busy:
        hog = subprocess.Popen([sys.executable, "-c", BUSY], env={**env, "OMP_NUM_THREADS": "1"})
        time.sleep(1.0)
    try:
        spec = json.dumps({"workload": workload, "threads": threads, "seconds": seconds})
        done = subprocess.run([sys.executable, __file__, "--worker", spec], env=env, capture_output=True,
                              text=True, check=True)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    return float(json.loads(done.stdout.strip().splitlines()[-1])["rate"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--seconds", type=float, default=25.0, help="timed seconds per figure")
    parser.add_argument("--no-append", action="store_true", help="print only")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    from regen.core.threads import busy_cores_elsewhere, usable_cores

    background = busy_cores_elsewhere(2.0)
    print(f"background load before the run: {background:.2f} busy cores of {usable_cores()}", flush=True)
    units = {"say": "sentences/s", "sample-music": "windows/s"}
    lines = [f"Background load before the run: {background:.2f} busy cores of {usable_cores()} usable. "
             "Each cell: rate (ratio to 1 thread alone).", "",
             "| workload | unit | setting | alone | beside one busy process |", "|---|---|---|---|---|"]
    for workload in args.workloads:
        reference = None
        for name, (threads, wait) in SETTINGS.items():
            cells = []
            for busy in (False, True):
                rate = measure(workload, threads, wait, busy, args.seconds)
                reference = reference or rate
                cells.append(f"{rate:.3f} ({rate / reference:.2f}x)")
                print(f"{workload} {name} {'busy' if busy else 'alone'}: {rate:.3f} {units.get(workload, 'steps/s')}",
                      flush=True)
            lines.append(f"| {workload} | {units.get(workload, 'steps/s')} | {name} | {cells[0]} | {cells[1]} |")
    emit("Threads: 1 and 2 threads, alone and beside a busy process", lines, args.no_append)


if __name__ == "__main__":
    main()
