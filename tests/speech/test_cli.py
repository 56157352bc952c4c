"""The `regen speech` commands, driven through typer's CliRunner."""

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from regen.cli.speech import app
from regen.core.errors import RegenError
from regen.speech.audio import save_wav
from regen.speech.mel import load_mel_config, log_mel

from .conftest import tone

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_invert_wav_round_trip(tmp_path: Path) -> None:
    src = save_wav(tmp_path / "in.wav", tone(1.0), 22050)
    result = invoke("invert", src, "--method", "gl", "--out", tmp_path / "out.wav", "--iterations", "32",
                    "--png", tmp_path / "spec.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.wav").is_file() and (tmp_path / "spec.png").stat().st_size > 1000
    assert "spectral_convergence" in result.output


def test_invert_npy(tmp_path: Path) -> None:
    mel = log_mel(tone(0.5), load_mel_config("logmel-ch4")).numpy()
    np.save(tmp_path / "m.npy", mel.T)  # (n_mels, frames) is accepted too
    result = invoke("invert", tmp_path / "m.npy", "--method", "lbfgs", "--iterations", "10", "--out", tmp_path / "o.wav")
    assert result.exit_code == 0, result.output
    assert "mel L1" in result.output


@pytest.mark.parametrize("make, args, message", [
    (lambda p: save_wav(p / "s.wav", np.zeros(22050), 22050), [], "silent"),
    (lambda p: save_wav(p / "r.wav", tone(0.5, 16000), 16000), [], "16000 Hz"),
    (lambda p: save_wav(p / "g.wav", tone(0.5), 22050), ["--method", "magic"], "unknown inversion method"),
    (lambda p: (p / "e.wav").write_bytes(b""), [], "truncated or empty"),
    (lambda p: (p / "t.txt").write_text("x"), [], "neither"),
])
def test_invert_bad_input_is_one_line_error(tmp_path: Path, make, args, message) -> None:
    made = make(tmp_path)
    path = made if isinstance(made, Path) else next(tmp_path.iterdir())
    result = invoke("invert", path, "--out", tmp_path / "o.wav", *args)
    assert result.exit_code != 0 and isinstance(result.exception, RegenError)
    assert message in str(result.exception) and "\n" not in str(result.exception)
    assert not (tmp_path / "o.wav").exists()


def test_corpus_build_and_info(tmp_path: Path, espeak_corpus: Path) -> None:
    sentences = tmp_path / "text.txt"
    sentences.write_text("The quick brown fox jumps over the lazy dog. Short one.\nA stitch in time saves nine.\n")
    out = tmp_path / "c"
    result = invoke("corpus", "build", "--voice", "espeak:en-us", "--out", out, "--sentences", sentences,
                    "--limit", "2", "--quiet", "--features", "none")
    assert result.exit_code == 0, result.output
    assert "utterances  2" in result.output
    info = invoke("corpus", "info", espeak_corpus)
    assert info.exit_code == 0 and "sentences   5 distinct" in info.output and "licence" in info.output


def test_corpus_info_on_bad_folder(tmp_path: Path) -> None:
    result = invoke("corpus", "info", tmp_path / "missing")
    assert isinstance(result.exception, RegenError)
