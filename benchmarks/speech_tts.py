"""Text-to-speech: every shipped model x renderer on evaluation sentences never trained on.

Two evaluation sets, each its own tables (`regen.speech.evaluation.tts`): the corpus's
held-out King James sentences, and modern everyday English read by the same voice through
the corpus builder (once, about a minute per 100 sentences):

    regen speech corpus build --voice festival:slt --sentences everyday --out data/eval-everyday

Per system: real-time factor on this CPU (text -> waveform seconds / audio seconds,
one thread), peak resident memory of a process that loads the system and says the
sentences, MCD (WORLD/SPTK mel-cepstra of order 24 at 16 kHz, c0 left out, silence trimmed,
DTW, against the festival:slt recording) and the earlier log-mel cepstral distance, alignment
success, length ratio and the corpus-level word error rate of an off-the-shelf recogniser
(PocketSphinx) with its substitutions, deletions and insertions.
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

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import kept, record_results  # noqa: E402

from regen.core.assets import asset_path  # noqa: E402
from regen.core.errors import RegenError  # noqa: E402
from regen.speech.data.load import load_audio  # noqa: E402
from regen.speech.data.eval_sets import sentence_split  # noqa: E402
from regen.speech.vocoder.data import load_items  # noqa: E402
from regen.speech.features.mel import load_mel_config, log_mel  # noqa: E402
from regen.speech.tts.renderers import NEURAL_VOCODERS, VOCODERS  # noqa: E402
from regen.speech.tts.speaker import Speaker  # noqa: E402
from regen.speech.evaluation.tts import (EVAL_SETS, EvalRow, eval_items, format_rows,  # noqa: E402
                                         input_mode_table, recording_row, reranking_table, score, score_waves,
                                         synthesise, unseen_words_table)

SYSTEMS = [("duration-tiny", "istft"), ("duration-tiny", "gl"),
           *((converter, renderer) for converter in ("repmix-tiny", "rmelnet-tiny") for renderer in VOCODERS)]


def speaker(model: str, vocoder: str) -> Speaker:
    """A shipped converter with a renderer of `VOCODERS` (trained ones: the shipped checkpoint)."""
    return Speaker.from_checkpoints(asset_path("speech", model), vocoder)


def one_system(model: str, vocoder: str, items: list) -> dict:
    """Score one system in this process; returns its row and the peak RSS of synthesis."""
    system = speaker(model, vocoder)
    system.say("Warm up.")  # first-call costs (lazy imports, dictionary, allocator) are not synthesis
    speeches, seconds = synthesise(system, items)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"{model} + {vocoder}"
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
    record_results(f"Speech: text-to-speech systems on {name} (festival:slt)", lines,
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
    record_results(f"Speech: renderers on {name} (festival:slt)",
                   [format_rows(rows, f"Renderers on {len(items)} {name}, alone (recordings' log-mels) and behind "
                                f"repmix-tiny (mixed input):")],
                   f"python benchmarks/speech_tts.py --corpus {args.corpus} --eval-set {eval_set} --eval-corpus "
                   f"{args.eval_corpus} --limit {args.limit} --renderers")


SET_KEYS = {"King James": "kjv", "everyday": "everyday"}  # --sets names of the two evaluation sets


def voice_items(args: argparse.Namespace, voice: str) -> dict[str, list]:
    """The `args.split` items of one voice (a folder name, e.g. festival-kal) per evaluation set: the
    corpus's held-out King James sentences and the everyday sentences of `--eval-corpus` (first
    `--limit` of each, 0: all)."""
    from regen.speech.evaluation.tts import held_out

    held, _ = held_out(args.corpus)
    everyday = load_items(Path(args.eval_corpus) / voice, load_mel_config("logmel-ch4")).items
    out = {}
    for name, items in (("King James", held), ("everyday", everyday)):
        if SET_KEYS[name] not in args.sets:
            continue
        chosen = sorted((i for i in items if i.speaker == voice and sentence_split(i.id) == args.split), key=lambda i: i.id)
        out[name] = chosen[: args.limit] if args.limit else chosen
    return out


def voice_row(label: str, items: list, waves: list, sample_rate: int, seconds: float,
              recordings: dict | None = None) -> dict:
    """WER with its 95 % interval (sentences resampled), MCD, length ratio and RTF of waveforms (one per
    item); `recordings` (the same voice's row on the same items) gives the WER ratio to them. The row keeps
    each sentence's word errors and reference words (`errors`, `words`) for pooling."""
    from intervals import ratio_interval, with_interval

    from regen.speech.evaluation.tts import hear, mcd_against_recording
    from regen.speech.features.measures import word_errors

    errors = [word_errors(i.normalized, hear(w, sample_rate)) for i, w in zip(items, waves)]
    wrong = [e.substitutions + e.deletions + e.insertions for e in errors]
    words = [e.reference_words for e in errors]
    wer = sum(wrong) / max(sum(words), 1)
    audio = sum(len(w) for w in waves) / sample_rate
    mcd = [mcd_against_recording(i, w, sample_rate) for i, w in zip(items, waves)] if recordings else []
    row = {"setting": label, "sentences": len(items), "wer": wer, "errors": wrong, "words": words,
           "wer_cell": with_interval(wer, ratio_interval(wrong, words)),
           "ratio": "-" if recordings is None else f"{wer / max(recordings['wer'], 1e-9):.2f}",
           "mcd": f"{np.mean(mcd):.2f}" if mcd else "-",
           "length": f"{audio / max(sum(i.seconds for i in items), 1e-9):.2f}",
           "rtf": "-" if recordings is None else f"{seconds / max(audio, 1e-9):.3f}"}
    return row


def whole_process_line(extra: tuple[str, ...] = (), runs: int = 3) -> str:
    """`regen speech say "<one sentence>" EXTRA` as a whole process (start-up, loading, synthesis, writing):
    median wall seconds of `runs` runs, and the peak resident memory of those processes."""
    import shutil
    import tempfile

    command = shutil.which("regen") or sys.exit("error: the regen command is not on PATH (activate .venv)")
    sentence = "The birch canoe slid on the smooth planks."
    # a watcher process runs each command and reports its peak resident memory alone (KB)
    watcher = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    times, peaks = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", watcher, command, "speech", "say", sentence, *extra, "--out",
                                   str(Path(folder) / "said.wav")], check=True, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            peaks.append(int(done.stdout.split()[-1]))
    peak = max(peaks) / 1024
    return (f"`regen speech say \"{sentence}\" {' '.join(extra)} --out said.wav` as a whole process: "
            f"{np.median(times):.2f} s "
            f"(median of {runs}), peak resident memory {peak:.0f} MB.")


def run_voices(args: argparse.Namespace) -> None:
    """The duration model (`say --voice`), each of its voices, against each voice's recordings on the
    `--split` sentences, with the thesis's attention models beside it on the voice they learned (slt)."""
    from regen.speech.tts.duration.speak import DurationSpeaker

    source = args.checkpoint or asset_path("speech", "duration-tiny")
    model = Speaker.from_checkpoints(source, args.vocoder, args.vocoder_checkpoint)
    if not isinstance(model, DurationSpeaker) or not model.voices:
        sys.exit(f"error: {source} is not a multi-voice duration model")
    name_of = "duration-tiny" if args.checkpoint is None else training_point(Path(args.checkpoint))
    shipped_scales = dict(model.cfg.sample.voice_length_scales)
    calibrated = shipped_scales
    if args.calibrated and not calibrated:  # measured now on training utterances, as `regen speech calibrate` does
        from regen.speech.tts.duration.calibration import voice_length_scales

        calibrated = {v: s for v, (s, _) in voice_length_scales(model.converter, model.cfg, args.corpus).items()}
    model.say("Warm up.")
    lines = ["| voice | sentences | setting | n | WER [95 % CI] | x recordings | MCD (dB) | length ratio | RTF |",
             "|---|---|---|---|---|---|---|---|---|"]
    others = [("repmix-tiny", "istft"), ("rmelnet-tiny", "gl")]
    for name in model.voices:
        folder = name.replace(":", "-")
        for set_name, items in voice_items(args, folder).items():
            if not items:
                continue
            rate = items[0].sample_rate
            recordings = voice_row("the recordings themselves", items, [load_audio(i, rate) for i in items], rate, 0.0)
            rows = [recordings]
            systems = [(model, f"{name_of} + {args.vocoder}", {"voice": name, "length_scale": scale, "calibrated": on})
                       for scale in args.length_scales or [model.cfg.sample.length_scale]
                       for on in ((False, True) if args.calibrated else (bool(shipped_scales),))]
            if name == "festival:slt" and args.checkpoint is None:
                systems += [(speaker(m, v), f"{m} + {v}", {}) for m, v in others]
            for system, label, controls in systems:
                if "length_scale" in controls:  # the duration model's calibration, set on the speaker's config
                    system.cfg.sample.length_scale = controls.pop("length_scale")
                    system.cfg.sample.voice_length_scales = calibrated if controls.pop("calibrated") else {}
                    if not system.cfg.sample.voice_length_scales:
                        label += ", uncalibrated" if args.calibrated else ""
                    label += f", length scale {system.length_scale(name):.3g}"
                    label += " (calibrated)" if system.cfg.sample.voice_length_scales else ""
                speeches, seconds = synthesise(system, items, **controls)
                rows.append(voice_row(label, items, [sp.wave for sp in speeches], speeches[0].sample_rate, seconds,
                                      recordings))
                print(f"{name} {set_name} {label}: WER {rows[-1]['wer_cell']}", flush=True)
            for r in rows:
                lines.append(f"| {name} | {set_name} | {r['setting']} | {r['sentences']} | {r['wer_cell']} | "
                             f"{r['ratio']} | {r['mcd']} | {r['length']} | {r['rtf']} |")
    if args.checkpoint is None:
        lines += ["", whole_process_line(("--voice", "slt")), "", whole_process_line(("--model", "repmix"))]
    lines += ["", f"Sentences of the {args.split} split (sentence number odd: test, even: dev; the same sentences "
              "for every voice), never trained on: the corpus's held-out King James sentences and the everyday "
              "English set, each read by the voice itself (the recordings). WER: corpus-level word error rate of "
              "PocketSphinx, 95 % interval by resampling sentences (benchmarks/intervals.py); x recordings: the "
              "row's WER over the recordings' WER on the same sentences; MCD: WORLD/SPTK mel-cepstral distortion "
              "against the recording (order 24 at 16 kHz, c0 left out, silence trimmed, DTW); RTF: synthesis "
              "seconds (text -> waveform, one thread) per second of audio."]
    if args.no_append:
        print("\n".join(lines))
        return
    record_results(f"Speech: the duration model, every voice against its recordings ({args.split} sentences)", lines,
                   f"python benchmarks/speech_tts.py --voices --corpus {args.corpus} --eval-corpus "
                   f"{args.eval_corpus} --split {args.split} --limit {args.limit} --vocoder {args.vocoder}"
                   + (f" --checkpoint {args.checkpoint}" if args.checkpoint else "")
                   + (f" --length-scales {' '.join(map(str, args.length_scales))}" if args.length_scales else "")
                   + (f" --sets {' '.join(args.sets)}" if args.sets != list(SET_KEYS.values()) else "")
                   + (f" --vocoder-checkpoint {args.vocoder_checkpoint}" if args.vocoder_checkpoint else ""))


def scoring_digest() -> str:
    """Digest of the code that scores a row (the evaluation and its measures): a kept row scored by other
    code is scored again."""
    import regen.speech.evaluation.tts as evaluation
    import regen.speech.features.measures as measures

    return hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (evaluation, measures))).hexdigest()[:16]


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

    row = kept(path / "scores" / f"{eval_set}-{len(items)}.json", {"weights": digest, "scoring": scoring_digest()},
               scored)
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
        record_results(f"Speech: training curve of {run} on {name} (festival:slt, Griffin-Lim)",
                       [format_rows(rows, f"Timed snapshots of {run} on {len(items)} {name}:")],
                       f"{command} --curve-run {run}")
    if args.compare:
        rows = [recordings, *(checkpoint_row(p, items, training_point(p), eval_set) for p in args.compare)]
        record_results(f"Speech: checkpoints compared on {name} (festival:slt, Griffin-Lim)",
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
    parser.add_argument("--voices", action="store_true", help="only the voices table: the shipped duration model "
                        "in each of its voices against each voice's recordings (--corpus data/corpus-voices "
                        "--eval-corpus data/eval-everyday-voices)")
    parser.add_argument("--split", choices=("dev", "test"), default="test", help="with --voices: which sentences")
    parser.add_argument("--no-append", action="store_true", help="with --voices: print only (choices on dev)")
    parser.add_argument("--sets", nargs="+", choices=list(SET_KEYS.values()), default=list(SET_KEYS.values()),
                        help="with --voices: the evaluation sets (kjv: held-out King James, everyday)")
    parser.add_argument("--length-scales", type=float, nargs="+", help="with --voices: one row per duration scale "
                        "(sample.length_scale; default the checkpoint's own)")
    parser.add_argument("--calibrated", action="store_true", help="with --voices: rows with and without the per-voice "
                        "duration calibration (the checkpoint's sample.voice_length_scales, else measured on training "
                        "utterances as `regen speech calibrate` does)")
    parser.add_argument("--checkpoint", type=Path, help="with --voices: a run's duration checkpoint or snapshot "
                        "instead of the shipped one (its rows alone)")
    parser.add_argument("--vocoder-checkpoint", type=Path, help="with --voices: a trained vocoder instead of the "
                        "shipped one")
    parser.add_argument("--vocoder", default="istft", choices=VOCODERS, help="with --voices: the duration "
                        "model's renderer")
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "VOCODER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.voices:
        run_voices(args)
        return
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
