"""The README's serving section runs as written: its `regen serve` lines start a server, and its curl
and openai-client examples work against one (only the port is changed, to a free one)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import soundfile as sf

from tests.serve.conftest import BIN, Server, free_port

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Serving"): text.index("## Tasks")]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), re.S)


def _commands(block: str) -> list[str]:
    joined = block.replace("\\\n", " ")
    return [re.sub(r"\s+#.*$", "", line).strip() for line in joined.splitlines() if line.strip()]


def test_the_serve_command_lines_start_a_server() -> None:
    lines = [c for c in _commands(_blocks("sh")[0]) if c.startswith("regen serve")]
    assert len(lines) == 2
    line = lines[1]  # the first is the fixture's own command, every model group on the default limits
    port = free_port()
    args = re.sub(r"--port \d+", f"--port {port}", line).split()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen([str(BIN / args[0]), *args[1:]], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            raise AssertionError(f"`{line}` did not serve: {process.stderr.read()[-2000:] if process.stderr else ''}")
        assert set(health["models"]) == {"speech/duration-tiny", "speech/repmix-tiny", "speech/rmelnet-tiny"}
        assert health["limits"]["queue"] == 2
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_curl_and_openai_examples_run(server: Server, tmp_path: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    curls = [c for c in _commands(_blocks("sh")[1]) if c.startswith("curl")]
    assert len(curls) == 3
    outputs = []
    for line in curls:
        done = subprocess.run(["bash", "-c", line.replace(":8000", f":{port}")], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    wave, rate = sf.read(tmp_path / "noon.wav")
    assert len(wave) / rate > 1.0
    assert re.match(r"1\n00:00:\d\d,\d{3} --> ", outputs[1])
    assert (tmp_path / "sevens.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    [python] = _blocks("python")
    done = subprocess.run([sys.executable, "-c", python.replace(":8000", f":{port}")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "umbrella.mp3").stat().st_size > 1000 and "-->" in done.stdout
