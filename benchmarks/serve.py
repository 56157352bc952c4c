"""`regen serve` under use: warm latency per endpoint (median, p95), requests per second at 1, 4 and 8
concurrent clients, the server's peak memory with every model loaded, and the speech endpoint's time to
first byte against a cold `regen speech say` process (the same sentence, the same voice model).

    python benchmarks/serve.py [--repeats 10] [--no-append]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import emit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SENTENCE = "Meet me at the station at noon, and bring the blue umbrella."


def start_server(port: int) -> tuple[subprocess.Popen, float]:
    """A `regen serve` with every model group, and the seconds until it answered."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "regen"), "serve", "--port", str(port), "--queue", "16"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.3)
        if process.poll() is not None:
            raise SystemExit("regen serve stopped while starting")


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024


def endpoints(url: str, files: dict[str, bytes]) -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    post = lambda path, **kw: (lambda c: c.post(url + path, **kw))  # noqa: E731
    return {
        "POST /v1/audio/speech (tts-1, 12 words)": post("/v1/audio/speech", json={"model": "tts-1", "input": SENTENCE,
                                                                                   "response_format": "wav"}),
        "POST /v1/audio/speech (tts-1-hd, RepMix)": post("/v1/audio/speech", json={"model": "tts-1-hd",
                                                                                    "input": SENTENCE,
                                                                                    "response_format": "wav"}),
        "POST /v1/audio/transcriptions (3.6 s WAV; one file repeated, word cache warm)": post("/v1/audio/transcriptions",
                                                          files={"file": ("a.wav", files["speech"])},
                                                          data={"model": "whisper-1"}),
        "POST /v1/music/harmonize (4 bars)": post("/v1/music/harmonize", files={"file": ("m.mid", files["melody"])}),
        "POST /v1/music/chorales (8 bars)": post("/v1/music/chorales", json={"n": 1}),
        "POST /v1/music/melody (8 syllables)": post("/v1/music/melody", json={"lyrics": "Amazing grace, how "
                                                                                        "sweet the sound"}),
        "POST /v1/text/sentences (template, n=4)": post("/v1/text/sentences", json={"template": "And God said ___ "
                                                                                                "___ light"}),
        "POST /v1/text/from-keywords (n=4)": post("/v1/text/from-keywords", json={"keywords": "light darkness"}),
        "POST /v1/images/digits (n=8)": post("/v1/images/digits", json={"digit": 3}),
        "GET /v1/models": lambda c: c.get(url + "/v1/models"),
    }


def timed(call: Callable[[httpx.Client], httpx.Response], client: httpx.Client) -> float:
    start = time.perf_counter()
    answer = call(client)
    if answer.status_code != 200:
        raise SystemExit(f"{answer.status_code}: {answer.text[:300]}")
    return time.perf_counter() - start


def first_byte(url: str, client: httpx.Client) -> float:
    start = time.perf_counter()
    with client.stream("POST", url + "/v1/audio/speech", json={"model": "tts-1", "input": SENTENCE,
                                                               "response_format": "wav"}) as answer:
        next(answer.iter_raw())
        return time.perf_counter() - start


def cold_say(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "regen"), "speech", "say", SENTENCE, "--model", "duration", "--out", str(out)],
                   check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="Warm requests per endpoint.")
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--no-append", action="store_true", help="Print only; leave RESULTS.md alone.")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    process, load_s = start_server(args.port)
    try:
        with tempfile.TemporaryDirectory() as tmp, httpx.Client(timeout=300) as client:
            from music21 import corpus

            melody = Path(tmp) / "m.mid"
            corpus.parse("bach/bwv66.6").parts[0].measures(0, 4).write("midi", fp=str(melody))
            speech = client.post(url + "/v1/audio/speech", json={"model": "tts-1-hd", "input": SENTENCE,
                                                                  "response_format": "wav"}).content
            files = {"melody": melody.read_bytes(), "speech": speech}
            lines = [f"Server with every model group loaded: ready in {load_s:.1f} s. Warm latency over "
                     f"{args.repeats} sequential requests per endpoint (after one warm-up):", "",
                     "| endpoint | median s | p95 s |", "|---|---:|---:|"]
            calls = endpoints(url, files)
            for name, call in calls.items():
                timed(call, client)
                times = sorted(timed(call, client) for _ in range(args.repeats))
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                lines.append(f"| {name} | {statistics.median(times):.3f} | {p95:.3f} |")
                print(lines[-1], flush=True)
            lines += ["", "Throughput of the speech endpoint (tts-1, the sentence above), 24 requests per level:", "",
                      "| concurrent clients | requests/s | median latency s |", "|---:|---:|---:|"]
            speak = calls["POST /v1/audio/speech (tts-1, 12 words)"]
            for level in (1, 4, 8):
                with ThreadPoolExecutor(level) as pool:
                    start = time.perf_counter()
                    latencies = list(pool.map(lambda _: timed(speak, client), range(24)))
                    wall = time.perf_counter() - start
                lines.append(f"| {level} | {24 / wall:.2f} | {statistics.median(latencies):.3f} |")
                print(lines[-1], flush=True)
            ttfb = statistics.median(first_byte(url, client) for _ in range(5))
            cold = statistics.median(cold_say(Path(tmp) / f"say{k}.wav") for k in range(3))
            peak = peak_rss_mb(process.pid)
        lines += ["", f"Time to first byte of the speech endpoint, warm: {ttfb:.3f} s (median of 5); a cold "
                      f"`regen speech say --model duration` process for the same sentence: {cold:.2f} s (median "
                      f"of 3): **{cold / ttfb:.1f}x** faster warm.",
                  f"Server peak memory (VmHWM) with every model loaded, after all of the above: {peak:.0f} MB."]
    finally:
        process.terminate()
        process.wait(timeout=30)
    emit("Serve: latency, throughput and memory of regen serve", lines, args.no_append)


if __name__ == "__main__":
    main()
