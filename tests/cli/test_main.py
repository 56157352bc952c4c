"""The CLI: user mistakes are one line on stderr, never a traceback."""

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

REGEN = Path(sys.executable).with_name("regen")


def run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REGEN), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (("train", "image/nope"), "does not exist"),
    (("train", "image/digits-vq-tiny", "--set", "phases.renderer.max_stpes=3"), "unknown key 'phases.renderer.max_stpes'; did you mean 'phases.renderer.max_steps'?"),
    (("train", "image/digits-vq-tiny", "--set", "model.abstraction.kind=wavelet"), "choose one of 'pool', 'vqvae'"),
    (("info", "src/regen/assets/nothing"), "does not exist"),
    (("evaluate", "src/regen/configs/image/digits-vq-tiny.yaml"), "never unpickles"),
])
def test_one_line_errors(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_pickle_checkpoint_is_refused(tmp_path):
    bad = tmp_path / "model.pkl"
    bad.write_bytes(pickle.dumps({"a": 1}))
    done = run("info", str(bad))
    assert done.returncode == 2 and "a Python pickle" in done.stderr


def test_info_and_sample_on_shipped_checkpoint(tmp_path):
    ck = "image/digits-pool-tiny"
    done = run("info", ck)
    assert done.returncode == 0 and "git_commit" in done.stdout and "metrics" in done.stdout
    # a checkpoint finished by a resume: its training time is its phases', not the resumed call's
    seconds = float(next(line for line in done.stdout.splitlines() if line.startswith("train_seconds:")).split()[1])
    assert seconds > 1000
    done = run("sample", ck, "--out", str(tmp_path), "--n", "2")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "samples.png").stat().st_size > 1000


def test_configs_is_a_table_of_every_config_and_checkpoint():
    from regen.core.assets import asset_names
    from regen.core.config import config_names

    done = run("configs", "--threads", "1")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()[1:] if line.strip()
            and not line.startswith(tuple("0123456789"))}
    for name in config_names():
        if "/logmel-" not in name:
            assert rows[name][0] != "-", name  # its task
    for name in asset_names():
        assert rows[name][-1].startswith("shipped") or rows[name][1] == "shipped", name
    assert rows["image/digits-pool-tiny"] == ["image", "shipped"] and rows["music/melody-paper"] == ["music-melody", "-"]
    assert all(len(line) < 120 for line in done.stdout.splitlines()[:-1])  # one row a line, not one long line
