"""Threads: explicit counts win over configs, `auto` never takes a core another process keeps busy."""

import os
import subprocess
import sys
import time

import pytest
import torch
from typer.testing import CliRunner

from regen.cli.main import _threads_first, app
from regen.core import threads
from regen.core.errors import RegenError
from regen.train.config import TrainerConfig

SPIN = "import time\nwhile True:\n    pass\n"


@pytest.fixture
def clean_env(monkeypatch):
    for var in ("REGEN_THREADS", "REGEN_THREADS_SOURCE", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY"):
        monkeypatch.delenv(var, raising=False)
    yield monkeypatch
    torch.set_num_threads(1)


def test_parse_threads():
    assert threads.parse_threads(None) is None and threads.parse_threads("auto") is None
    assert threads.parse_threads("0") is None and threads.parse_threads(3) == 3
    for bad in ("x", "-1", "2.5"):
        with pytest.raises(RegenError, match="whole number"):
            threads.parse_threads(bad)


def test_explicit_beats_config_beats_auto(clean_env):
    clean_env.setattr(threads, "auto_threads", lambda cap=threads.AUTO_CAP: 7)
    assert threads.resolve_threads("auto") == 7
    assert threads.resolve_threads(2) == 2
    clean_env.setenv("OMP_NUM_THREADS", "3")  # the user's own setting counts as explicit
    assert threads.resolve_threads(2) == 3
    clean_env.setenv("REGEN_THREADS_SOURCE", "auto")  # ... but not one regen set itself
    assert threads.resolve_threads(2) == 2
    clean_env.setenv("REGEN_THREADS", "1")
    assert threads.resolve_threads(2) == 1


def test_trainer_config_threads_default_auto():
    assert TrainerConfig().threads == "auto" and TrainerConfig(threads=0).threads == "auto"
    assert TrainerConfig(threads=2).threads == 2
    with pytest.raises(RegenError):
        TrainerConfig(threads="many")


def test_auto_shares_cores_among_ddp_ranks_and_obeys_its_cap(clean_env):
    clean_env.setattr(threads, "auto_threads", lambda cap=threads.AUTO_CAP: min(cap, 4))
    assert threads.apply_threads("auto", processes=2) == 2 == torch.get_num_threads()
    assert threads.apply_threads("auto", processes=8) == 1
    assert threads.apply_threads("auto", cap=1) == 1 == torch.get_num_threads()
    assert threads.apply_threads(3, cap=1) == 3  # an explicit count is not capped


def test_busy_process_is_seen_and_another_regen_process_means_one_thread(tmp_path, clean_env):
    script = tmp_path / "regen"  # a process whose command is `regen`, as the console script's is
    script.write_text(SPIN)
    before = threads.other_regen_processes()
    spinner = subprocess.Popen([sys.executable, str(script)])
    try:
        time.sleep(0.5)
        assert threads.other_regen_processes() == before + 1
        assert threads.busy_cores_elsewhere(0.5) > 0.5  # the spinner holds a whole core
        assert threads.auto_threads() == 1
    finally:
        spinner.kill()
        spinner.wait()


def test_threads_option_after_any_command():
    assert _threads_first(["speech", "say", "hi", "--threads", "1"]) == ["--threads", "1", "speech", "say", "hi"]
    assert _threads_first(["configs", "--threads=2"]) == ["--threads=2", "configs"]
    assert _threads_first(["text", "infill", "--", "--threads", "1"]) == ["text", "infill", "--", "--threads", "1"]


def test_cli_sets_the_thread_environment(clean_env):
    result = CliRunner().invoke(app, ["--threads", "3", "configs"])
    assert result.exit_code == 0, result.output
    assert os.environ["REGEN_THREADS"] == os.environ["OMP_NUM_THREADS"] == "3"
    assert "OMP_WAIT_POLICY" not in os.environ  # short commands keep OpenMP's own wait
    CliRunner().invoke(app, ["train", "image/no-such-config"])
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"  # a training waits passively
    bad = CliRunner().invoke(app, ["--threads", "lots", "configs"])
    assert bad.exit_code == 2 and "whole number" in bad.output and "Traceback" not in bad.output


def test_the_command_line_loads_torch_only_after_it_set_the_thread_count():
    """OpenMP reads OMP_NUM_THREADS once, when torch loads: were torch imported with the command line's
    modules, `regen --threads 1 train` would still start a second, spinning OpenMP thread."""
    code = "import sys, regen.cli.main, regen.core; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
