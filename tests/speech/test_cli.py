"""The `regen speech` commands, driven through typer's CliRunner."""

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from regen.cli.speech import app
from regen.speech.data.audio import save_wav
from regen.speech.features.mel import load_mel_config, log_mel

from .conftest import tone

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, message: str) -> None:
    """Exit status 2 and one line `error: ...` holding `message`, no traceback."""
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message in lines[0] and "Traceback" not in result.output


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
    assert_one_line_error(result, message)
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


def test_corpus_build_everyday_records_the_evaluation_sentences(tmp_path: Path) -> None:
    import json
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from regen.speech.data.eval_sets import everyday_sentences
    from regen.speech.data.sentences import EVERYDAY_SOURCE

    out = tmp_path / "eval"
    result = invoke("corpus", "build", "--voice", "espeak:en-us", "--sentences", "everyday", "--limit", "2",
                    "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    rows = (out / "espeak-en-us" / "metadata.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split("|")[:2] for r in rows] == [["E00000", everyday_sentences()[0]], ["E00001", everyday_sentences()[1]]]
    assert sorted((out / "espeak-en-us" / "wavs").iterdir()) == [out / "espeak-en-us" / "wavs" / f"E0000{i}.wav"
                                                                  for i in (0, 1)]
    assert (out / "test_ids.txt").read_text().split() == ["E00000", "E00001"]  # all held out: never trained on
    assert json.loads((out / "corpus.json").read_text())["source"] == EVERYDAY_SOURCE
    assert not list((out / "espeak-en-us").glob("stats-*.json"))  # no training items, no statistics
    again = invoke("corpus", "build", "--voice", "espeak:en-us", "--out", out, "--limit", "2", "--quiet")
    assert_one_line_error(again, "resume with the same options")  # the KJV list cannot be mixed in


@pytest.mark.parametrize("value", ["nonsense", "Bible", "./"])
def test_corpus_build_bad_sentences_is_one_line_error(tmp_path: Path, value: str) -> None:
    result = invoke("corpus", "build", "--voice", "espeak:en-us", "--sentences", value, "--out", tmp_path / "c")
    assert_one_line_error(result, "--sentences takes bible, everyday, austen or a text file")
    assert not (tmp_path / "c").exists()


def test_corpus_info_on_bad_folder(tmp_path: Path) -> None:
    result = invoke("corpus", "info", tmp_path / "missing")
    assert_one_line_error(result, "")


def test_say_end_to_end_with_the_default_shipped_model(tmp_path: Path) -> None:
    import soundfile as sf

    out, png = tmp_path / "hello.wav", tmp_path / "align.png"
    result = invoke("say", "Blessed are the meek.", "--out", out, "--alignment", png, "--seed", "1",
                    "--iterations", "8")
    assert result.exit_code == 0, result.output
    info = sf.info(str(out))
    assert info.samplerate == 22050 and 0.5 < info.duration < 5.0
    assert png.stat().st_size > 2000 and "clean alignment" in result.output


def test_say_text_file_writes_one_wav_per_non_empty_line(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("Hear ye.\n\n   \nAnd the evening and the morning were the first day.\n", encoding="utf-8")
    result = invoke("say", "--text-file", lines, "--out", tmp_path / "said", "--model", "rmelnet",
                    "--iterations", "4", "--format", "flac")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "said").iterdir()) == ["0001.flac", "0004.flac"]


def test_say_text_file_reports_a_bad_line_and_says_the_others(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("Hear ye.\n!!! ?\nAmen.\n", encoding="utf-8")
    result = invoke("say", "--text-file", lines, "--out", tmp_path / "said")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert sorted(p.name for p in (tmp_path / "said").iterdir()) == ["0001.wav", "0003.wav"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {lines}:2: nothing speakable")
    assert "wrote 2 line(s) as WAV files" in result.stdout


def test_say_to_stdout_writes_a_wav_and_nothing_else(tmp_path: Path) -> None:
    import io

    import soundfile as sf

    result = invoke("say", "Blessed are the meek.", "--out", "-", "--seed", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes[:4] == b"RIFF" and "wrote WAV to stdout" in result.stderr
    wave, rate = sf.read(io.BytesIO(result.stdout_bytes))
    assert rate == 22050 and 0.5 < len(wave) / rate < 5.0 and np.abs(wave).max() > 0.01
    assert not list(tmp_path.iterdir())


def test_say_text_file_to_stdout_is_one_stream_with_pauses(tmp_path: Path) -> None:
    import io

    import soundfile as sf

    from regen.speech.data.audio import writable_formats
    from regen.speech.tts.output import PAUSE_SECONDS

    lines = tmp_path / "lines.txt"
    lines.write_text("Hear ye.\nAmen.\n", encoding="utf-8")
    alone = [sf.info(io.BytesIO(invoke("say", text, "--out", "-").stdout_bytes)).duration
             for text in ("Hear ye.", "Amen.")]
    fmt = "mp3" if "mp3" in writable_formats() else "wav"
    result = invoke("say", "--text-file", lines, "--out", "-", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    info = sf.info(io.BytesIO(result.stdout_bytes))
    assert info.format == fmt.upper() and "wrote 2 line(s) as one" in result.stderr
    assert abs(info.duration - (sum(alone) + PAUSE_SECONDS)) < 0.1  # an MP3 adds a frame or two of padding
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.txt"]


def test_say_writes_mp3_by_the_suffix(tmp_path: Path) -> None:
    import soundfile as sf

    from regen.speech.data.audio import writable_formats

    if "mp3" not in writable_formats():
        pytest.skip("this libsndfile cannot write MP3")
    result = invoke("say", "Amen.", "--out", tmp_path / "amen.mp3")
    assert result.exit_code == 0, result.output
    assert sf.info(str(tmp_path / "amen.mp3")).format == "MP3" and sorted(tmp_path.iterdir()) == [tmp_path / "amen.mp3"]


def test_say_voice_rate_and_pitch_shift_change_the_speech(tmp_path: Path) -> None:
    import io

    import soundfile as sf

    def said(*extra: str) -> np.ndarray:
        result = invoke("say", "The birch canoe slid on the smooth planks.", "--out", "-", *extra)
        assert result.exit_code == 0, result.stderr
        return sf.read(io.BytesIO(result.stdout_bytes))[0]

    normal, fast, kal = said("--model", "duration"), said("--rate", "1.5"), said("--voice", "kal")
    assert 0.55 < len(fast) / len(normal) < 0.8
    assert len(kal) != len(normal) or not np.allclose(kal, normal)
    assert not np.allclose(said("--pitch-shift", "4")[: len(normal) // 2], normal[: len(normal) // 2])
    mixed = said("--voice", "slt@0.5,kal@0.5")
    assert all(len(mixed) != len(one) or not np.allclose(mixed, one) for one in (normal, kal))
    assert np.array_equal(said("--voice", "kal@1"), kal)


def test_voices_lists_the_default_model_s_voices() -> None:
    result = invoke("voices")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and lines[0].startswith("festival:slt") and lines[0].endswith("(default)")
    assert "espeak:en-us+f3" in result.stdout and "female" in lines[3] and "--voice slt@0.6,kal@0.4" in lines[4]
    assert "one voice" in invoke("voices", "--model", "repmix").stdout


@pytest.mark.parametrize("args, message", [
    (["Amen.", "--out", "{tmp}/a.wav", "--voice", "hal9000"], "unknown voice 'hal9000'; this model speaks festival:slt"),
    (["Amen.", "--out", "{tmp}/a.wav", "--model", "repmix", "--voice", "kal"], "need the duration model"),
    (["Amen.", "--out", "{tmp}/a.wav", "--rate", "9"], "--rate must lie in [0.25, 4]"),
    (["Amen.", "--out", "{tmp}/a.wav", "--pitch-shift", "-30"], "--pitch-shift must lie in [-12, 12]"),
    (["Amen.", "--out", "{tmp}/a.wav", "--voice", "kal", "--input-mode", "chars"], "reads phones only"),
    (["Amen.", "--out", "{tmp}/a.wav", "--voice", "kal@0.5,slt"], "write each part as NAME@WEIGHT"),
])
def test_say_voice_mistakes_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("say", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(result, message)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, message", [
    (["", "--out", "{tmp}/a.wav"], "empty text"),
    (["!!! ?", "--out", "{tmp}/a.wav"], "nothing speakable"),
    (["Amen.", "--out", "{tmp}/a.wav", "--model", "tacotron"], "unknown model"),
    (["Amen.", "--out", "{tmp}/a.wav", "--vocoder", "wavenet"], "unknown vocoder"),
    (["Amen.", "--out", "{tmp}/a.wav", "--input-mode", "ipa"], "unknown input mode"),
    (["Amen.", "--out", "{tmp}/a.ogg"], "must end in .wav, .flac"),
    (["Amen.", "--out", "{tmp}/a.wav", "--format", "mp3"], "leave --format out for a file"),
    (["Amen.", "--out", "-", "--format", "aiff"], "not an audio format regen writes"),
    (["Amen.", "--out", "/proc/nope/a.wav"], "cannot write"),
    (["Amen.", "--out", "{tmp}/a.wav", "--checkpoint", "{tmp}"], "checkpoint"),
    (["--out", "{tmp}/a.wav"], "give the text"),
])
def test_say_bad_input_is_one_line_error_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("say", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert_one_line_error(result, message)
    assert not list(tmp_path.glob("*.wav")) and not list(tmp_path.glob("*.ogg"))
    assert result.stdout_bytes == b""


def test_evaluate_prints_the_input_mode_table(tmp_path: Path, espeak_corpus: Path) -> None:
    from regen.core.assets import asset_path

    result = invoke("evaluate", asset_path("speech", "repmix-tiny"), "--corpus", espeak_corpus, "--limit", "1",
                    "--modes", "chars,phones", "--json", tmp_path / "rows.json")
    assert result.exit_code == 0, result.output
    assert "| chars | 1 |" in result.output and "| phones | 1 |" in result.output
    import json

    recording, *rows = json.loads((tmp_path / "rows.json").read_text())["input modes"]
    assert recording["setting"] == "the recordings themselves" and recording["rtf"] is None
    assert all(r["mcd_db"] > 0 and 0 <= r["success"] <= 1 and r["wer"] >= 0 for r in rows)


def test_evaluate_bad_eval_set_is_one_line_error(tmp_path: Path) -> None:
    result = invoke("evaluate", "speech/repmix-tiny", "--eval-set", "bible", "--corpus", tmp_path)
    assert_one_line_error(result, "--eval-set takes held-out or everyday")


def test_evaluate_scores_a_recogniser_beside_pocketsphinx(tmp_path: Path, espeak_corpus: Path) -> None:
    import json

    result = invoke("evaluate", "speech/asr-tiny", "--corpus", espeak_corpus, "--limit", "2",
                    "--json", tmp_path / "rows.json")
    assert result.exit_code == 0, result.output
    reference, system = json.loads((tmp_path / "rows.json").read_text())
    assert reference["system"].startswith("PocketSphinx") and system["system"].startswith("asr-tiny (phones")
    assert system["steps"] > 0 and system["train_min"] > 0 and reference["steps"] is None
    assert 0 <= system["wer"] and 0 <= system["per"] <= 1 and system["words"] > 0
    assert system["words"] == reference["words"]  # the same recordings
    assert "| PocketSphinx (en-us, off the shelf) | - | - | - |" in result.output
