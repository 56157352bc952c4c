"""Text-to-speech: every shipped model x renderer on the corpus's held-out sentences.

Per system: real-time factor on this CPU (text -> waveform seconds / audio seconds,
one thread), peak resident memory of a process that loads the system and says the
sentences, MCD (DTW, ch4 log-mel cepstra, against the festival:slt recording),
alignment success, length ratio and the word error rate of an off-the-shelf
recogniser (PocketSphinx; see `regen.speech.evaluation.tts`), beside its WER on the
recordings themselves. Each system runs
in its own child process, whose peak resident memory is read after synthesis and
before scoring (the recogniser and metrics are not counted). Then the thesis's
representation-mixing question (the RepMix model fed chars, phones or mixed input,
also on sentences holding a word no training transcript has) and R-MelNet's
reranking ablation. Reference rows resynthesise the recordings themselves (no
converter) to show what each renderer alone costs.

    python benchmarks/speech_tts.py [--corpus data/corpus-slt] [--limit 12]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import append_results  # noqa: E402

from regen.core.assets import asset_path  # noqa: E402
from regen.speech.data.load import load_audio  # noqa: E402
from regen.speech.features.mel import load_mel_config, log_mel  # noqa: E402
from regen.speech.tts.speaker import Speaker  # noqa: E402
from regen.speech.evaluation.tts import (against_recording, format_rows, held_out, input_mode_table,  # noqa: E402
                                    recording_row, reranking_table, score, synthesise)

SYSTEMS = [("repmix-tiny", "gl"), ("repmix-tiny", "lbfgs"), ("repmix-tiny", "neural"),
           ("rmelnet-tiny", "gl"), ("rmelnet-tiny", "lbfgs"), ("rmelnet-tiny", "neural"), ("direct-tiny", "gl")]


def speaker(model: str, vocoder: str) -> Speaker:
    return Speaker.from_checkpoints(asset_path("speech", model), vocoder, asset_path("speech", "vocoder-tiny"))


def one_system(model: str, vocoder: str, corpus: str, limit: int) -> dict:
    """Score one system in this process; returns its row and the peak RSS of synthesis."""
    items, _ = held_out(corpus, limit)
    system = speaker(model, vocoder)
    system.say("Warm up.")  # first-call costs (lazy imports, dictionary, allocator) are not synthesis
    speeches, seconds = synthesise(system, items)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"{model} (waveform frames, no renderer)" if model.startswith("direct") else f"{model} + {vocoder}"
    return {**score(items, speeches, seconds, label).__dict__, "peak_mb": peak_mb}


def resynthesis_rows(corpus: str, limit: int) -> list[str]:
    """MCD of each renderer applied to the recordings' own log-mels (no converter)."""
    from regen.speech.features.inversion import invert_log_mel
    from regen.core.task import load_model

    mel = load_mel_config("logmel-ch4")
    items, _ = held_out(corpus, limit)
    vocoder, _, _ = load_model("speech/vocoder-tiny", task="speech-vocoder")
    out = []
    for name in ("gl", "lbfgs", "neural"):
        mcd, wer, seconds, audio = [], [], 0.0, 0.0
        for item in items:
            wave = load_audio(item, mel.sample_rate)
            lm = log_mel(wave, mel)
            t0 = time.perf_counter()
            est = vocoder.vocode(lm) if name == "neural" else invert_log_mel(lm, mel, name, 64)
            seconds += time.perf_counter() - t0
            audio += len(wave) / mel.sample_rate
            distortion, errors = against_recording(item, est.numpy(), mel.sample_rate)
            mcd.append(distortion)
            wer.append(errors)
        out.append(f"| recording's log-mel + {name} | {len(items)} | {np.mean(mcd):.2f} | - | 1.00 | "
                   f"{seconds / audio:.3f} | {np.mean(wer):.2f} | - |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="data/corpus-slt")
    parser.add_argument("--limit", type=int, default=12, help="held-out sentences per system")
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "VOCODER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.one:
        print(json.dumps(one_system(*args.one, args.corpus, args.limit)))
        return
    lines = ["| system | sentences | MCD (dB) | alignment success | length ratio | RTF | WER | peak RSS (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for model, vocoder in SYSTEMS:
        child = subprocess.run([sys.executable, __file__, "--corpus", args.corpus, "--limit", str(args.limit),
                                "--one", model, vocoder], capture_output=True, text=True, check=True)
        r = json.loads(child.stdout.strip().splitlines()[-1])
        lines.append(f"| {r['setting']} | {r['sentences']} | {r['mcd_db']:.2f} | {r['success']:.2f} | "
                     f"{r['length_ratio']:.2f} | {r['rtf']:.3f} | {r['wer']:.2f} | {r['peak_mb']:.0f} |")
        print(lines[-1], flush=True)
    items, vocabulary = held_out(args.corpus, args.limit)
    rec = recording_row(items)
    lines.append(f"| {rec.setting} | {rec.sentences} | - | - | - | - | {rec.wer:.2f} | - |")
    lines += resynthesis_rows(args.corpus, min(args.limit, 4))
    modes = input_mode_table(speaker("repmix-tiny", "gl"), items, vocabulary)
    rerank = reranking_table(speaker("rmelnet-tiny", "gl"), items)
    lines += ["", format_rows(modes, "RepMix TTS + Griffin-Lim, by input representation "
                                     "(\"unseen words\": sentences holding a word absent from training):"),
              "", format_rows(rerank, "R-MelNet + Griffin-Lim, mixed input: noisy multi-sample generation and "
                                      "attention reranking against plain sampling:")]
    append_results("Speech: text-to-speech systems on held-out sentences (festival:slt)", lines,
                   f"python benchmarks/speech_tts.py --corpus {args.corpus} --limit {args.limit}")


if __name__ == "__main__":
    main()
