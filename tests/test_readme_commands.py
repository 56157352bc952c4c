"""Every command the README shows runs as written, in order, in a fresh folder.

Only sizes shrink: each `regen train` line gets the overrides of SMALL for the longest prefix of
its config name appended (later `--set`s win), and the corpus build reads fewer sentences.
Nothing else is changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent
SMALL = {
    "image/": ["phases.abstraction.max_steps=3", "phases.renderer.max_steps=3", "phases.converter.max_steps=3",
               "phases.finetune.max_steps=2", "phases.direct.max_steps=3", "sample.samples_per_class=2"],
    "music/": ["phases.denoiser.max_steps=2", "data.max_windows=16", "data.eval_samples=1", "sample.steps=2"],
    "music/melody": ["phases.renderer.max_steps=2", "phases.converter.max_steps=2", "data.collections=[chorales,airds]",
                     "data.limit=6", "data.eval_segments=2"],
    "speech/": ["phases.converter.max_steps=2", "data.max_rows=16", "sample.eval_sentences=1"],
    "speech/asr": ["phases.acoustic.max_steps=2", "data.max_utterances=16", "sample.eval_utterances=1"],
    "text/": ["phases.model.max_steps=2", "data.max_sentences=32", "data.eval_samples=2", "sample.steps=2"],
    "text/template": ["phases.renderer.max_steps=2", "phases.converter.max_steps=2", "data.eval_sentences=2"],
}
SUBSTITUTIONS = {"--limit 6000": "--limit 60", "--limit 2500": "--limit 12", "--n 2 --best-of 2": "--n 1 --best-of 2"}


def readme_commands() -> list[str]:
    """Shell lines of the README's bash blocks, comments dropped, `make` lines left to CI itself."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), re.S)
    lines = [re.sub(r"\s+#.*$", "", line).strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith(("make ", "#"))]


def shrink(line: str) -> str:
    for old, new in SUBSTITUTIONS.items():
        line = line.replace(old, new)
    match = re.match(r"regen train (\S+)", line)
    if match:
        prefix = max((p for p in SMALL if match.group(1).startswith(p)), key=len)
        line += "".join(f" --set {item}" for item in SMALL[prefix]) + " --set trainer.progress=false"
    return line


@pytest.mark.timeout(1500)  # some 30 commands, trainings among them: longer than the suite's 600 s default
def test_every_readme_command_runs_in_order(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) > 20 and any(c.startswith("regen speech corpus build") for c in commands)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}
    (tmp_path / "out").mkdir()
    for line in commands:
        done = subprocess.run(["bash", "-c", shrink(line)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"README command failed: {line}\n{done.stderr[-2000:]}"
    assert (tmp_path / "runs" / "digits-vq-tiny" / "checkpoint" / "meta.json").is_file()
    assert (tmp_path / "out" / "lines" / "0002.wav").is_file()
