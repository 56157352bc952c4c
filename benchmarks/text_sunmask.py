"""SUNMASK on King James sentences against Coconet, SUNDAE and a left-to-right baseline (thesis Fig. 8.2).

Quality is BLEU-4 of generated sentences against the test set, corpus-level and the mean of the
sentences' own BLEU (what the thesis averages; plotted as negative BLEU), diversity is Self-BLEU
(lower is more diverse) among the same count of sentences in every row (the smallest available:
--n or the real valid sentences, fewer), all with sacrebleu (`regen.text.metrics`).
Sections, each appended to RESULTS.md as its own block (pick with --sections):

- models:    every trained config side by side at its own sampler settings: parameters, training
             seconds and forward passes, validation NLL, sentences per second, both BLEUs, Self-BLEU; the
             real valid sentences through the same scoring as the reference row.
- sweep:     the quality/diversity trade-off over temperature (and, for the denoisers, the mask
             schedule), every model on the same settings; a PNG in the style of Figure 8.2. Each
             point is kept under runs/text-sweep-points/, so two processes with different --models
             and --no-append can share the work before one call with all models writes the table.
- curve:     the timed snapshots of SUNMASK's run (15/30/60/120 training minutes).
- influence: word-influence masks (thesis §8.9): one kept word ("famine" or "feast") among free
             slots; the words whose frequency in the samples shifts most between the two.
- chars:     the character level (text8 shape): bits per character of the held-out test windows,
             exact for the left-to-right model, the order-agnostic upper bound for SUNMASK
             (`order_agnostic_nll`); a few sampled windows.
- template:  keywords -> sentence: template regeneration (text/template-tiny) against Direct
             (text/template-direct-tiny) at each paired share (--fractions); trains what is missing
             under runs/text-template-<config>-<share>; keyword coverage, BLEU-4 against the
             keywords' own sentences (both ways), Self-BLEU, perplexity under the left-to-right model.

    for c in sunmask-tiny coconet-tiny sundae-tiny autoregressive-tiny; do   # 2 h, then 30 min each
        regen train text/$c --run-dir runs/text-$c; done
    python benchmarks/text_sunmask.py [--n 1000] [--sections models sweep curve influence template]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import add_common_options, emit, run_sections  # noqa: E402

from regen.core.files import atomic_write_text  # noqa: E402
from regen.core.task import load_model  # noqa: E402
from regen.iterative.denoising_loss import PRESETS, order_agnostic_nll, validation_nll  # noqa: E402
from regen.text.corpus import load_corpus  # noqa: E402
from regen.text.language_model import TextLanguageModel  # noqa: E402
from regen.text.metrics import bleu_against, self_bleu  # noqa: E402
from regen.text.tasks import infill, token_text, unconditional  # noqa: E402

SECTIONS = ("models", "sweep", "curve", "influence", "chars", "template")
CHAR_MODELS = ("sunmask-char-tiny", "autoregressive-char-tiny")
MODELS = ("sunmask-tiny", "coconet-tiny", "sundae-tiny", "autoregressive-tiny")
ROOT = Path(__file__).resolve().parents[1]


class Bench:
    """What every section shares: the corpus, its test references and the loaded models."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.corpus = load_corpus()
        vocab = self.corpus.vocabulary
        self.references = [" ".join(vocab.tokens(t)) for t in self.corpus.texts["test"]]
        self.valid = [" ".join(vocab.tokens(t)) for t in self.corpus.texts["valid"]]
        self.self_bleu_count = min(args.n, len(self.valid))
        """Sentences among which every row's Self-BLEU is taken: the real valid sentences' row has no more."""

    def checkpoints(self, same_budget: bool = True) -> list[tuple[str, Path]]:
        """(name, checkpoint) of every trained config under --runs (missing ones are skipped). With
        `same_budget`, SUNMASK's 2-hour run is read at its `--sunmask-at` snapshot (30 minutes: the
        training time of the others), so the compared models had the same budget."""
        found = []
        for m in self.args.models:
            path = self.args.runs / f"text-{m}" / "checkpoint"
            if same_budget and m == "sunmask-tiny" and self.args.sunmask_at != "final":
                path = self.args.runs / f"text-{m}" / "model" / "snapshots" / self.args.sunmask_at
                m = f"{m} ({self.args.sunmask_at})"
            found.append((m, path))
        return [(m, p) for m, p in found if p.exists()]

    def sentences(self, model, sampler, n: int, seed: int = 0) -> tuple[list[str], float]:
        """n sentences in token form and sentences per second (batches of --batch)."""
        out, start = [], time.perf_counter()
        for first in range(0, n, self.args.batch):
            rows = unconditional(model, sampler, min(self.args.batch, n - first), seed + first)
            out += [token_text(model, r) for r in rows]
        return out, n / (time.perf_counter() - start)

    def scores(self, sentences: list[str]) -> tuple[float, float, float]:
        """(corpus BLEU-4, mean sentence BLEU-4, Self-BLEU of the first `self_bleu_count`) of sentences."""
        bleu = bleu_against(sentences, self.references)
        return bleu.corpus, bleu.sentence_mean, self_bleu(sentences, self.self_bleu_count)

    def emit(self, title: str, lines: list[str]) -> None:
        emit(title, lines, self.args.no_append)


def cells(scores: tuple[float, float, float]) -> str:
    """The last three table cells: corpus BLEU-4, mean sentence BLEU-4, Self-BLEU."""
    return " | ".join(f"{x:.2f}" for x in scores) + " |"


def trained(meta: dict) -> tuple[int, float]:
    """(steps, training seconds) of a finished run's checkpoint or of a timed snapshot."""
    info = meta.get("snapshot")
    if info:
        return info["step"], info["train_seconds"]
    return meta["phases"]["model"]["steps"], meta["phases"]["model"]["seconds"]


def valid_nll(model, valid: torch.Tensor) -> str:
    """The denoisers' one-corruption NLL or the baseline's per-token NLL (different quantities)."""
    if isinstance(model, TextLanguageModel):
        with torch.no_grad():
            return f"{model.eval().sentence_nll(valid):.3f} (per word and end)"
    return f"{validation_nll(model, valid, seed=0):.3f}"


def section_models(b: Bench) -> None:
    n = b.args.n
    real = b.valid[:n]
    lines = ["| model | params | train s | forward passes | valid NLL | sentences/s | BLEU-4 corpus ↑ | "
             "BLEU-4 sentence mean ↑ | Self-BLEU ↓ |", "|---|---|---|---|---|---|---|---|---|",
             f"| real valid sentences (n={len(real)}) | - | - | - | - | - | " + cells(b.scores(real))]
    valid = b.corpus.tensor("valid")
    for name, path in b.checkpoints():
        model, cfg, meta = load_model(path, task="text")
        steps, seconds = trained(meta)
        unroll = 1 if cfg.model.objective == "autoregressive" else PRESETS[cfg.model.objective].unroll
        sentences, rate = b.sentences(model, cfg.sample, n)
        lines.append(f"| {name} | {meta['parameters'] / 1e6:.2f}M | {seconds:.0f} | "
                     f"{steps * cfg.phases['model'].batch_size * unroll / 1e6:.2f}M | {valid_nll(model, valid)} | "
                     f"{rate:.1f} | " + cells(b.scores(sentences)))
        print(lines[-1], flush=True)
    b.emit("Text: SUNMASK and baselines on King James sentences", lines + [
        "", f"{n} sentences per model at its config's sampler settings; BLEU-4 against the {len(b.references)} "
            "test sentences (each a reference for every sentence), corpus-level and the mean of the sentences' "
            f"own (sentence BLEU, effective order); Self-BLEU among the first {b.self_bleu_count} of every row "
            "(the real sentences' count: Self-BLEU grows with it); sacrebleu, tokenize none, exponential "
            "smoothing. Forward passes = steps x "
            "batch x unrolled passes. Validation NLL of the denoisers: one seeded corruption, nats per corrupted "
            "token; of the left-to-right model: nats per token (not comparable)."])


def section_sweep(b: Bench) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = ["| model | setting | BLEU-4 corpus ↑ | BLEU-4 sentence mean ↑ | Self-BLEU ↓ |",
             "|---|---|---|---|---|"]
    points: dict[str, list[tuple[float, float, str]]] = {}
    for name, path in b.checkpoints():
        model, cfg, _ = load_model(path, task="text")
        # the mask schedule reaches a model only through its mask input: not SUNDAE's, not left-to-right
        schedules = ([None] if isinstance(model, TextLanguageModel) or not PRESETS[cfg.model.objective].mask_input
                     else b.args.schedules)
        for schedule in schedules:
            for t in b.args.temperatures:
                sampler = replace(cfg.sample, temperature=t)
                label = f"t={t}"
                if schedule is not None:
                    sampler = replace(sampler, mask_schedule=schedule)
                    label += f", s={schedule}"
                scores = sweep_point(b, path, label, lambda: b.scores(b.sentences(model, sampler, b.args.n)[0]))
                lines.append(f"| {name} | {label} | " + cells(scores))
                points.setdefault(name, []).append((-scores[1], scores[2], label))
                print(lines[-1], flush=True)
    figure = ROOT / "benchmarks" / "text_bleu_selfbleu.png"
    if b.args.no_append:  # a worker or smoke run: the points are kept, the table and plot wait for the full call
        print("\n".join(lines))
        return
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, pts in points.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=name)
    _, real_bleu, real_sbleu = b.scores(b.valid[:b.args.n])
    ax.plot([-real_bleu], [real_sbleu], "k*", markersize=12, label="real valid sentences")
    ax.set_xlabel("negative mean sentence BLEU-4 (left is better)")
    ax.set_ylabel("Self-BLEU (lower is more diverse)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(figure, dpi=120)
    b.emit("Text: quality/diversity sweep (negative BLEU against Self-BLEU)", lines + [
        "", f"{b.args.n} sentences per point; temperatures {b.args.temperatures}, mask schedules "
            f"{b.args.schedules} (denoisers only); Self-BLEU among the first {b.self_bleu_count} of each point "
            f"(the real valid sentences' count); plot (mean sentence BLEU, as the thesis): "
            f"benchmarks/{figure.name}."])


def sweep_point(b: Bench, checkpoint: Path, label: str, compute) -> tuple[float, float, float]:
    """`Bench.scores` of one sweep point, kept under --runs/text-sweep-points/ by checkpoint, setting,
    --n and Self-BLEU count: processes given different --models share the work (each with --no-append),
    and a last call with every model writes the one table and plot from the kept points."""
    weights = checkpoint / "model.safetensors"
    stamp = (f"{checkpoint.resolve()}|{weights.stat().st_mtime_ns}|{label}|{b.args.n}|"
             f"bleu corpus, sentence mean; self-bleu of {b.self_bleu_count}")
    store = b.args.runs / "text-sweep-points" / f"{hashlib.sha1(stamp.encode()).hexdigest()[:16]}.json"
    if store.exists():
        return tuple(json.loads(store.read_text())["scores"])
    scores = compute()
    store.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(store, json.dumps({"point": stamp, "scores": list(scores)}))
    return scores


def section_curve(b: Bench) -> None:
    run = b.args.runs / "text-sunmask-tiny"
    points = [*sorted((run / "model" / "snapshots").glob("*min"), key=lambda p: float(p.name[:-3])),
              *([run / "checkpoint"] if (run / "checkpoint").exists() else [])]
    if not points:
        raise SystemExit(f"no snapshots under {run}/model/snapshots; train text/sunmask-tiny with its config")
    lines = ["| point | step | train minutes | valid NLL | BLEU-4 corpus ↑ | BLEU-4 sentence mean ↑ | "
             "Self-BLEU ↓ |", "|---|---|---|---|---|---|---|"]
    valid = b.corpus.tensor("valid")
    for path in points:
        model, cfg, meta = load_model(path, task="text")
        steps, seconds = trained(meta)
        lines.append(f"| {path.name} | {steps} | {seconds / 60:.1f} | {valid_nll(model, valid)} | "
                     + cells(b.scores(b.sentences(model, cfg.sample, b.args.n)[0])))
    b.emit(f"Text: compute curve of sunmask-tiny ({run})", lines + [
        "", f"{b.args.n} sentences per point; Self-BLEU among the first {b.self_bleu_count}."])


def section_influence(b: Bench) -> None:
    name, path = next(((m, p) for m, p in b.checkpoints(same_budget=False) if m != "autoregressive-tiny"), (None, None))
    if path is None:
        raise SystemExit("the influence section needs a trained denoiser under --runs")
    model, cfg, _ = load_model(path, task="text")
    counts: dict[str, Counter] = {}
    for word in b.args.influence:
        template = " ".join(["___"] * 6 + [word] + ["___"] * 6)
        rows = infill(model, cfg.sample, template, b.args.influence_n, seed=0)
        counts[word] = Counter(w for r in rows for w in token_text(model, r).split() if w != word and w.isalpha())
    lines = []
    for word in b.args.influence:
        others = sum((counts[w] for w in counts if w != word), Counter())
        total_w, total_o = sum(counts[word].values()) or 1, sum(others.values()) or 1
        shift = {w: counts[word][w] / total_w - others[w] / total_o for w in counts[word]}
        top = sorted(shift, key=shift.get, reverse=True)[:12]
        lines.append(f"- kept word **{word}**: most over-represented around it: " + ", ".join(top))
    b.emit(f"Text: word-influence masks ({name})", lines + [
        "", f"{b.args.influence_n} samples per word: 6 free slots, the kept word, 6 free slots; the words whose "
            "share of the samples rises most against the other kept words'."])


def section_chars(b: Bench) -> None:
    lines = ["| model | params | train s | steps | test bits/char ↓ | how | sample |", "|---|---|---|---|---|---|---|"]
    for name in CHAR_MODELS:
        path = b.args.runs / f"text-{name}" / "checkpoint"
        if not path.exists():
            raise SystemExit(f"no {path}; train it: regen train text/{name} --run-dir {path.parent}")
        model, cfg, meta = load_model(path, task="text")
        test = load_corpus(cfg.data.vocab_size, cfg.data.length, "char").tensor("test")
        with torch.no_grad():
            if isinstance(model, TextLanguageModel):
                nats, how = float(model.eval().token_nll(test).mean()), "exact (chain rule, left to right)"
            else:
                nats, how = order_agnostic_nll(model, test, seed=0), "upper bound (order-agnostic, one order per window)"
        sample = model.vocabulary.decode(unconditional(model, cfg.sample, 1, 0)[0].tolist()).replace("|", "/")
        steps, seconds = trained(meta)
        lines.append(f"| {name} | {meta['parameters'] / 1e6:.2f}M | {seconds:.0f} | {steps} | "
                     f"{nats / math.log(2):.3f} | {how} | `{sample}` |")
        print(lines[-1], flush=True)
    b.emit("Text: character level (text8 shape), bits per character", lines + [
        "", f"{len(test)} held-out windows of {cfg.data.length} characters (27 symbols). The denoiser's figure is "
            "an upper bound: the mean over masked counts m = 1..L of its cross-entropy at m random masked "
            "positions (Uria et al. 2014), so it is at a disadvantage against the exact left-to-right figure."])


def section_template(b: Bench) -> None:
    from regen.core.run_config import load_run_config
    from regen.core.task import get_task
    from regen.train.run import train_run

    judge = b.args.runs / "text-autoregressive-tiny" / "checkpoint"
    judged = judge.exists()
    lines = ["| method | paired share | paired sentences | keyword coverage ↑ | BLEU-4 corpus ↑ | "
             "BLEU-4 sentence mean ↑ | Self-BLEU ↓ | judge perplexity ↓ | params | train s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    task = get_task("text-template")
    for config, label in (("template-tiny", "regeneration (keywords -> template -> sentence)"),
                          ("template-direct-tiny", "Direct (keywords -> sentence)")):
        for share in b.args.fractions:
            run = b.args.runs / f"text-{config}-{share:g}"
            overrides = [f"data.paired_fraction={share}", "trainer.progress=false",
                         *([f"data.judge={judge}"] if judged else [])]
            cfg = load_run_config(f"text/{config}", overrides)
            ckpt = run / "checkpoint"
            if not ckpt.exists():
                train_run(cfg, run, resume=(run / "renderer").exists() or (run / "direct").exists(), evaluate=False)
            model, _, meta = load_model(ckpt, task="text-template")
            m = task.evaluate(cfg, model)
            seconds = sum(p["seconds"] for p in meta["phases"].values())
            perplexity = f"{m['judge_perplexity']:.1f}" if "judge_perplexity" in m else "-"
            lines.append(f"| {label} | {share:g} | {meta['data']['paired_sentences']} | {m['keyword_coverage']:.3f} | "
                         f"{m['bleu_corpus']:.2f} | {m['bleu_sentence_mean']:.2f} | {m['self_bleu']:.2f} | "
                         f"{perplexity} | {meta['parameters'] / 1e6:.2f}M | "
                         f"{seconds:.0f} |")
            print(lines[-1], flush=True)
    b.emit("Text: keywords -> sentence, template regeneration against Direct", lines + [
        "", "Test sentences' keywords (their 3 rarest content words); one output each at the config's temperature. "
            "Coverage: share of the keywords the output contains; BLEU-4 of each output against its own sentence, "
            "corpus-level and the mean of the sentences' own; Self-BLEU among all "
            f"{cfg.data.eval_sentences} outputs of every row; perplexity under the left-to-right baseline "
            f"({'runs/text-autoregressive-tiny' if judged else 'not trained: no column'}). The renderer trains on "
            "every training sentence, the converter and Direct on the paired share only."])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--runs", type=Path, default=ROOT / "runs", help="where runs/text-<config> live")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--n", type=int, default=1000, help="sentences per row (the thesis: 1000)")
    parser.add_argument("--sunmask-at", default="30min",
                        help="SUNMASK's snapshot compared in the models and sweep sections (30min: the others' "
                             "training time; 'final' for the whole run)")
    parser.add_argument("--batch", type=int, default=250, help="sentences sampled at once")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[0.6, 0.8, 1.0, 1.2])
    parser.add_argument("--schedules", nargs="+", default=["annealed", "constant"])
    parser.add_argument("--influence", nargs="+", default=["famine", "feast"])
    parser.add_argument("--influence-n", type=int, default=200)
    parser.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.1, 0.01],
                        help="template section: paired shares")
    add_common_options(parser)
    args = parser.parse_args()
    run_sections(args, Bench, globals())


if __name__ == "__main__":
    main()
