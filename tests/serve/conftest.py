"""One real `regen serve` process with every model group, shared by the serve tests (it loads in about
15 s), on a free port of 127.0.0.1; helpers that make real input files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running server: its base URL and process."""

    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url, self.process = url, process

    def rss_mb(self) -> float:
        """The server process's resident memory now."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    with open(log, "w") as out:
        process = subprocess.Popen([str(BIN / "regen"), "serve", "--port", str(port), "--queue", "8",
                                    "--log-level", "warning"], stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        if process.poll() is not None:
            raise AssertionError(f"regen serve stopped: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.time() > deadline:
            process.kill()
            raise AssertionError(f"regen serve did not answer within 180 s: {log.read_text()[-3000:]}")
        time.sleep(0.5)
    yield Server(url, process)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]  # no request of the tests made the server fail


def melody_midi(path: Path, bars: int = 4) -> Path:
    """A real melody file: the soprano of Bach's BWV 66.6 (first `bars` bars) as MIDI."""
    from music21 import corpus

    score = corpus.parse("bach/bwv66.6")
    soprano = score.parts[0].measures(0, bars)
    soprano.write("midi", fp=str(path))
    return path


def speech_wav(url: str, path: Path, text: str = "Meet me at the station at noon.") -> Path:
    """A WAV of `text` spoken by the server's tts-1-hd (festival slt's voice, which the recogniser knows)."""
    answer = httpx.post(f"{url}/v1/audio/speech", json={"model": "tts-1-hd", "input": text,
                                                         "response_format": "wav"}, timeout=60)
    assert answer.status_code == 200, answer.text
    path.write_bytes(answer.content)
    return path


def tone(seconds: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
