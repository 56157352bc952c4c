"""Mel inversion: speed and quality of regen's Griffin-Lim / L-BFGS against librosa.

All methods run on the same 5 s utterances (synthesised here with espeak-ng and,
when installed, festival's slt voice) with the thesis ch. 4 log-mel settings.
Phase-only rows start from the true STFT magnitude; "from mel" rows start from
the log-mel (NNLS back to a magnitude first). Times are the best of `--repeats`
rounds, every method once per round (interleaved, so load from other processes hits
all methods alike); torch runs on one thread like librosa's FFTs unless --threads.
RTF = compute seconds / audio seconds (lower is faster). SC is spectral convergence
against the original magnitude, LSD the log-spectral distance inside the mel band
(125-7800 Hz), mel L1 the mean absolute log-mel error.

    python benchmarks/speech_inversion.py [--repeats 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import librosa
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record_results  # noqa: E402

from regen.speech.data.audio import resample  # noqa: E402
from regen.speech.features.inversion import griffin_lim, invert_log_mel, mel_to_magnitude  # noqa: E402
from regen.speech.features.mel import istft, load_mel_config, log_mel, magnitude, stft  # noqa: E402
from regen.speech.features.measures import log_spectral_distance, mel_band, mel_l1, spectral_convergence  # noqa: E402
from regen.speech.features.stft import framed_stft  # noqa: E402
from regen.speech.data.voices import parse_voice  # noqa: E402

SECONDS = 5.0
TEXTS = ["And God said, Let there be light: and there was light. And God saw the light, that it was good.",
         "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.",
         "It is easy to tell the depth of a well. These days a chicken leg is a rare dish."]


def utterances(cfg) -> list[np.ndarray]:
    """Exactly 5 s waveforms (samples,) at cfg.sample_rate, one per voice and text."""
    specs = ["espeak:en-us", "festival:slt"]
    out = []
    for spec in specs:
        try:
            utts = list(parse_voice(spec).synthesize(TEXTS))
        except Exception as exc:  # a missing synthesiser only shrinks the test set
            print(f"skipping {spec}: {exc}")
            continue
        for utt in utts:
            audio = resample(utt.audio, utt.sample_rate, cfg.sample_rate)
            audio = np.pad(audio, (0, max(0, int(SECONDS * cfg.sample_rate) - len(audio))))
            out.append(audio[: int(SECONDS * cfg.sample_rate)].astype(np.float32))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_mel_config("logmel-ch4")
    waves = utterances(cfg)
    audio_seconds = SECONDS * len(waves)
    refs = [magnitude(torch.from_numpy(w)[None], cfg) for w in waves]  # (1, n_freq, frames)
    mels = [log_mel(w, cfg) for w in waves]  # (frames, n_mels)
    length = len(waves[0])
    lib = dict(n_fft=cfg.n_fft, hop_length=cfg.hop_length, win_length=cfg.win_length)

    def score(outs):
        sc = np.mean([spectral_convergence(r, magnitude(torch.as_tensor(o, dtype=torch.float32).reshape(1, -1), cfg))
                      for r, o in zip(refs, outs)])
        lsd = np.mean([log_spectral_distance(r, magnitude(torch.as_tensor(o, dtype=torch.float32).reshape(1, -1), cfg),
                                             bins=mel_band(cfg))
                       for r, o in zip(refs, outs)])
        l1 = np.mean([mel_l1(m, log_mel(np.asarray(o).reshape(-1), cfg)) for m, o in zip(mels, outs)])
        return sc, lsd, l1

    ops = framed_stft(cfg.n_fft, cfg.hop_length, cfg.win_length, length)
    specs = [stft(torch.from_numpy(w)[None], cfg) for w in waves]
    batch = torch.cat(refs)
    no_grad = torch.no_grad
    methods = {
        "bare torch.stft + torch.istft pair (x1)": (False, lambda: [stft(istft(s, cfg, length), cfg) for s in specs]),
        "bare regen FramedSTFT pair (x1)": (False, lambda: [ops.forward(ops.inverse(s.transpose(1, 2))) for s in specs]),
        "regen Griffin-Lim 32 it (phase only)": (True, lambda: [griffin_lim(r, cfg, 32)[0].numpy() for r in refs]),
        "regen Griffin-Lim 64 it (phase only)": (True, lambda: [griffin_lim(r, cfg, 64)[0].numpy() for r in refs]),
        "regen Griffin-Lim 64 it, momentum 0 (phase only)":
            (True, lambda: [griffin_lim(r, cfg, 64, momentum=0.0)[0].numpy() for r in refs]),
        "regen Griffin-Lim 64 it, whole batch in one call (phase only)":
            (True, lambda: list(griffin_lim(batch, cfg, 64).numpy())),
        "librosa.griffinlim 32 it (phase only)": (True, lambda: [librosa.griffinlim(
            r[0].numpy(), n_iter=32, random_state=0, length=length, **lib) for r in refs]),
        "librosa.griffinlim 64 it (phase only)": (True, lambda: [librosa.griffinlim(
            r[0].numpy(), n_iter=64, random_state=0, length=length, **lib) for r in refs]),
        "regen NNLS mel -> magnitude only": (False, lambda: [mel_to_magnitude(m.exp().T[None], cfg) for m in mels]),
        "regen NNLS + Griffin-Lim 32 it (from mel)": (True, lambda: [invert_log_mel(m, cfg, "gl", 32).numpy() for m in mels]),
        "regen NNLS + Griffin-Lim 64 it (from mel)": (True, lambda: [invert_log_mel(m, cfg, "gl", 64).numpy() for m in mels]),
        "librosa mel_to_audio 32 it (from mel)": (True, lambda: [librosa.feature.inverse.mel_to_audio(
            m.exp().T.numpy(), sr=cfg.sample_rate, power=1.0, fmin=cfg.fmin, fmax=cfg.fmax, n_iter=32, length=length,
            **lib) for m in mels]),
        "regen L-BFGS 100 it (from mel)": (True, lambda: [invert_log_mel(m, cfg, "lbfgs", 100).numpy() for m in mels]),
        "regen L-BFGS 100 + GL 100 (from mel, thesis pipeline)":
            (True, lambda: [invert_log_mel(m, cfg, "lbfgs-gl", 100).numpy() for m in mels]),
    }
    best = {name: float("inf") for name in methods}
    outputs = {}
    for round_ in range(args.repeats):
        for name, (_, fn) in methods.items():
            with no_grad() if "L-BFGS" not in name else torch.enable_grad():
                start = time.perf_counter()
                outputs[name] = fn()
                best[name] = min(best[name], time.perf_counter() - start)
        print(f"round {round_ + 1}/{args.repeats} done", flush=True)
    rows = [(name, best[name], score(outputs[name]) if quality else None) for name, (quality, _) in methods.items()]
    gl = {it: best[f"regen Griffin-Lim {it} it (phase only)"] for it in (32, 64)}
    lr = {it: best[f"librosa.griffinlim {it} it (phase only)"] for it in (32, 64)}
    pair_torch = best["bare torch.stft + torch.istft pair (x1)"]
    pair_framed = best["bare regen FramedSTFT pair (x1)"]
    nnls = best["regen NNLS mel -> magnitude only"]
    batched = best["regen Griffin-Lim 64 it, whole batch in one call (phase only)"]
    threads = torch.get_num_threads()

    lines = [f"{len(waves)} utterances x {SECONDS:.0f} s, config logmel-ch4 (22.05 kHz, 80 mels, 512/128), "
             f"torch {torch.__version__} with {threads} threads, librosa {librosa.__version__}.", "",
             "| method | seconds | RTF | SC | LSD dB | mel L1 |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, seconds, quality in rows:
        q = " | ".join(f"{v:.4f}" for v in quality) if quality else "- | - | -"
        lines.append(f"| {name} | {seconds:.3f} | {seconds / audio_seconds:.4f} | {q} |")
    per_iter = gl[64] / 64
    lines += ["",
              f"- speed-up over librosa.griffinlim: {lr[32] / gl[32]:.2f}x at 32 it, {lr[64] / gl[64]:.2f}x at 64 it "
              "",
              f"- Griffin-Lim cost per iteration (64-it time / 64, setup included): {1e3 * per_iter / len(waves):.3f} ms per utterance"
              f" = {per_iter / pair_torch:.2f}x a bare torch.stft+istft pair ({1e3 * pair_torch / len(waves):.3f} ms),"
              f" {per_iter / pair_framed:.2f}x regen's bare FramedSTFT pair ({1e3 * pair_framed / len(waves):.3f} ms)",
              f"- batched Griffin-Lim (all utterances in one call) vs one by one: {gl[64] / batched:.2f}x",
              f"- NNLS mel -> magnitude: {1e3 * nnls / len(waves):.1f} ms per utterance"]
    record_results("Speech: log-mel inversion", lines, "python benchmarks/speech_inversion.py")


if __name__ == "__main__":
    main()
