"""Scaling out is a flag: the tiny image config as two CPU processes (DDP over gloo)."""

import json
import os
import subprocess
import sys
from pathlib import Path

REGEN = Path(sys.executable).with_name("regen")


def test_two_process_ddp_on_cpu(tmp_path):
    cmd = [sys.executable, str(REGEN), "train", "image/digits-pool-tiny",
           "--run-dir", str(tmp_path / "run"), "--out", str(tmp_path / "ck"),
           "--set", "trainer.devices=2", "--set", "trainer.strategy=ddp",
           "--set", "phases.renderer.max_steps=4", "--set", "phases.converter.max_steps=4",
           "--set", "trainer.val_every=2", "--set", "trainer.progress=false",
           "--set", "sample.samples_per_class=2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    for phase in ("renderer", "converter"):
        summary = json.loads((tmp_path / "run" / phase / "summary.json").read_text())
        assert summary["world_size"] == 2 and summary["steps"] == 4
    assert (tmp_path / "ck" / "model.safetensors").exists()
    assert done.stdout.count("checkpoint written") == 1, done.stdout  # rank zero alone says so
