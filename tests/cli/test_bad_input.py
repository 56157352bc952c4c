"""Every command, every class of bad input: one `error:` line on stderr, exit 2, nothing written.

Each case runs the installed `regen` in a fresh folder that holds a set of bad inputs (see
`_make_inputs`); after the run, that folder must hold exactly what it held before, so a
failed command never leaves a partial output behind. Option values that Typer/click itself
rejects (e.g. `--n 0` against `min=1`) print click's usage box instead of one line; those
are checked separately in `test_usage_errors`.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
import traceback
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ASSETS = Path(__file__).resolve().parents[2] / "src" / "regen" / "assets"

IMAGE = "image/digits-pool-tiny"
MUSIC = "music/sunmask-conv-tiny"
SPEECH = "speech/repmix-tiny"
BELOW_FILE = "afile.txt/sub/out"          # below an existing file: no one can create it, root included
BELOW_FILE_WAV = "afile.txt/sub/out.wav"
SAY = ["speech", "say", "And God said, Let there be light."]


def _make_inputs(root: Path) -> None:
    """The bad (and a few good) inputs the cases refer to by relative name."""
    import torch
    from safetensors.torch import save_file

    rng = random.Random(0)
    (root / "adir").mkdir()
    (root / "adir.wav").mkdir()
    (root / "afile.txt").write_text("just a text file\n")
    for name in ("empty.npy", "empty.wav", "empty.mid", "empty.musicxml", "empty.yaml", "empty.txt"):
        (root / name).write_bytes(b"")
    for name in ("random.wav", "random.npy", "random.mid", "random.musicxml"):
        (root / name).write_bytes(rng.randbytes(4096))
    (root / "text.wav").write_text("this is not audio\n")
    (root / "lines.txt").write_text("And God said, Let there be light.\nAnd there was light.\n")
    (root / "text.mid").write_text("this is not MIDI\n")
    np.save(root / "strings.npy", np.array(["a", "b", "c"]))
    np.save(root / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(root / "vector.npy", np.zeros(10, dtype=np.float32))
    np.save(root / "nan.npy", np.full((40, 80), np.nan, dtype=np.float32))
    import soundfile

    soundfile.write(root / "silent.wav", np.zeros(22050, dtype=np.float32), 22050)
    noise = np.random.default_rng(0).uniform(-.3, .3, 22050).astype(np.float32)
    soundfile.write(root / "noise.wav", noise, 22050)
    soundfile.write(root / "noise16k.wav", noise, 16000)
    (root / "binary.yaml").write_bytes(bytes(range(256)) * 8)
    (root / "binary.txt").write_bytes(b"\xff\xfe\x00\x81" * 256)
    (root / "list.yaml").write_text("- a\n- b\n")
    (root / "broken.yaml").write_text("task: image\nname: [unclosed\n")
    (root / "unknown-task.yaml").write_text("task: painting\nname: x\n")
    (root / "unknown-key.yaml").write_text("task: image\nname: x\nmodle: {}\n")
    (root / "no-task.yaml").write_text("name: x\n")
    (root / "model.pkl").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    torch.save({"w": torch.zeros(2)}, root / "model.pt")
    for name, meta in (("badmeta", json.dumps({"format": "something-else"})), ("brokenmeta", "{not json")):
        folder = root / name
        folder.mkdir()
        save_file({"w": torch.zeros(2)}, str(folder / "model.safetensors"))
        (folder / "config.yaml").write_text("task: image\nname: x\n")
        (folder / "meta.json").write_text(meta)
    (root / "emptyckpt").mkdir()
    truncated = root / "truncated"
    shutil.copytree(ASSETS / IMAGE, truncated)
    weights = truncated / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    (root / "badcorpus").mkdir()
    (root / "badcorpus" / "metadata.csv").write_bytes(b"\xff\xfe garbage|||\n" * 4)


# (id, arguments). Every one must fail with exactly one `error:` line and write nothing.
ONE_LINE_CASES = [
    # train: config files and names
    ("train-missing-file", ["train", "nope.yaml"]),
    ("train-directory", ["train", "adir"]),
    ("train-binary-config", ["train", "binary.yaml"]),
    ("train-empty-config", ["train", "empty.yaml"]),
    ("train-list-config", ["train", "list.yaml"]),
    ("train-broken-yaml", ["train", "broken.yaml"]),
    ("train-name-typo", ["train", "image/digits-pool-tiyn"]),
    ("train-unknown-task", ["train", "unknown-task.yaml"]),
    ("train-unknown-key", ["train", "unknown-key.yaml"]),
    ("train-no-task", ["train", "no-task.yaml"]),
    ("train-set-unknown-key", ["train", IMAGE, "--set", "phases.renderer.max_stpes=3"]),
    ("train-set-not-key-value", ["train", IMAGE, "--set", "phases.renderer.lr"]),
    ("train-set-unknown-phase", ["train", IMAGE, "--set", "phases.rendrer.lr=0.1"]),
    ("train-samples-per-class-1", ["train", IMAGE, "--set", "sample.samples_per_class=1"]),
    ("train-lr-nan", ["train", IMAGE, "--set", "phases.renderer.lr=nan"]),
    ("train-lr-negative", ["train", IMAGE, "--set", "phases.renderer.lr=-1"]),
    ("train-max-steps-0", ["train", IMAGE, "--set", "phases.renderer.max_steps=0"]),
    ("train-batch-size-negative", ["train", IMAGE, "--set", "phases.renderer.batch_size=-3"]),
    ("train-temperature-0", ["train", IMAGE, "--set", "sample.temperature=0"]),
    ("train-seed-negative", ["train", IMAGE, "--set", "seed=-1"]),
    ("train-threads-string", ["train", IMAGE, "--set", "trainer.threads=many"]),
    ("train-music-lr-nan", ["train", MUSIC, "--set", "phases.denoiser.lr=nan"]),
    ("train-speech-max-steps-0", ["train", SPEECH, "--set", "phases.converter.max_steps=0"]),
    ("train-out-is-file", ["train", IMAGE, "--out", "afile.txt"]),
    ("train-out-below-file", ["train", IMAGE, "--out", BELOW_FILE]),
    ("train-run-dir-is-file", ["train", IMAGE, "--run-dir", "afile.txt"]),
    ("train-run-dir-below-file", ["train", IMAGE, "--run-dir", BELOW_FILE]),
    # sample
    ("sample-missing", ["sample", "nope", "--out", "out"]),
    ("sample-missing-new-folders", ["sample", "nope", "--out", "new/deeper/out"]),
    ("sample-unknown-shipped", ["sample", "image/digits-pool-tyni", "--out", "out"]),
    ("sample-pickle", ["sample", "model.pkl", "--out", "out"]),
    ("sample-pt-zip", ["sample", "model.pt", "--out", "out"]),
    ("sample-yaml-file", ["sample", "unknown-key.yaml", "--out", "out"]),
    ("sample-wrong-meta", ["sample", "badmeta", "--out", "out"]),
    ("sample-broken-meta", ["sample", "brokenmeta", "--out", "out"]),
    ("sample-empty-folder", ["sample", "emptyckpt", "--out", "out"]),
    ("sample-truncated-weights", ["sample", "truncated", "--out", "out"]),
    ("sample-out-is-file", ["sample", IMAGE, "--out", "afile.txt", "--n", "1"]),
    ("sample-out-below-file", ["sample", IMAGE, "--out", BELOW_FILE, "--n", "1"]),
    ("sample-temperature-nan", ["sample", IMAGE, "--out", "out", "--temperature", "nan"]),
    ("sample-temperature-negative", ["sample", IMAGE, "--out", "out", "--temperature", "-1"]),
    ("sample-temperature-zero", ["sample", IMAGE, "--out", "out", "--temperature", "0"]),
    ("sample-temperature-inf", ["sample", IMAGE, "--out", "out", "--temperature", "inf"]),
    ("sample-music-out-is-file", ["sample", MUSIC, "--out", "afile.txt", "--n", "1"]),
    ("sample-speech-out-below-file", ["sample", SPEECH, "--out", BELOW_FILE, "--n", "1"]),
    # evaluate / compare / info
    ("evaluate-missing", ["evaluate", "nope"]),
    ("evaluate-unknown-shipped", ["evaluate", "music/sunmask-conv-tyni"]),
    ("evaluate-pickle", ["evaluate", "model.pkl"]),
    ("evaluate-pt-zip", ["evaluate", "model.pt"]),
    ("evaluate-wrong-meta", ["evaluate", "badmeta"]),
    ("evaluate-directory-not-checkpoint", ["evaluate", "adir"]),
    ("compare-missing", ["compare", IMAGE, "nope"]),
    ("compare-pickle", ["compare", IMAGE, "model.pkl"]),
    ("compare-wrong-meta", ["compare", "badmeta", IMAGE]),
    ("compare-truncated-recompute", ["compare", "truncated", "--recompute"]),
    ("info-missing", ["info", "nope"]),
    ("info-unknown-shipped", ["info", "speech/repmix-tyni"]),
    ("info-pt-zip", ["info", "model.pt"]),
    ("info-empty-file", ["info", "empty.npy"]),
    ("info-wrong-meta", ["info", "badmeta"]),
    ("info-broken-meta", ["info", "brokenmeta"]),
    ("info-empty-folder", ["info", "emptyckpt"]),
    # demo
    ("demo-out-is-file", ["demo", "--out", "afile.txt"]),
    ("demo-out-below-file", ["demo", "--out", BELOW_FILE]),
    # image classifier
    ("image-classifier-out-is-file", ["image", "classifier", "--out", "afile.txt"]),
    ("image-classifier-out-below-file", ["image", "classifier", "--out", BELOW_FILE]),
    # music data
    ("music-data-cache-is-file", ["--cache-dir", "afile.txt", "music", "data"]),
    # music harmonize
    ("harmonize-missing", ["music", "harmonize", "nope.mid", "--out", "out"]),
    ("harmonize-missing-new-folders", ["music", "harmonize", "nope.mid", "--out", "new/deeper/out"]),
    ("harmonize-unknown-corpus-name", ["music", "harmonize", "bach/bwv999999", "--out", "out"]),
    ("harmonize-directory", ["music", "harmonize", "adir", "--out", "out"]),
    ("harmonize-empty-mid", ["music", "harmonize", "empty.mid", "--out", "out"]),
    ("harmonize-empty-musicxml", ["music", "harmonize", "empty.musicxml", "--out", "out"]),
    ("harmonize-random-mid", ["music", "harmonize", "random.mid", "--out", "out"]),
    ("harmonize-random-musicxml", ["music", "harmonize", "random.musicxml", "--out", "out"]),
    ("harmonize-text-mid", ["music", "harmonize", "text.mid", "--out", "out"]),
    ("harmonize-wav", ["music", "harmonize", "noise.wav", "--out", "out"]),
    ("harmonize-out-is-file", ["music", "harmonize", "bach/bwv66.6", "--out", "afile.txt"]),
    ("harmonize-out-below-file", ["music", "harmonize", "bach/bwv66.6", "--out", BELOW_FILE]),
    ("harmonize-model-nope", ["music", "harmonize", "bach/bwv66.6", "--out", "out", "--model", "nope"]),
    ("harmonize-model-pickle", ["music", "harmonize", "bach/bwv66.6", "--out", "out", "--model", "model.pkl"]),
    ("harmonize-model-other-task", ["music", "harmonize", "bach/bwv66.6", "--out", "out", "--model", IMAGE]),
    ("harmonize-temperature-nan", ["music", "harmonize", "bach/bwv66.6", "--out", "out", "--temperature", "nan"]),
    ("harmonize-temperature-negative", ["music", "harmonize", "bach/bwv66.6", "--out", "out",
                                        "--temperature", "-1"]),
    # music infill
    ("infill-missing", ["music", "infill", "nope.musicxml", "--bars", "1-2", "--out", "out"]),
    ("infill-empty-musicxml", ["music", "infill", "empty.musicxml", "--bars", "1-2", "--out", "out"]),
    ("infill-random-mid", ["music", "infill", "random.mid", "--bars", "1-2", "--out", "out"]),
    ("infill-bars-reversed", ["music", "infill", "bach/bwv66.6", "--bars", "9-2", "--out", "out"]),
    ("infill-bars-garbage", ["music", "infill", "bach/bwv66.6", "--bars", "three", "--out", "out"]),
    ("infill-bars-zero", ["music", "infill", "bach/bwv66.6", "--bars", "0-2", "--out", "out"]),
    ("infill-bars-past-end", ["music", "infill", "bach/bwv66.6", "--bars", "1-999", "--out", "out"]),
    ("infill-voices-unknown", ["music", "infill", "bach/bwv66.6", "--bars", "1-2", "--voices", "xyz",
                               "--out", "out"]),
    ("infill-model-nope", ["music", "infill", "bach/bwv66.6", "--bars", "1-2", "--out", "out", "--model", "nope"]),
    ("infill-out-is-file", ["music", "infill", "bach/bwv66.6", "--bars", "1-2", "--out", "afile.txt"]),
    ("infill-out-below-file", ["music", "infill", "bach/bwv66.6", "--bars", "1-2", "--out", BELOW_FILE]),
    ("infill-temperature-nan", ["music", "infill", "bach/bwv66.6", "--bars", "1-2", "--out", "out",
                                "--temperature", "nan"]),
    # music grade
    ("grade-missing", ["music", "grade", "nope.mid"]),
    ("grade-directory", ["music", "grade", "adir"]),
    ("grade-empty-mid", ["music", "grade", "empty.mid"]),
    ("grade-random-mid", ["music", "grade", "random.mid"]),
    ("grade-empty-musicxml", ["music", "grade", "empty.musicxml"]),
    ("grade-one-bad-of-two", ["music", "grade", "bach/bwv66.6", "random.musicxml"]),
    # speech corpus build / info / stats
    ("corpus-build-voice-nope", ["speech", "corpus", "build", "--voice", "nope", "--out", "corpus", "--limit", "2",
                                 "--quiet"]),
    ("corpus-build-voice-unknown-festival", ["speech", "corpus", "build", "--voice", "festival:xyz", "--out",
                                             "corpus", "--limit", "2", "--quiet"]),
    ("corpus-build-out-is-file", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "afile.txt",
                                  "--limit", "2", "--quiet"]),
    ("corpus-build-out-below-file", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", BELOW_FILE,
                                     "--limit", "2", "--quiet"]),
    ("corpus-build-sentences-missing", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                                        "--sentences", "nope.txt", "--quiet"]),
    ("corpus-build-sentences-binary", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                                       "--sentences", "binary.txt", "--quiet"]),
    ("corpus-build-sentences-empty", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                                      "--sentences", "empty.txt", "--quiet"]),
    ("corpus-build-sentences-directory", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                                          "--sentences", "adir", "--quiet"]),
    ("corpus-build-features-nope", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                                    "--features", "nope", "--quiet"]),
    ("corpus-build-rate-mismatch", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                                    "--rate", "16000", "--quiet"]),
    ("corpus-info-missing", ["speech", "corpus", "info", "nope"]),
    ("corpus-info-file", ["speech", "corpus", "info", "afile.txt"]),
    ("corpus-info-empty-folder", ["speech", "corpus", "info", "adir"]),
    ("corpus-stats-missing", ["speech", "corpus", "stats", "nope"]),
    ("corpus-stats-file", ["speech", "corpus", "stats", "afile.txt"]),
    ("corpus-stats-empty-folder", ["speech", "corpus", "stats", "adir"]),
    ("corpus-stats-garbage-metadata", ["speech", "corpus", "stats", "badcorpus"]),
    ("corpus-stats-config-nope", ["speech", "corpus", "stats", "badcorpus", "--config", "nope"]),
    ("corpus-stats-config-binary", ["speech", "corpus", "stats", "badcorpus", "--config", "binary.yaml"]),
    # speech say
    ("say-out-is-folder", [*SAY, "--out", "adir"]),
    ("say-out-is-folder-named-wav", [*SAY, "--out", "adir.wav"]),
    ("say-out-not-audio", [*SAY, "--out", "light.txt"]),
    ("say-out-format-unknown", [*SAY, "--out", "light.ogg"]),
    ("say-out-below-file", [*SAY, "--out", BELOW_FILE_WAV]),
    ("say-model-nope", [*SAY, "--out", "light.wav", "--model", "nope"]),
    ("say-model-nope-new-folder", [*SAY, "--out", "new/light.wav", "--model", "nope"]),
    ("say-text-file-model-nope", ["speech", "say", "--text-file", "lines.txt", "--out", "said", "--model", "nope"]),
    ("say-text-file-checkpoint-pickle", ["speech", "say", "--text-file", "lines.txt", "--out", "new/said",
                                         "--checkpoint", "model.pkl"]),
    ("say-vocoder-nope", [*SAY, "--out", "light.wav", "--vocoder", "nope"]),
    ("say-input-mode-nope", [*SAY, "--out", "light.wav", "--input-mode", "nope"]),
    ("say-checkpoint-missing", [*SAY, "--out", "light.wav", "--checkpoint", "nope"]),
    ("say-checkpoint-pickle", [*SAY, "--out", "light.wav", "--checkpoint", "model.pkl"]),
    ("say-checkpoint-pt-zip", [*SAY, "--out", "light.wav", "--checkpoint", "model.pt"]),
    ("say-checkpoint-wrong-meta", [*SAY, "--out", "light.wav", "--checkpoint", "badmeta"]),
    ("say-checkpoint-other-task", [*SAY, "--out", "light.wav", "--checkpoint", str(ASSETS / IMAGE)]),
    ("say-vocoder-checkpoint-wrong", [*SAY, "--out", "light.wav", "--vocoder", "neural", "--vocoder-checkpoint",
                                      str(ASSETS / SPEECH)]),
    ("say-model-and-checkpoint", [*SAY, "--out", "light.wav", "--model", "repmix", "--checkpoint",
                                  str(ASSETS / SPEECH)]),
    ("say-no-text", ["speech", "say", "--out", "light.wav"]),
    ("say-text-file-missing", ["speech", "say", "--text-file", "nope.txt", "--out", "said"]),
    ("say-text-file-binary", ["speech", "say", "--text-file", "binary.txt", "--out", "said"]),
    ("say-text-file-empty", ["speech", "say", "--text-file", "empty.txt", "--out", "said"]),
    ("say-text-file-directory", ["speech", "say", "--text-file", "adir", "--out", "said"]),
    ("say-text-file-out-is-file", ["speech", "say", "--text-file", "afile.txt", "--out", "afile.txt"]),
    ("say-alignment-below-file", [*SAY, "--out", "light.wav", "--alignment", "afile.txt/sub/a.png"]),
    ("say-alignment-is-folder", [*SAY, "--out", "light.wav", "--alignment", "adir"]),
    # speech evaluate
    ("speech-evaluate-missing", ["speech", "evaluate", "nope"]),
    ("speech-evaluate-pickle", ["speech", "evaluate", "model.pkl"]),
    ("speech-evaluate-other-task", ["speech", "evaluate", IMAGE]),
    ("speech-evaluate-corpus-missing", ["speech", "evaluate", SPEECH, "--corpus", "nope", "--limit", "1"]),
    ("speech-evaluate-corpus-file", ["speech", "evaluate", SPEECH, "--corpus", "afile.txt", "--limit", "1"]),
    ("speech-evaluate-corpus-garbage", ["speech", "evaluate", SPEECH, "--corpus", "badcorpus", "--limit", "1"]),
    ("speech-evaluate-vocoder-nope", ["speech", "evaluate", SPEECH, "--vocoder", "nope"]),
    ("speech-evaluate-modes-nope", ["speech", "evaluate", SPEECH, "--modes", "nope"]),
    ("speech-evaluate-json-below-file", ["speech", "evaluate", SPEECH, "--corpus", "badcorpus",
                                         "--json", "afile.txt/sub/rows.json"]),
    ("speech-evaluate-json-new-folder", ["speech", "evaluate", SPEECH, "--corpus", "nope", "--json", "new/r.json"]),
    ("speech-evaluate-json-is-folder", ["speech", "evaluate", SPEECH, "--corpus", "badcorpus", "--json", "adir"]),
    # speech invert
    ("invert-missing-npy", ["speech", "invert", "nope.npy", "--out", "x.wav"]),
    ("invert-missing-wav", ["speech", "invert", "nope.wav", "--out", "x.wav"]),
    ("invert-missing-new-folder", ["speech", "invert", "nope.wav", "--out", "new/x.wav", "--png", "new2/x.png"]),
    ("invert-directory", ["speech", "invert", "adir", "--out", "x.wav"]),
    ("invert-not-npy-or-wav", ["speech", "invert", "afile.txt", "--out", "x.wav"]),
    ("invert-empty-npy", ["speech", "invert", "empty.npy", "--out", "x.wav"]),
    ("invert-random-npy", ["speech", "invert", "random.npy", "--out", "x.wav"]),
    ("invert-strings-npy", ["speech", "invert", "strings.npy", "--out", "x.wav"]),
    ("invert-objects-npy", ["speech", "invert", "objects.npy", "--out", "x.wav"]),
    ("invert-vector-npy", ["speech", "invert", "vector.npy", "--out", "x.wav"]),
    ("invert-nan-npy", ["speech", "invert", "nan.npy", "--out", "x.wav"]),
    ("invert-empty-wav", ["speech", "invert", "empty.wav", "--out", "x.wav"]),
    ("invert-random-wav", ["speech", "invert", "random.wav", "--out", "x.wav"]),
    ("invert-text-wav", ["speech", "invert", "text.wav", "--out", "x.wav"]),
    ("invert-silent-wav", ["speech", "invert", "silent.wav", "--out", "x.wav"]),
    ("invert-rate-mismatch", ["speech", "invert", "noise16k.wav", "--out", "x.wav"]),
    ("invert-out-is-folder", ["speech", "invert", "noise.wav", "--out", "adir"]),
    ("invert-out-below-file", ["speech", "invert", "noise.wav", "--out", BELOW_FILE_WAV]),
    ("invert-method-nope", ["speech", "invert", "noise.wav", "--out", "x.wav", "--method", "nope"]),
    ("invert-momentum-nan", ["speech", "invert", "noise.wav", "--out", "x.wav", "--momentum", "nan"]),
    ("invert-momentum-negative", ["speech", "invert", "noise.wav", "--out", "x.wav", "--momentum", "-1"]),
    ("invert-config-nope", ["speech", "invert", "noise.wav", "--out", "x.wav", "--config", "nope"]),
    ("invert-config-binary", ["speech", "invert", "noise.wav", "--out", "x.wav", "--config", "binary.yaml"]),
    ("invert-stats-missing", ["speech", "invert", "vector.npy", "--out", "x.wav", "--stats", "nope.json"]),
    ("invert-png-below-file", ["speech", "invert", "noise.wav", "--out", "x.wav", "--png", "afile.txt/sub/a.png"]),
]

# (id, arguments, the option click names). Click's own usage error: exit 2, a usage box naming the option.
USAGE_CASES = [
    ("sample-n-0", ["sample", IMAGE, "--out", "out", "--n", "0"], "--n"),
    ("sample-n-negative", ["sample", IMAGE, "--out", "out", "--n", "-3"], "--n"),
    ("sample-n-text", ["sample", IMAGE, "--out", "out", "--n", "many"], "--n"),
    ("sample-seed-negative", ["sample", IMAGE, "--out", "out", "--seed", "-1"], "--seed"),
    ("sample-temperature-text", ["sample", IMAGE, "--out", "out", "--temperature", "hot"], "--temperature"),
    ("train-unknown-option", ["train", IMAGE, "--max-steps", "3"], "--max-steps"),
    ("image-classifier-seed-negative", ["image", "classifier", "--seed", "-1"], "--seed"),
    ("harmonize-steps-0", ["music", "harmonize", "bach/bwv66.6", "--out", "out", "--steps", "0"], "--steps"),
    ("infill-no-bars", ["music", "infill", "bach/bwv66.6", "--out", "out"], "--bars"),
    ("say-iterations-0", [*SAY, "--out", "light.wav", "--iterations", "0"], "--iterations"),
    ("invert-iterations-0", ["speech", "invert", "noise.wav", "--out", "x.wav", "--iterations", "0"],
     "--iterations"),
    ("corpus-build-limit-0", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                              "--limit", "0"], "--limit"),
    ("corpus-build-rate-low", ["speech", "corpus", "build", "--voice", "espeak:en-us", "--out", "corpus",
                               "--rate", "100"], "--rate"),
    ("speech-evaluate-limit-negative", ["speech", "evaluate", SPEECH, "--limit", "-1"], "--limit"),
    ("unknown-command", ["sampel", IMAGE], "sampel"),
]


def _tree(root: Path) -> dict[str, tuple]:
    """Every path under `root`: files with size and mtime, folders by name (a probe may touch their mtime)."""
    out = {}
    for path in root.rglob("*"):
        key = str(path.relative_to(root))
        out[key] = ("dir",) if path.is_dir() else (path.stat().st_size, path.stat().st_mtime_ns)
    return out


@pytest.fixture
def work(tmp_path: Path) -> Path:
    _make_inputs(tmp_path)
    return tmp_path


def _run(cwd: Path, args: list[str]) -> SimpleNamespace:
    """`regen ARGS` in `cwd`, in this process (typer's CliRunner: no interpreter start per case;
    tests/cli/test_main.py covers the installed script in a subprocess). An exception that escapes
    a command shows as a traceback, as the script would print it."""
    from typer.testing import CliRunner

    from regen.cli.main import app

    here, env = os.getcwd(), dict(os.environ)
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, args)
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(env)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback: " + "".join(traceback.format_exception(result.exception))
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=stderr)


def _assert_nothing_written(before: dict, after: dict) -> None:
    created = sorted(set(after) - set(before))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    removed = sorted(set(before) - set(after))
    assert not created, f"a failed command left output behind: {created}"
    assert not changed, f"a failed command changed existing files: {changed}"
    assert not removed, f"a failed command removed files: {removed}"


@pytest.mark.parametrize("args", [c[1] for c in ONE_LINE_CASES], ids=[c[0] for c in ONE_LINE_CASES])
def test_one_line_error(work: Path, args: list[str]) -> None:
    before = _tree(work)
    done = _run(work, args)
    err = done.stderr.strip()
    assert done.returncode == 2, f"exit {done.returncode}\nstdout: {done.stdout[-2000:]}\nstderr: {err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), f"expected one 'error:' line, got:\n{err[-3000:]}"
    _assert_nothing_written(before, _tree(work))


@pytest.mark.parametrize("args, option", [c[1:] for c in USAGE_CASES], ids=[c[0] for c in USAGE_CASES])
def test_usage_errors(work: Path, args: list[str], option: str) -> None:
    before = _tree(work)
    done = _run(work, args)
    assert done.returncode == 2, f"exit {done.returncode}\nstderr: {done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert option in done.stderr, done.stderr[-3000:]
    _assert_nothing_written(before, _tree(work))


def test_did_you_mean(tmp_path: Path) -> None:
    """A typo in a shipped config or checkpoint name suggests the right one."""
    done = _run(tmp_path, ["train", "image/digits-pool-tiyn"])
    assert "did you mean 'image/digits-pool-tiny'?" in done.stderr
    done = _run(tmp_path, ["info", "music/sunmask-conv-tyni"])
    assert "did you mean 'music/sunmask-conv-tiny'?" in done.stderr
