"""Text-to-speech: every shipped model x renderer on evaluation sentences never trained on.

Two evaluation sets, each its own tables (`regen.speech.evaluation.tts`): the corpus's
held-out King James sentences, and modern everyday English read by the same voice through
the corpus builder (once, about a minute per 100 sentences):

    regen speech corpus build --voice festival:slt --sentences everyday --out data/eval-everyday

Per system: real-time factor on this CPU (text -> waveform seconds / audio seconds,
one thread), peak resident memory of a process that loads the system and says the
sentences, MCD (DTW, ch4 log-mel cepstra, silence trimmed, against the festival:slt
recording), alignment success, length ratio and the corpus-level word error rate of an
off-the-shelf recogniser (PocketSphinx) with its substitutions, deletions and insertions.
Every row of a table is on the same sentences and the first row is the recordings
themselves. Each system runs in its own child process, whose peak resident memory is
read after synthesis and before scoring (the recogniser and metrics are not counted).
Reference rows resynthesise the recordings themselves (no converter) to show what each
renderer alone costs. Then the thesis's representation-mixing question (the RepMix
model fed chars, phones or mixed input; again on the sentences holding a word no
training transcript has, as a table of its own) and R-MelNet's reranking ablation (the mixed-input and
reranked rows are the systems table's Griffin-Lim rows: the same speech, synthesised once).

    python benchmarks/speech_tts.py [--corpus data/corpus-slt] [--eval-set both|held-out|everyday]
                                    [--eval-corpus data/eval-everyday] [--limit 12]

`--renderers` gives only the renderers' table: each renderer on the recordings' own log-mels and behind
the shipped repmix-tiny, on the same sentences.

Training runs get their own tables instead of the shipped systems': `--curve-run DIR` scores
the timed snapshots of a run (`trainer.snapshot_minutes`, e.g. 15/30/60/120 training minutes)
and its final checkpoint, the curve of WER and alignment success against training time;
`--compare DIR...` scores checkpoints side by side (the alignment-aid ablation, Direct against
RepMix at equal training time), each with Griffin-Lim on the same sentences. A checkpoint's
scores are kept in its folder, so snapshots scored while the run trains are not scored again
(their real-time factor then carries the training's load).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import append_results, kept  # noqa: E402

from regen.core.assets import asset_path  # noqa: E402
from regen.core.errors import RegenError  # noqa: E402
from regen.speech.data.load import load_audio  # noqa: E402
from regen.speech.features.mel import load_mel_config, log_mel  # noqa: E402
from regen.speech.tts.speaker import NEURAL_VOCODERS, VOCODERS, Speaker  # noqa: E402
from regen.speech.evaluation.tts import (EVAL_SETS, EvalRow, eval_items, format_rows,  # noqa: E402
                                         input_mode_table, recording_row, reranking_table, score, score_waves,
                                         synthesise, unseen_words_table)

SYSTEMS = [*((converter, renderer) for converter in ("repmix-tiny", "rmelnet-tiny") for renderer in VOCODERS),
           ("direct-tiny", "gl")]


def speaker(model: str, vocoder: str) -> Speaker:
    """A shipped converter with a renderer of `VOCODERS` (trained ones: the shipped checkpoint)."""
    return Speaker.from_checkpoints(asset_path("speech", model), vocoder)


def one_system(model: str, vocoder: str, items: list) -> dict:
    """Score one system in this process; returns its row and the peak RSS of synthesis."""
    system = speaker(model, vocoder)
    system.say("Warm up.")  # first-call costs (lazy imports, dictionary, allocator) are not synthesis
    speeches, seconds = synthesise(system, items)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"{model} (waveform frames, no renderer)" if model.startswith("direct") else f"{model} + {vocoder}"
    return {**score(items, speeches, seconds, label).__dict__, "peak_mb": peak_mb}


def resynthesis_rows(items: list) -> list[EvalRow]:
    """Each renderer applied to the recordings' own log-mels (no converter), on the same items."""
    from regen.speech.features.inversion import invert_log_mel
    from regen.core.task import load_model

    mel = load_mel_config("logmel-ch4")
    trained = {name: load_model(shipped, task=task)[0] for name, (task, shipped) in NEURAL_VOCODERS.items()}
    rows = []
    for name in VOCODERS:
        waves, seconds = [], 0.0
        for item in items:
            lm = log_mel(load_audio(item, mel.sample_rate), mel)
            t0 = time.perf_counter()
            est = trained[name].vocode(lm) if name in trained else invert_log_mel(lm, mel, name, 64)
            seconds += time.perf_counter() - t0
            waves.append(est.numpy())
        rows.append(score_waves(items, waves, mel.sample_rate, f"recording's log-mel + {name}", seconds))
    return rows


def run_set(args: argparse.Namespace, eval_set: str) -> None:
    """The tables of one evaluation set, appended to RESULTS.md."""
    items, vocabulary = eval_items(eval_set, args.corpus, args.eval_corpus, args.limit)
    rows, rss = [recording_row(items)], ["-"]
    with_gl: dict[str, EvalRow] = {}  # each converter with Griffin-Lim, mixed input: reused by the tables below
    for model, vocoder in SYSTEMS:
        child = subprocess.run([sys.executable, __file__, "--corpus", args.corpus, "--eval-set", eval_set,
                                "--eval-corpus", args.eval_corpus, "--limit", str(args.limit),
                                "--one", model, vocoder], capture_output=True, text=True, check=True)
        r = json.loads(child.stdout.strip().splitlines()[-1])
        rows.append(EvalRow.from_dict(r))
        if vocoder == "gl":
            with_gl[model] = rows[-1]
        rss.append(f"{r['peak_mb']:.0f}")
        print(f"{r['setting']}: WER {r['wer']:.3f}, MCD {r['mcd_db']:.2f} dB", flush=True)
    resynthesis = resynthesis_rows(items)
    rows += resynthesis
    rss += ["-"] * len(resynthesis)
    name = {"held-out": "held-out King James sentences", "everyday": "everyday English sentences"}[eval_set]
    lines = [format_rows(rows, f"Systems on {len(items)} {name}:", extra=("peak RSS (MB)", rss))]
    repmix, rmelnet = speaker("repmix-tiny", "gl"), speaker("rmelnet-tiny", "gl")
    modes = input_mode_table(repmix, items, scored={"mixed": with_gl["repmix-tiny"]})
    lines += ["", format_rows(modes, "RepMix TTS + Griffin-Lim, by input representation (note as above):", note="")]
    unseen = unseen_words_table(repmix, items, vocabulary)
    if unseen:
        lines += ["", format_rows(unseen, "RepMix TTS + Griffin-Lim, by input representation, on the sentences "
                                          "holding a word absent from training (note as above):", note="")]
    reranking = reranking_table(rmelnet, items, reranked=with_gl["rmelnet-tiny"])
    lines += ["", format_rows(reranking, "R-MelNet + Griffin-Lim, mixed input: noisy "
                              "multi-sample generation and attention reranking against plain sampling "
                              "(note as above):", note="")]
    append_results(f"Speech: text-to-speech systems on {name} (festival:slt)", lines,
                   f"python benchmarks/speech_tts.py --corpus {args.corpus} --eval-set {eval_set} "
                   f"--eval-corpus {args.eval_corpus} --limit {args.limit}")


def run_renderers(args: argparse.Namespace, eval_set: str) -> None:
    """Every renderer on the recordings' own log-mels and behind the shipped RepMix, on one set."""
    items, _ = eval_items(eval_set, args.corpus, args.eval_corpus, args.limit)
    name = {"held-out": "held-out King James sentences", "everyday": "everyday English sentences"}[eval_set]
    rows = [recording_row(items), *resynthesis_rows(items)]
    for vocoder in VOCODERS:
        speeches, seconds = synthesise(speaker("repmix-tiny", vocoder), items)
        rows.append(score(items, speeches, seconds, f"repmix-tiny + {vocoder}"))
    append_results(f"Speech: renderers on {name} (festival:slt)",
                   [format_rows(rows, f"Renderers on {len(items)} {name}, alone (recordings' log-mels) and behind "
                                f"repmix-tiny (mixed input):")],
                   f"python benchmarks/speech_tts.py --corpus {args.corpus} --eval-set {eval_set} --eval-corpus "
                   f"{args.eval_corpus} --limit {args.limit} --renderers")


def checkpoint_row(path: Path, items: list, label: str, eval_set: str) -> EvalRow:
    """A converter checkpoint (a run's checkpoint or snapshot folder) + Griffin-Lim, scored on items.

    The row is kept in the folder (`scores/<set>-<n>.json`, keyed by the weights' digest), so a
    snapshot scored while its run still trains (`--compare` on it) is not scored again by the curve."""
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in sorted(path.glob("*.safetensors")))).hexdigest()

    def scored() -> dict:
        system = Speaker.from_checkpoints(path, "gl")
        system.say("Warm up.")
        speeches, seconds = synthesise(system, items)
        return asdict(score(items, speeches, seconds, label))

    row = kept(path / "scores" / f"{eval_set}-{len(items)}.json", {"weights": digest}, scored)
    return EvalRow.from_dict({**row, "setting": label})


def training_point(path: Path) -> str:
    """'<folder>, step S, M training min' from a checkpoint or snapshot folder's meta.json."""
    meta = json.loads((path / "meta.json").read_text())
    info = meta.get("snapshot") or next(iter(meta.get("phases", {}).values()), {})
    steps, seconds = info.get("step", info.get("steps", "?")), info.get("train_seconds", info.get("seconds"))
    where = path.name if "snapshots" in path.parts else path.parent.name if path.name == "checkpoint" else path.name
    return f"{where}, step {steps}, " + (f"{seconds / 60:.0f} training min" if seconds else "time unknown")


def run_training_tables(args: argparse.Namespace, eval_set: str) -> None:
    """The curve of --curve-run and the comparison of --compare on one evaluation set."""
    items, _ = eval_items(eval_set, args.corpus, args.eval_corpus, args.limit)
    name = {"held-out": "held-out King James sentences", "everyday": "everyday English sentences"}[eval_set]
    command = (f"python benchmarks/speech_tts.py --corpus {args.corpus} --eval-set {eval_set} --eval-corpus "
               f"{args.eval_corpus} --limit {args.limit}")
    recordings = recording_row(items)
    if args.curve_run:
        run = args.curve_run
        snaps = sorted(run.glob("*/snapshots/*min"), key=lambda p: float(p.name[:-3]))
        points = [*snaps, *([run / "checkpoint"] if (run / "checkpoint").is_dir() else [])]
        if not points:
            sys.exit(f"error: no snapshots or checkpoint under {run}; train with trainer.snapshot_minutes")
        rows = [recordings, *(checkpoint_row(p, items, training_point(p), eval_set) for p in points)]
        append_results(f"Speech: training curve of {run} on {name} (festival:slt, Griffin-Lim)",
                       [format_rows(rows, f"Timed snapshots of {run} on {len(items)} {name}:")],
                       f"{command} --curve-run {run}")
    if args.compare:
        rows = [recordings, *(checkpoint_row(p, items, training_point(p), eval_set) for p in args.compare)]
        append_results(f"Speech: checkpoints compared on {name} (festival:slt, Griffin-Lim)",
                       [format_rows(rows, f"{len(args.compare)} checkpoints on {len(items)} {name}:")],
                       f"{command} --compare {' '.join(map(str, args.compare))}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Text-to-speech systems on evaluation sentences never trained on.")
    parser.add_argument("--corpus", default="data/corpus-slt", help="the training corpus (its held-out sentences)")
    parser.add_argument("--eval-set", choices=[*EVAL_SETS, "both"], default="both",
                        help="which evaluation set; both gives each its own tables")
    parser.add_argument("--eval-corpus", default="data/eval-everyday",
                        help="the everyday sentences read by the voice: regen speech corpus build --voice "
                             "festival:slt --sentences everyday --out DIR")
    parser.add_argument("--limit", type=int, default=12, help="first N sentences of each set (0: all)")
    parser.add_argument("--curve-run", type=Path, help="score this run's timed snapshots and final checkpoint "
                        "instead of the shipped systems")
    parser.add_argument("--compare", type=Path, nargs="+", help="score these checkpoint folders side by side "
                        "instead of the shipped systems")
    parser.add_argument("--renderers", action="store_true", help="only the renderers' table: each renderer on "
                        "the recordings' log-mels and behind the shipped repmix-tiny")
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "VOCODER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    chosen = list(EVAL_SETS) if args.eval_set == "both" else [args.eval_set]
    if args.one:
        items, _ = eval_items(args.eval_set, args.corpus, args.eval_corpus, args.limit)
        print(json.dumps(one_system(*args.one, items)))
        return
    try:
        for eval_set in chosen:  # missing recordings fail now, with the command that builds them
            eval_items(eval_set, args.corpus, args.eval_corpus, 1)
    except RegenError as exc:
        sys.exit(f"error: {exc}")
    for eval_set in chosen:
        if args.renderers:
            run_renderers(args, eval_set)
        elif args.curve_run or args.compare:
            run_training_tables(args, eval_set)
        else:
            run_set(args, eval_set)


if __name__ == "__main__":
    main()
