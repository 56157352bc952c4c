"""The `speech-duration` task end to end on a tiny two-voice espeak corpus stripped of its timing files:
training (loss goes down), sampling through the iSTFT vocoder (length, rate, voice), evaluation, the
oracle-durations ablation, and one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import soundfile as sf
import torch

from regen.core.errors import ConfigError, RegenError
from regen.core.run_config import load_run_config
from regen.core.task import get_task, load_model
from regen.speech.data.build import build_corpus
from regen.speech.data.load import load_corpus
from regen.speech.features.mel import load_mel_config
from regen.speech.tts.duration.model import DurationTTS
from regen.speech.tts.duration.speak import DurationSpeaker, durations_of
from regen.speech.tts.speaker import Speaker
from regen.train.callbacks import read_loss_log
from regen.train.run import train_run

from ..conftest import SENTENCES

VOICES = "model.speakers=[espeak:en-us,espeak:en-gb-scotland]"
SMALL = ["model.hidden=32", "model.conv_filter=32", "model.predictor_filter=16", "model.aligner_channels=64",
         "model.variance_bins=16", "phases.converter.batch_size=4", "phases.converter.lr=0.003",
         "phases.converter.warmup=1", "trainer.val_every=10", "trainer.ckpt_every=10", "trainer.log_every=1",
         "trainer.progress=false", "trainer.snapshot_minutes=[]", "trainer.max_minutes=0", "data.valid_utterances=1"]


@pytest.fixture(scope="module")
def stripped(espeak_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's espeak:en-us corpus plus an espeak:en-gb-scotland reading, every timing file deleted."""
    out = tmp_path_factory.mktemp("duration") / "corpus"
    shutil.copytree(espeak_corpus, out)
    build_corpus(out, ["espeak:en-us", "espeak:en-gb-scotland"], SENTENCES, 22050, progress=False)
    for folder in out.glob("*/durations"):
        shutil.rmtree(folder)
    return out


@pytest.fixture(scope="module")
def trained(stripped: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(checkpoint, run folder) of 30 steps of a shrunk duration-tiny on the stripped corpus."""
    cfg = load_run_config("speech/duration-tiny", SMALL + [VOICES, "phases.converter.max_steps=30",
                                                           f"data.corpus={stripped}"])
    run = tmp_path_factory.mktemp("duration-run")
    return train_run(cfg, run, evaluate=False), run


def test_the_corpus_has_no_timing_files(stripped: Path) -> None:
    items = load_corpus(stripped).items
    assert len(items) == 10 and all(i.durations is None for i in items)


def test_training_without_timings_lowers_the_loss_and_draws_alignments(trained: tuple[Path, Path]) -> None:
    ckpt, run = trained
    log = read_loss_log(run / "converter" / "metrics.csv")
    for term in ("loss", "mel", "align", "duration", "pitch", "energy"):
        values = [value for _, key, value in log if key == f"train/{term}"]
        assert len(values) == 30 and sum(values[-5:]) < (0.85 if term == "loss" else 1.0) * sum(values[:5]), term
    assert sorted(p.name for p in (run / "alignments").iterdir()) == ["step-000010.png", "step-000020.png",
                                                                       "step-000030.png"]
    assert '"durations": "mas"' in (ckpt / "meta.json").read_text()


def test_sampling_follows_the_predicted_durations_rate_and_voice(trained: tuple[Path, Path], tmp_path: Path) -> None:
    model, cfg, _ = load_model(trained[0])
    assert isinstance(model, DurationTTS)
    mel = load_mel_config("logmel-ch4")
    speaker = Speaker.from_checkpoints(trained[0], "istft")
    assert isinstance(speaker, DurationSpeaker) and speaker.voices == ["espeak:en-us", "espeak:en-gb-scotland"]
    text = "The birch canoe slid on the smooth planks."
    normal = speaker.say(text)
    durations = durations_of(normal)
    frames = int(durations[0].sum())
    assert len(durations) == 1 and len(durations[0]) == len(normal.phrases[0].symbols) and normal.success
    assert normal.mel.shape[0] == frames and len(normal.wave) == frames * mel.hop_length
    fast = speaker.say(text, rate=2.0)
    assert 0.35 < len(fast.wave) / len(normal.wave) < 0.65
    scottish = speaker.say(text, voice="en-gb-scotland")  # the part after the colon names it too
    assert scottish.mel.shape != normal.mel.shape or not torch.allclose(torch.from_numpy(scottish.mel),
                                                                       torch.from_numpy(normal.mel))
    files = get_task(cfg.task).sample(cfg, model, tmp_path, 1, 0, None)
    assert [f.name for f in files] == ["0001.wav", "0001-alignment.png"]
    assert sf.info(str(files[0])).samplerate == mel.sample_rate and sf.info(str(files[0])).frames > 0


def test_evaluation_reports_what_the_other_speech_tasks_report(trained: tuple[Path, Path]) -> None:
    model, cfg, _ = load_model(trained[0])
    cfg.sample.eval_sentences = 1
    metrics = get_task(cfg.task).evaluate(cfg, model)
    assert set(metrics) == {"wer", "success", "rtf", "eval_set"} and 0 <= metrics["success"] <= 1
    assert "1 held-out King James sentences" in metrics["eval_set"]


def test_oracle_durations_refuse_a_corpus_without_timings(stripped: Path, tmp_path: Path) -> None:
    cfg = load_run_config("speech/duration-tiny", SMALL + [VOICES, "model.durations=oracle",
                                                           "phases.converter.max_steps=1", f"data.corpus={stripped}"])
    with pytest.raises(RegenError, match=r"model.durations: oracle needs the corpus's timing files") as info:
        train_run(cfg, tmp_path / "run", evaluate=False)
    assert "\n" not in str(info.value)


def test_oracle_durations_train_from_the_word_timings(espeak_corpus: Path, tmp_path: Path) -> None:
    cfg = load_run_config("speech/duration-tiny", SMALL + ["model.speakers=[]", "model.durations=oracle",
                                                           "phases.converter.max_steps=2", f"data.corpus={espeak_corpus}"])
    ckpt = train_run(cfg, tmp_path / "run", evaluate=False)
    assert '"durations": "oracle"' in (ckpt / "meta.json").read_text()
    assert "aligner.keys.0.weight" not in load_model(ckpt)[0].state_dict()


def test_voices_must_be_named_for_a_multi_voice_corpus(stripped: Path, tmp_path: Path) -> None:
    for extra, message in ((["model.speakers=[]"], "holds 2 voices"),
                           (["model.speakers=[espeak:en-us,festival:slt]"], "names festival:slt, but corpus")):
        cfg = load_run_config("speech/duration-tiny", SMALL + extra + [f"data.corpus={stripped}"])
        with pytest.raises(RegenError, match=message):
            train_run(cfg, tmp_path / "run", evaluate=False)


@pytest.mark.parametrize("overrides, message", [
    (["model.hiden=64"], "unknown key 'model.hidden'|did you mean 'model.hidden'"),
    (["model.durations=attention"], "choose one of 'mas', 'oracle'"),
    (["model.pitch=maybe"], "must be true or false"),
    (["model.n_mels=64"], "disagrees with mel config"),
    (["model.speakers=[slt]"], "not a voice name"),
    (["sample.voice=espeak:en-gb-scotland"], "unknown voice 'espeak:en-gb-scotland'; this model speaks festival:slt"),
    (["data.max_seconds=0.1"], "min_seconds"),
])
def test_config_mistakes_are_one_line_errors(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_run_config("speech/duration-tiny", overrides)
    assert "\n" not in str(info.value)


def test_paper_config_has_fastspeech2_sizes() -> None:
    m = load_run_config("speech/duration-paper").model
    assert (m.encoder_layers, m.decoder_layers, m.hidden, m.heads, m.conv_filter, m.conv_kernel) == (4, 4, 256, 2,
                                                                                                    1024, 9)
    assert (m.predictor_filter, m.predictor_kernel, m.durations) == (256, 3, "mas")


def test_calibration_makes_each_voice_fill_its_aligned_frames(trained: tuple[Path, Path], stripped: Path,
                                                             tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    import yaml

    from regen.speech.tts.duration.calibration import voice_length_scales

    ckpt = tmp_path / "calibrated"
    shutil.copytree(trained[0], ckpt)
    model, cfg, _ = load_model(ckpt)
    before = voice_length_scales(model, cfg, stripped, utterances=4)
    assert set(before) == {"espeak:en-us", "espeak:en-gb-scotland"} and all(1 <= n <= 4 for _, n in before.values())
    regen = Path(sys.executable).parent / "regen"
    done = subprocess.run([str(regen), "speech", "calibrate", str(ckpt), "--corpus", str(stripped), "--utterances", "4"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    scales = yaml.safe_load((ckpt / "config.yaml").read_text())["sample"]["voice_length_scales"]
    assert scales == pytest.approx({v: s for v, (s, _) in before.items()}, abs=1e-3)
    assert json.loads((ckpt / "meta.json").read_text())["calibration"]["voice_length_scales"] == scales
    # the calibrated model's predicted frames now add up to its aligned frames, voice by voice
    model, cfg, _ = load_model(ckpt)
    text = "The birch canoe slid on the smooth planks."
    plain, calibrated = Speaker.from_checkpoints(trained[0], "istft"), Speaker.from_checkpoints(ckpt, "istft")
    for voice, scale in scales.items():
        ratio = len(calibrated.say(text, voice=voice).wave) / len(plain.say(text, voice=voice).wave)
        assert ratio == pytest.approx(scale, rel=0.15)
    bad = subprocess.run([str(regen), "speech", "calibrate", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a checkpoint folder" in bad.stderr and "Traceback" not in bad.stderr


def test_the_flow_matching_decoder_learns_and_samples_from_noise(stripped: Path, tmp_path: Path) -> None:
    cfg = load_run_config("speech/duration-tiny", SMALL + [VOICES, "phases.converter.max_steps=30",
                                                           f"data.corpus={stripped}", "model.decoder=flow",
                                                           "model.flow_steps=4"])
    ckpt = train_run(cfg, tmp_path / "run", evaluate=False)
    log = read_loss_log(tmp_path / "run" / "converter" / "metrics.csv")
    flow = [value for _, key, value in log if key == "train/flow"]
    assert len(flow) == 30 and sum(flow[-5:]) < sum(flow[:5]) and not [k for _, k, _ in log if k == "train/mel"]
    speaker = Speaker.from_checkpoints(ckpt, "istft")
    one, two = speaker.say("The birch canoe slid.", seed=0), speaker.say("The birch canoe slid.", seed=0)
    assert (one.mel == two.mel).all() and one.wave.size > 0  # the seed draws the noise
    other = speaker.say("The birch canoe slid.", seed=1)
    assert one.mel.shape == other.mel.shape and not (one.mel == other.mel).all()  # drawn from noise
