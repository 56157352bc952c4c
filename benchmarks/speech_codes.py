"""Speech through learned codes against speech through the log-mel (issue: the paper's Table 2
"Spectrogram / Code"): the codec's copy synthesis beside the iSTFT vocoder's, and text -> codes -> waveform
beside text -> mel -> waveform, on the everyday sentences of every voice (the `--split` half: choices on
dev, the table on test), heard by PocketSphinx.

Sections:

- `copy`: per voice of `--eval-corpus`, the recordings, the iSTFT vocoder on their log-mels (`--vocoder`)
  and each codec of `--codecs` (encode, decode): WER with its 95 % interval, MCD (WORLD/SPTK), length
  ratio, RTF, and for a codec its bitrate and the smallest share of codebook entries used and
  perplexity over its codebooks on these recordings.
- `tts`: per voice, each text -> speech checkpoint of `--tts` (text -> codes models speak through their
  own codec, text -> mel ones through `--vocoder`): WER with its interval, MCD, length ratio, RTF, and its
  training minutes (compare at equal training time).

    python benchmarks/speech_codes.py --codecs runs/codec-tiny/checkpoint --tts runs/codes-tts/checkpoint \\
        src/regen/assets/speech/duration-tiny --split test --limit 40
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import add_common_options, emit, run_sections  # noqa: E402
from speech_tts import voice_row  # noqa: E402

from regen.core.provenance import training_budget  # noqa: E402
from regen.core.task import load_model  # noqa: E402
from regen.speech.data.eval_sets import sentence_split  # noqa: E402
from regen.speech.data.load import Item, load_audio  # noqa: E402
from regen.speech.features.mel import load_mel_config, log_mel  # noqa: E402
from regen.speech.vocoder.data import load_items  # noqa: E402

HEADER = ["| voice | system | sentences | WER [95 %] | ratio to recordings | MCD dB | length | RTF | extra |",
          "|---|---|---|---|---|---|---|---|---|"]


def voices(args: argparse.Namespace) -> dict[str, list[Item]]:
    """{voice folder: its `--split` everyday items, first `--limit`} of `--eval-corpus`."""
    items = load_items(args.eval_corpus, load_mel_config("logmel-ch4")).items
    out: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (i.speaker, i.id)):
        if sentence_split(item.id) == args.split and (not args.voices or item.speaker in args.voices):
            out.setdefault(item.speaker, []).append(item)
    return {voice: chosen[: args.limit or None] for voice, chosen in out.items()}


def pooled_lines(rows: dict[str, list[dict]], recordings: dict[str, list[dict]],
                 compare: tuple[str, str] | None = None) -> list[str]:
    """'all voices' rows: each system's per-voice rows pooled (WER with its interval, ratio to the same
    sentences' recordings with a paired interval); with `compare` (a, b), the WER ratio a / b over the voices
    both speak, sentences resampled together."""
    from intervals import ratio_interval, with_interval

    def errors(chosen: list[dict]) -> tuple[list[int], list[int]]:
        return [e for r in chosen for e in r["errors"]], [w for r in chosen for w in r["words"]]

    out = []
    for label, chosen in rows.items():
        wrong, words = errors(chosen)
        heard, _ = errors(recordings[label])
        ratio = with_interval(sum(wrong) / max(sum(heard), 1), ratio_interval(wrong, heard), 2)
        wer = with_interval(sum(wrong) / sum(words), ratio_interval(wrong, words))
        out.append(f"| all {len(chosen)} voices | {label} | {len(wrong)} | {wer} | {ratio} | - | - | - | - |")
    if compare:
        a, b = compare
        shared = [v for v in {r["voice"] for r in rows[a]} & {r["voice"] for r in rows[b]}]
        wrong_a, _ = errors([r for r in rows[a] if r["voice"] in shared])
        wrong_b, _ = errors([r for r in rows[b] if r["voice"] in shared])
        out.append(f"| all {len(shared)} voices | WER ratio {a} / {b} | {len(wrong_a)} | - | "
                   f"{with_interval(sum(wrong_a) / max(sum(wrong_b), 1), ratio_interval(wrong_a, wrong_b), 2)} | "
                   "- | - | - | - |")
    return out


def line(voice: str, row: dict, extra: str = "-") -> str:
    return (f"| {voice} | {row['setting']} | {row['sentences']} | {row['wer_cell']} | {row['ratio']} | {row['mcd']} | "
            f"{row['length']} | {row['rtf']} | {extra} |")


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sets = voices(args)
        if not self.sets:
            sys.exit(f"error: no {args.split} sentences in {args.eval_corpus}")

    def section_copy(self) -> None:
        args = self.args
        vocoder, vocoder_cfg, _ = load_model(args.vocoder, task="speech-istft")
        mel = load_mel_config(vocoder_cfg.model.mel)
        codecs = {str(path): load_model(path, task="speech-codec")[0] for path in args.codecs}
        lines = list(HEADER)
        rows: dict[str, list[dict]] = {}
        heard: dict[str, list[dict]] = {}

        def keep(voice: str, row: dict, recordings: dict) -> dict:
            rows.setdefault(row["setting"], []).append({**row, "voice": voice})
            heard.setdefault(row["setting"], []).append(recordings)
            return row

        for voice, items in self.sets.items():
            waves = [load_audio(i, mel.sample_rate) for i in items]
            recordings = voice_row("the recordings themselves", items, waves, mel.sample_rate, 0.0)
            lines.append(line(voice, keep(voice, recordings, recordings)))
            started = time.perf_counter()
            copies = [vocoder.vocode(log_mel(w, mel)).numpy() for w in waves]
            lines.append(line(voice, keep(voice, voice_row(f"iSTFT vocoder on the log-mel ({args.vocoder})", items,
                                                           copies, mel.sample_rate, time.perf_counter() - started,
                                                           recordings), recordings)))
            for name, codec in codecs.items():
                started = time.perf_counter()
                codes = [codec.encode(torch.from_numpy(w)) for w in waves]
                copies = [codec.decode(c).numpy() for c in codes]
                seconds = time.perf_counter() - started
                usage = codec.quantizer.usage(torch.cat(codes))
                extra = (f"{codec.bitrate:,.0f} bit/s, entries used >= {min(u['used'] for u in usage):.2f}, "
                         f"perplexity >= {min(u['perplexity'] for u in usage):.0f} of {codec.cfg.codebook_size}")
                lines.append(line(voice, keep(voice, voice_row(f"codec {name}", items, copies, codec.mel.sample_rate,
                                                               seconds, recordings), recordings), extra))
                print(lines[-1], flush=True)
        lines += pooled_lines(rows, heard)
        emit(f"Speech: learned codes, copy synthesis through the codes against the log-mel "
             f"({args.split} sentences)",
             lines + ["", NOTE], args.no_append)

    def section_tts(self) -> None:
        from regen.speech.evaluation.tts import synthesise
        from regen.speech.tts.speaker import Speaker

        args = self.args
        lines = list(HEADER)
        rows: dict[str, list[dict]] = {}
        heard: dict[str, list[dict]] = {}
        speakers = {}
        for path in args.tts:
            speaker = Speaker.from_checkpoints(path, "istft", args.vocoder)
            _, cfg, meta = load_model(path)
            minutes = training_budget(meta, "converter")[0] / 60
            speakers[f"{path} ({cfg.task}, {minutes:.0f} training min)"] = speaker
        for voice, items in self.sets.items():
            mel = load_mel_config("logmel-ch4")
            recordings = voice_row("the recordings themselves", items, [load_audio(i, mel.sample_rate) for i in items],
                                   mel.sample_rate, 0.0)
            lines.append(line(voice, recordings))
            rows.setdefault(recordings["setting"], []).append({**recordings, "voice": voice})
            heard.setdefault(recordings["setting"], []).append(recordings)
            for label, speaker in speakers.items():
                name = next((v for v in speaker.voices if v.replace(":", "-") == voice), None)
                if speaker.voices and name is None:
                    continue  # the model does not speak this voice
                speeches, seconds = synthesise(speaker, items, voice=name) if name else synthesise(speaker, items)
                row = voice_row(label, items, [s.wave for s in speeches], speeches[0].sample_rate, seconds, recordings)
                rows.setdefault(label, []).append({**row, "voice": voice})
                heard.setdefault(label, []).append(recordings)
                lines.append(line(voice, row))
                print(lines[-1], flush=True)
        labels = list(speakers)
        lines += pooled_lines(rows, heard, (labels[0], labels[1]) if len(labels) == 2 else None)
        emit(f"Speech: learned codes, text -> codes -> waveform against text -> mel -> waveform "
             f"({args.split} sentences)",
             lines + ["", NOTE], args.no_append)


NOTE = ("WER: PocketSphinx's corpus-level word error rate on the everyday sentences (never trained on; the dev or "
        "test half by sentence number), with a 95 % percentile bootstrap interval over sentences; ratio: to the "
        "recordings of the same voice. MCD: WORLD/SPTK mel-cepstral distortion against the recording (silence "
        "trimmed, DTW). RTF: synthesis seconds / audio seconds on this CPU. 'all voices' rows pool the sentences "
        "of every voice (the ratio's interval resamples sentences with their recordings; with two text -> speech "
        "models, the first's WER over the second's on the voices both speak). Codec extra: bitrate, and over its "
        "codebooks the smallest share of entries used and the smallest perplexity (2^entropy of entry use) on "
        "these recordings.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=["copy", "tts"], choices=["copy", "tts"])
    parser.add_argument("--codecs", type=Path, nargs="*", default=[], help="speech-codec checkpoints")
    parser.add_argument("--tts", type=Path, nargs="*", default=[], help="text -> speech checkpoints (codes or mel)")
    parser.add_argument("--vocoder", default="speech/istft-tiny", help="the iSTFT vocoder of the mel rows")
    parser.add_argument("--eval-corpus", default="data/eval-everyday-voices")
    parser.add_argument("--voices", nargs="*", default=[], help="voice folders (default: all of --eval-corpus)")
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--limit", type=int, default=40, help="first N sentences per voice (0: all)")
    add_common_options(parser)
    args = parser.parse_args()
    run_sections(args, Bench, {"section_copy": Bench.section_copy, "section_tts": Bench.section_tts})


if __name__ == "__main__":
    main()
