"""Speech recognition: regeneration (speech -> phonemes -> words) against Direct, Maestro-lite and
SLAM-lite, with PocketSphinx on the same audio as the external reference row.

Sections:

- `systems`: per evaluation set, every checkpoint of `--models` transcribes the same utterances:
  corpus-level WER (jiwer: substitutions, deletions, insertions), PER for phone models, real-time
  factor, parameters. Sets: the corpus's held-out King James sentences and the everyday-English
  sentences, read by the trained voice (`--eval-corpus`) and, when given, by a voice no model
  heard (`--unseen-corpus`, e.g. `regen speech corpus build --voice festival:kal --sentences
  everyday --out data/eval-everyday-kal`), and the held-out quarter of a second domain
  (`--domain-corpus`, Lady Susan read by the trained voice); with `--lowpass HZ`, the trained voice's
  everyday sentences low-passed at HZ (10th-order Butterworth, zero phase), as a recording of lower
  bandwidth reads (festival's kal voice has next to no energy above 7.5 kHz). The adaptation table (thesis 10.1) is
  that set's rows for a model before and after text-only adaptation (`--set data.text_source=austen`
  with text injection: the domain's other sentences as text batches, and in the P2G's text).
- `retrieval`: for text-injection checkpoints, mean-pooled embeddings of speech and of its text at
  the modal encoders' outputs and at the shared encoder's output. Two pools: the first `--pairs`
  training utterances (the thesis' setting; text injection was fitted on these pairs) and every
  held-out utterance of the evaluation sets (never trained on): cosine retrieval in candidate sets
  of up to 1,000 pairs (Table 10.4 shape), and ASIF with 900 anchors, 100 trials x 100 retrievals,
  top-k 90, power 8, beside plain cosine on the same draws (Table 10.5 shape); held-out queries
  take their anchors from the training pairs. Also `benchmarks/asr_tsne.png` (Figures 10.2-10.3
  shape): scikit-learn's t-SNE of the held-out pool's speech and text embeddings, modal encoders'
  outputs beside the shared encoder's, one row per model.
- `voices`: per voice of the seen voices (`--seen-corpus`) and of flite's unseen ones
  (`--unseen-voices-corpus`), the `--split` half of the everyday sentences: WER with a 95 % interval
  for PocketSphinx and every model (`--without-lm`: also without the language model), pooled per family.
- `levels`: the same sets pooled per family, each recording `--levels-db` decibels louder or quieter.
- `long`: a `--long-seconds` recording transcribed as `regen speech transcribe` does a long file:
  real-time factor on one thread, WER, word and subtitle times against the synthesiser's.

    python benchmarks/speech_asr.py --models runs/asr/asr-tiny runs/asr/asr-direct-tiny ...
        [--sections systems retrieval] [--limit 100] [--unseen-corpus DIR]
    python benchmarks/speech_asr.py --models runs/asr/asr-voices-cmvn/checkpoint --sections voices levels \
        --split dev --limit 30
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asr_sets import low_passed, louder, long_recording, sentence_errors, sphinx_heard, voice_folders  # noqa: E402
from intervals import ratio_interval, with_interval  # noqa: E402
from results import add_common_options, emit, run_sections  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

from regen.core.cache import cache_dir  # noqa: E402
from regen.core.task import load_model  # noqa: E402
from regen.speech.asr.acoustic import CTCRecognizer  # noqa: E402
from regen.speech.asr.probes import asif_retrieval, cosine_retrieval, mean_pool  # noqa: E402
from regen.speech.asr.task import asr_mel  # noqa: E402
from regen.speech.asr.units import PHONE_UNITS, transcript  # noqa: E402
from regen.speech.data.load import Item, load_audio  # noqa: E402
from regen.speech.evaluation.asr import HEADER, NOTE, markdown_row, reference_row, system_row  # noqa: E402
from regen.speech.evaluation.tts import eval_items  # noqa: E402
from regen.speech.features.mel import MelConfig, log_mel  # noqa: E402
from regen.speech.features.measures import word_errors  # noqa: E402
from regen.speech.text.mixing import TextFrontEnd  # noqa: E402
from regen.speech.tts.data import tts_split  # noqa: E402
from regen.speech.vocoder.data import load_items  # noqa: E402


def model_label(path: Path) -> str:
    """A checkpoint's row label: its folder's name, the run's for runs/X/checkpoint, 'X at 15min' for a
    snapshot runs/X/<phase>/snapshots/15min."""
    if path.name == "checkpoint":
        return path.parent.name
    if path.parent.name == "snapshots":
        return f"{path.parents[2].name} at {path.name}"
    return path.name


class Bench:
    """The checkpoints and evaluation sets of one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.models = {model_label(path): load_model(path) for path in args.models}

    @functools.cached_property
    def sets(self) -> dict[str, list[Item]]:
        """The evaluation sets of `systems` and `retrieval` (built on first use)."""
        args = self.args
        sets: dict[str, list[Item]] = {
            "held-out King James sentences (trained voice)": eval_items("held-out", args.corpus, None, args.limit)[0],
            "everyday English sentences (trained voice)": eval_items("everyday", args.corpus, args.eval_corpus,
                                                                      args.limit)[0]}
        if args.domain_corpus:  # the second domain's test sentences (held out of text adaptation too)
            sets["Lady Susan sentences (trained voice, second domain)"] = eval_items(
                "held-out", args.domain_corpus, None, args.limit)[0]
        if args.unseen_corpus:
            from regen.speech.evaluation.tts import everyday_items

            sets["everyday English sentences (unseen voice)"] = everyday_items(args.unseen_corpus, args.limit,
                                                                                     args.unseen_voice)
        if args.lowpass:
            self.scratch = tempfile.TemporaryDirectory(prefix="regen-lowpass-")
            sets[f"everyday English sentences (trained voice, low-passed at {args.lowpass:g} Hz)"] = low_passed(
                sets["everyday English sentences (trained voice)"], args.lowpass, Path(self.scratch.name))
        return sets

    def section_systems(self) -> None:
        for name, items in self.sets.items():
            lines = [*HEADER, markdown_row(reference_row(items))]
            for label, (model, cfg, meta) in self.models.items():
                lines.append(markdown_row(system_row(label, model, cfg, meta, items)))
                print(lines[-1], flush=True)
            emit(f"Speech recognition on {len(items)} {name}", lines + ["", NOTE], self.args.no_append)

    def voice_sets(self) -> dict[str, dict[str, list[Item]]]:
        """{family: {voice: its `--split` everyday items, first `--limit`}} for the seen and flite voices."""
        args = self.args
        return {"seen": voice_folders(args.seen_corpus, args.split, args.limit),
                "unseen (flite)": voice_folders(args.unseen_voices_corpus, args.split, args.limit)}

    def recognisers(self, without_lm: bool) -> dict[str, Callable[[list[Item]], list[str]]]:
        """{row label: items -> transcripts}: PocketSphinx, every model and, `without_lm`, every model
        with `sample.lm_weight=0`."""
        systems: dict[str, Callable[[list[Item]], list[str]]] = {"PocketSphinx (en-us, off the shelf)": sphinx_heard}
        for label, (model, cfg, _) in self.models.items():
            systems[f"{label} ({cfg.model.units})"] = model_heard(model, cfg)
            if without_lm:
                bare = dataclasses.replace(cfg, sample=dataclasses.replace(cfg.sample, lm_weight=0.0))
                systems[f"{label} ({cfg.model.units}, no language model)"] = model_heard(model, bare)
        return systems

    def section_voices(self) -> None:
        """Per voice, seen (`--seen-corpus`) and unseen (flite, `--unseen-voices-corpus`): WER with a 95 %
        interval on the `--split` sentences for PocketSphinx and every model; then each family pooled."""
        args = self.args
        families = self.voice_sets()
        systems = self.recognisers(args.without_lm)
        lines = ["| family | voice | system | sentences | WER [95 %] | S | D | I | words |",
                 "|---|---|---|---|---|---|---|---|---|"]
        pooled: dict[tuple[str, str], list[tuple[int, int]]] = {}
        counts: dict[tuple[str, str], list[int]] = {}
        for family, voices in families.items():
            for voice, items in voices.items():
                refs = [i.normalized for i in items]
                for system, heard_of in systems.items():
                    per = [word_errors(r, h) for r, h in zip(refs, heard_of(items))]
                    errors, words = sentence_errors(per)
                    pooled.setdefault((family, system), []).extend(zip(errors, words))
                    sdi = [sum(getattr(e, k) for e in per) for k in ("substitutions", "deletions", "insertions")]
                    total = counts.setdefault((family, system), [0, 0, 0])
                    counts[(family, system)] = [a + b for a, b in zip(total, sdi)]
                    lines.append(f"| {family} | {voice} | {system} | {len(items)} | "
                                 f"{with_interval(sum(errors) / sum(words), ratio_interval(errors, words))} | "
                                 f"{sdi[0]} | {sdi[1]} | {sdi[2]} | {sum(words)} |")
                    print(lines[-1], flush=True)
        for (family, system), pairs in pooled.items():
            errors, words = [p[0] for p in pairs], [p[1] for p in pairs]
            s_, d_, i_ = counts[(family, system)]
            lines.append(f"| {family} | all {len(families[family])} voices | {system} | {len(pairs)} | "
                         f"{with_interval(sum(errors) / sum(words), ratio_interval(errors, words))} | {s_} | {d_} | "
                         f"{i_} | {sum(words)} |")
        emit(f"Speech recognition per voice, seen and unseen ({args.split} sentences)", lines + [
            "", f"Everyday English sentences (never trained on), the {args.split} half (odd-numbered sentences "
                "are test, even dev; every choice is made on dev), the first "
                f"{args.limit or 'all'} per voice. Seen: voices whose King James readings some model trained on "
                "(festival, espeak-ng); unseen: flite's voices, reserved for evaluation (no corpus, vocabulary "
                "or tuning of this project used them). WER: corpus level (jiwer), with a 95 % percentile "
                "bootstrap interval over sentences (2,000 resamples of errors / words); the pooled rows "
                "resample the family's sentences of every voice."], args.no_append)

    def section_levels(self) -> None:
        """The `voices` sets pooled per family at other recording levels (`--levels-db` decibels from the
        corpus's own): WER with a 95 % interval for PocketSphinx and every model. A recogniser should not
        care how loud a recording is; one that normalises by training statistics alone does."""
        args = self.args
        systems = self.recognisers(False)
        lines = ["| family | level dB | system | sentences | WER [95 %] | words |", "|---|---|---|---|---|---|"]
        kept = cache_dir("speech", "levels")  # the changed copies, reused by reruns (and PocketSphinx's cache)
        for family, voices in self.voice_sets().items():
            for db in args.levels_db:
                items = [item for chosen in voices.values() for item in louder(chosen, db, kept)]
                refs = [i.normalized for i in items]
                for system, heard_of in systems.items():
                    errors, words = sentence_errors([word_errors(r, h) for r, h in zip(refs, heard_of(items))])
                    lines.append(f"| {family} | {db:+g} | {system} | {len(items)} | "
                                 f"{with_interval(sum(errors) / sum(words), ratio_interval(errors, words))} | "
                                 f"{sum(words)} |")
                    print(lines[-1], flush=True)
        emit(f"Speech recognition at other recording levels ({args.split} sentences)", lines + [
            "", f"The `voices` sets (everyday sentences, {args.split} half, first {args.limit or 'all'} per voice), "
                "every voice of a family pooled, each recording made louder or quieter by the level in dB "
                "(0: as the synthesiser wrote it; samples clipped to [-1, 1]). WER: corpus level with a 95 % "
                "percentile bootstrap interval over sentences."], args.no_append)

    def section_long(self) -> None:
        """A recording of `--long-seconds` (festival slt reading the everyday test sentences with 0.8 s
        pauses, each word's true time known from the synthesiser) transcribed as `regen speech transcribe`
        does a long file: cut at pauses, piece by piece, word times by forced alignment. One thread."""
        args = self.args
        torch.set_num_threads(1)
        wave, truth, rate = long_recording(args.seen_corpus, "festival-slt", args.long_seconds)
        lines = ["| system | audio s | transcription s | RTF | WER | words timed | start error median s | "
                 "starts within 0.3 s | ends within 0.3 s | subtitles | cue bounds within 0.3 s |",
                 "|---|---|---|---|---|---|---|---|---|---|---|"]
        reference = " ".join(t[0] for t in truth)
        starts, ends = np.array([t[1] for t in truth]), np.array([t[2] for t in truth])
        for label, (model, cfg, _) in self.models.items():
            from regen.speech.asr.files import timed_transcript
            from regen.speech.asr.task import transcriber

            system = transcriber(cfg, model)
            system.transcribe([wave[: rate]])  # warm: the P2G and the first pass are not the long file's time
            started = time.perf_counter()
            captions = timed_transcript(system, wave, rate)
            seconds = time.perf_counter() - started
            words = [w for c in captions for w in c.words]
            start_err, end_err = [], []
            for w in words:
                same = [k for k, t in enumerate(truth) if t[0] == w.word]
                if same:
                    k = min(same, key=lambda k: abs(starts[k] - w.start))
                    start_err.append(w.start - starts[k])
                    end_err.append(w.end - ends[k])
            start_err, end_err = np.array(start_err or [np.nan]), np.array(end_err or [np.nan])  # nan: none timed
            bounds = [min(np.abs(starts - c.start).min(), 9) for c in captions if c.text] + \
                     [min(np.abs(ends - c.end).min(), 9) for c in captions if c.text]
            wer = word_errors(reference, " ".join(c.text for c in captions if c.text)).wer
            lines.append(f"| {label} ({cfg.model.units}) | {len(wave) / rate:.0f} | {seconds:.1f} | "
                         f"{seconds / (len(wave) / rate):.3f} | {wer:.3f} | {int(np.isfinite(start_err).sum())} of {len(truth)} | "
                         f"{np.median(np.abs(start_err)):.3f} | {np.mean(np.abs(start_err) <= 0.3):.3f} | "
                         f"{np.mean(np.abs(end_err) <= 0.3):.3f} | {len([c for c in captions if c.text])} | "
                         f"{np.mean(np.array(bounds) <= 0.3):.3f} |")
            print(lines[-1], flush=True)
        emit(f"Speech recognition: a {args.long_seconds:.0f}-second recording, timed words and subtitles",
             lines + ["", "The recording: festival slt reads the everyday test sentences in order with 0.8 s of "
                      "silence between them (the synthesiser reports every word's start and end). Transcribed as "
                      "`regen speech transcribe --format srt/json` does a long file: cut at its pauses into pieces "
                      "of at most 15 s, each transcribed, its words timed by CTC forced alignment. RTF: "
                      "transcription seconds / audio seconds on one thread (the P2G built beforehand). Word times: "
                      "each heard word that is a word of the reading, against the nearest reading of it; subtitle "
                      "cue bounds: each cue's start against the nearest true word start, its end against the "
                      "nearest true word end."], args.no_append)

    def embeddings(self, model: CTCRecognizer, items: list[Item], mel_config: MelConfig) -> dict[str, torch.Tensor]:
        """Mean-pooled (N, D) embeddings: speech and text at the modal encoders and at the shared encoder."""
        front_end, out = TextFrontEnd(), {k: [] for k in ("speech modal", "text modal", "speech shared",
                                                            "text shared")}
        model.eval()
        with torch.no_grad():
            for item in items:
                mel = log_mel(load_audio(item, mel_config.sample_rate), mel_config)[None]
                hidden, lengths = model.encode_speech(mel, torch.tensor([mel.shape[1]]))
                units = torch.tensor([PHONE_UNITS.ids(transcript(item.normalized, front_end).units("phones"))])
                if model.cfg.text_injection == "maestro":
                    text, text_lengths, _ = model.text_encoder(units, min_frames=model.cfg.text_min_frames)
                else:
                    text, text_lengths = model.text_states(units)
                out["speech modal"].append(mean_pool(hidden, lengths))
                out["text modal"].append(mean_pool(text, text_lengths))
                out["speech shared"].append(mean_pool(model.shared_encoder(hidden, lengths), lengths))
                out["text shared"].append(mean_pool(model.shared_encoder(text, text_lengths), text_lengths))
        return {k: torch.cat(v) for k, v in out.items()}

    def section_retrieval(self) -> None:
        lines = ["| system | pool | layer | cosine retrieval (candidates) | ASIF (900 anchors) | cosine, same draws |",
                 "|---|---|---|---|---|---|"]
        held = [item for items in self.sets.values() for item in items]
        held_sets = [name for name, items in self.sets.items() for _ in items]
        pictured: dict[str, dict[str, torch.Tensor]] = {}
        for label, (model, cfg, _) in self.models.items():
            if cfg.model.text_injection == "none":
                continue
            mel = asr_mel(cfg.model)
            train, _ = tts_split(load_items(cfg.data.corpus, mel))
            pools = {"training": self.embeddings(model, train[: self.args.pairs], mel),
                     "held out": self.embeddings(model, held, mel)}
            pictured[f"{label} ({cfg.model.text_injection})"] = pools["held out"]
            for pool, emb in pools.items():
                for layer in ("modal", "shared"):
                    speech, text = emb[f"speech {layer}"], emb[f"text {layer}"]
                    anchors = None if pool == "training" else (pools["training"][f"speech {layer}"],
                                                               pools["training"][f"text {layer}"])
                    probe = {"anchors": 900, "queries": min(100, len(speech)), "trials": 100, "anchor_pool": anchors}
                    asif = asif_retrieval(speech, text, top_k=90, power=8, **probe)
                    plain = asif_retrieval(speech, text, relative_space=False, **probe)
                    lines.append(f"| {label} ({cfg.model.text_injection}) | {pool} ({len(speech)}) | {layer} | "
                                 f"{cosine_retrieval(speech, text, 1000):.3f} ({min(1000, len(speech))}) | "
                                 f"{asif:.3f} | {plain:.3f} |")
                    print(lines[-1], flush=True)
        if pictured and not self.args.no_append:
            tsne_figure(pictured, held_sets, ROOT / "benchmarks" / "asr_tsne.png")
        emit("Speech recognition: speech-text retrieval probes", lines + [
            "", f"Embeddings: mean over frames (speech) or units and frames (text) of utterances and their "
                f"transcripts. Pools: the first {self.args.pairs} training utterances (text injection was fitted "
                "on these pairs, so they flatter it) and the held-out utterances of the evaluation sets above. "
                "Retrieval: each speech embedding queries the text ones; accuracy = share whose own text comes "
                "first. ASIF: relative representations to 900 random anchor pairs (top-k 90, power 8; for the "
                "held-out pool drawn from the training pairs), 100 trials of 100 queries; plain cosine on the "
                "same draws. t-SNE of the held-out pool: benchmarks/asr_tsne.png."],
            self.args.no_append)


def model_heard(model: CTCRecognizer, cfg) -> Callable[[list[Item]], list[str]]:
    """A function: items -> one checkpoint's transcripts (its transcriber built once)."""
    from regen.speech.asr.task import transcriber

    mel = asr_mel(cfg.model)
    system = transcriber(cfg, model)
    return lambda items: [h.text for h in system.transcribe([load_audio(i, mel.sample_rate) for i in items])]


def tsne_figure(pictured: dict[str, dict[str, torch.Tensor]], sets: list[str], path: Path) -> None:
    """Per model (rows), t-SNE of speech (dots) and text (crosses) embeddings at the modal encoders
    (left) and the shared encoder (right), both modalities embedded together, coloured by evaluation
    set (`sets`, one name per utterance); written to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    names = list(dict.fromkeys(sets))
    colour = np.array([names.index(s) for s in sets])
    fig, axes = plt.subplots(len(pictured), 2, figsize=(10, 4.4 * len(pictured)), squeeze=False)
    for row, (label, emb) in enumerate(pictured.items()):
        for col, layer in enumerate(("modal", "shared")):
            speech, text = emb[f"speech {layer}"].numpy(), emb[f"text {layer}"].numpy()
            both = TSNE(n_components=2, perplexity=min(30.0, (len(speech) * 2 - 1) / 3), init="pca",
                        random_state=0).fit_transform(np.concatenate([speech, text]))
            ax = axes[row][col]
            for k, name in enumerate(names):
                pick = colour == k
                ax.scatter(*both[: len(speech)][pick].T, s=8, marker="o", color=f"C{k}", label=f"speech: {name}")
                ax.scatter(*both[len(speech):][pick].T, s=14, marker="x", color=f"C{k}", label=f"text: {name}")
            ax.set_title(f"{label}: {layer} encoder output{'s' if layer == 'modal' else ''}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0][0].legend(fontsize=6, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, nargs="+", required=True, help="ASR checkpoint folders")
    parser.add_argument("--sections", nargs="+", default=["systems", "retrieval"],
                        choices=["systems", "retrieval", "voices", "levels", "long"])
    parser.add_argument("--levels-db", type=float, nargs="+", default=[-20.0, -10.0, 0.0, 6.0],
                        help="levels: recording levels in dB from the corpus's own")
    parser.add_argument("--long-seconds", type=float, default=180.0, help="long: length of the long recording")
    parser.add_argument("--seen-corpus", default="data/eval-everyday-voices",
                        help="voices: everyday sentences read by the training voices (one folder per voice)")
    parser.add_argument("--unseen-voices-corpus", default="data/eval-everyday-flite",
                        help="voices: everyday sentences read by flite's voices (regen speech corpus build "
                        "--voice flite:kal --voice flite:awb --voice flite:rms --voice flite:slt --sentences "
                        "everyday --features none --out data/eval-everyday-flite)")
    parser.add_argument("--split", choices=("dev", "test"), default="dev", help="voices: which sentences")
    parser.add_argument("--without-lm", action="store_true", help="voices: also every model with "
                        "sample.lm_weight=0 (phones: the P2G's lexicon alone; characters: no word model)")
    parser.add_argument("--corpus", default="data/corpus-slt")
    parser.add_argument("--eval-corpus", default="data/eval-everyday")
    parser.add_argument("--unseen-corpus", help="everyday sentences read by a voice no model was trained on")
    parser.add_argument("--unseen-voice", default="festival:kal")
    parser.add_argument("--domain-corpus", help="a second domain read by the trained voice, for text-only "
                        "adaptation (regen speech corpus build --voice festival:slt --sentences austen --out "
                        "data/eval-austen); its held-out sentences become a set")
    parser.add_argument("--lowpass", type=float, help="add the trained voice's everyday sentences low-passed at "
                        "this frequency in Hz (e.g. 7000) as a set")
    parser.add_argument("--limit", type=int, default=100, help="first N utterances of each set (0: all)")
    parser.add_argument("--pairs", type=int, default=1000, help="training pairs for the retrieval probes")
    add_common_options(parser)
    args = parser.parse_args()
    if not all(-60 <= db <= 40 for db in args.levels_db):
        parser.error(f"--levels-db {args.levels_db}: give levels in dB between -60 and 40")
    if args.lowpass is not None and not 0 < args.lowpass < 11025:
        parser.error(f"--lowpass {args.lowpass:g}: give a cut-off in Hz between 0 and 11025 (half the 22.05 kHz rate)")
    run_sections(args, Bench, {"section_systems": Bench.section_systems,
                                "section_retrieval": Bench.section_retrieval, "section_voices": Bench.section_voices,
                                "section_levels": Bench.section_levels,
                                "section_long": Bench.section_long})


if __name__ == "__main__":
    main()
