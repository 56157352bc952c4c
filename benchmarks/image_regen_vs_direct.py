"""Regeneration vs Direct on the digits, from all labels down to 0.5 % (one or two per class).

The renderer (and the VQ-VAE) train on every training image without labels; the
converter and Direct see only the labelled fraction (class-stratified, at least one
image per class). Every configuration runs with several seeds (model initialisation
and labelled subset both follow the seed; the train/valid/test split stays split 0, the
one the shipped classifier was trained on); rows give the mean and the spread (min-max)
over seeds. Each run samples at the temperature (1, 0.8, 0.6 or 0.4) whose samples lie closest to
the validation digits, and at temperature 1. Samples are judged by the shipped classifier: class
accuracy, Frechet distance to the test images, diversity, distance to the nearest training image. Every
row, the real validation images included, is scored on the same number of images
(27 samples per class = 270 against the 269 validation digits), since the Frechet
distance depends on the count. A second table holds the per-stage diagnostics of every
regeneration row (`regen.vision.diagnostics`: the renderer on true abstractions, the
converter's abstractions judged by a classifier of real ones, the abstraction's own figures).

    python benchmarks/image_regen_vs_direct.py [--fractions 1 0.2 0.05 0.01 0.005] [--seeds 0 1 2] [--fresh]

Every finished run leaves a record, `benchmarks/records/image/<run>.json` (its configuration, overrides,
training commit and scores), kept in the repository: a run whose record matches its configuration and the
evaluation code is neither retrained nor rescored, so the table accumulates across sessions and machines
(checkpoints under `--runs` are only needed to resume a run or to share its label-free stages). The trainings
can be shared between two processes (one core each), e.g. `--methods regen/pool regen/vqvae extensions
ablations regen/pool-es` beside `--methods direct direct-es`; a run without all five methods prints its rows and
writes nothing to RESULTS.md (unless `--append`: then its tables go there titled partial), and a last run with the
five methods (all recorded) writes the tables, which replace the partial ones, with the extension and ablation rows
when they are asked for too.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import inspect
import json
import shutil
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import record_results  # noqa: E402

from regen.core.checkpoint import read_checkpoint  # noqa: E402
from regen.core.files import atomic_write_text  # noqa: E402
from regen.core.run_config import load_run_config  # noqa: E402
from regen.core.task import get_task  # noqa: E402
from regen.train.run import train_run  # noqa: E402
from regen.vision.assets import load_classifier  # noqa: E402
from regen.vision.diagnostics import stage_diagnostics  # noqa: E402
from regen.vision.digits import load_splits  # noqa: E402
from regen.vision.metrics import score_samples  # noqa: E402
from regen.vision.task import draw  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

def early_stopped(phase: str) -> list[str]:
    """Overrides that end `phase` at its lowest validation loss (6 validations of 100 steps without a new best)."""
    return [f"phases.{phase}.keep_best=true", f"phases.{phase}.patience=6", "trainer.val_every=100"]


# method -> (config, overrides, run-folder suffix). The fixed step budgets let the labelled stages copy their
# training images (see nn-train); the early-stopped rows (-es) are the comparison without copying (regen/pool-es
# shares regen/pool's renderer: only the converter, which sees the labels, stops early).
CONFIGS = {"regen/pool": ("digits-pool-tiny", [], ""), "regen/vqvae": ("digits-vq-tiny", [], ""),
           "direct": ("digits-direct-tiny", [], ""),
           "regen/pool-es": ("digits-pool-tiny", early_stopped("converter"), "-es"),
           "direct-es": ("digits-direct-tiny", early_stopped("direct"), "-es")}
# Paper extensions, run with seed 0 at the smallest label fraction: label -> (config, overrides, whether the
# label-free stages are regen's own; the noised-Y' renderer trains on other inputs, so it has its own).
EXTRAS = {
    "regen/pool + noised Y' (RQ10)": ("digits-pool-tiny", ["model.options.mismatch=noised",
                                                           "model.options.mismatch_rate=0.1"], False),
    "regen/pool + converter fine-tune (RQ10)": ("digits-pool-tiny", ["model.options.mismatch=converter"], True),
    "regen/vqvae + eq. (1)": ("digits-vq-tiny", ["model.options.joint_weight=0.5"], True),
}
# Ablations (method "ablations"), run with seed 0 at all labels: label -> (config, overrides, run-folder suffix).
# The renderers' validation loss is lowest at 400-600 steps and then climbs (they fit the 1,257 training
# images' fine detail); these rows stop them there instead of training all 3,000 steps.
# The former pooled abstraction (4x4, 9 grey levels) is the third: it loses the class (see its stage row).
ABLATIONS = {"regen/pool, renderer early-stopped": ("digits-pool-tiny", early_stopped("renderer"), "-renderer-es"),
             "regen/vqvae, renderer early-stopped": ("digits-vq-tiny", early_stopped("renderer"), "-renderer-es"),
             "regen/pool, Y' pooled to 4x4 at 9 levels": ("digits-pool-tiny", ["model.abstraction.factor=2",
                                                                          "model.abstraction.levels=9"], "-pool4x4")}
LABEL_FREE = ("abstraction", "renderer")


def train(config: str, overrides: list[str], run_dir: Path, fresh: bool, share_from: list[Path]) -> Path:
    """Train (or reuse) one configuration; its label-free phases are copied from the first run of
    `share_from` that has finished them."""
    out = run_dir / "checkpoint"
    if fresh:
        shutil.rmtree(run_dir, ignore_errors=True)
    if out.exists():
        return out
    # float32 weights whatever a config ships with (storage rounding is not what the table compares)
    cfg = load_run_config(f"image/{config}", overrides + ["trainer.progress=false", "trainer.weights_dtype=float32"])
    run_dir.mkdir(parents=True, exist_ok=True)
    if cfg.model.options.joint_weight == 0:  # with eq. (1) the VQ-VAE sees labels
        for phase in LABEL_FREE:
            done = [d / phase for d in share_from if (d / phase / "weights.safetensors").exists()]
            if done and not (run_dir / phase).exists():
                shutil.copytree(done[0], run_dir / phase)
    return train_run(cfg, run_dir, resume=any(run_dir.iterdir()), out=out)


def same_seed_runs(runs: Path, config: str, seed: int, other_than: Path) -> list[Path]:
    """The benchmark's run folders of `config` and `seed` (at any label fraction), whose label-free stages
    a new run of them may share."""
    return [d for d in sorted(runs.glob(f"{config}-seed{seed}-*")) if d != other_than]


SAMPLES_PER_CLASS = 27  # 270 samples: the count of the 269 real validation digits


TEMPERATURES = (1.0, 0.8, 0.6, 0.4)


def chosen_temperature(cfg: Any, model: torch.nn.Module) -> float:
    """The sampling temperature of `TEMPERATURES` whose samples lie closest (Frechet distance) to the
    validation digits; drawn with another seed than the scored samples, so the test images stay unseen."""
    splits, judge = load_splits(cfg.data.split_seed), load_classifier()
    labels = torch.arange(10).repeat_interleave(cfg.sample.samples_per_class)
    fd = {}
    for t in TEMPERATURES:
        images, _ = draw(model, labels, t, cfg.sample.seed + 1)
        fd[t] = score_samples(judge, images, labels, splits.valid_images, splits.train_images)["fd"]
    return min(fd, key=fd.get)


# The evaluation's code: recorded scores are reused only while it is unchanged (model building is not part
# of it: a run's configuration and overrides are its key).
EVALUATION = [ROOT / "src" / "regen" / "vision" / f for f in
              ("metrics.py", "diagnostics.py", "classifier.py", "digits.py")]


@functools.cache
def evaluation_version() -> str:
    """A hash of the scoring code: this file's scoring functions and settings, the task's sampling and
    evaluation, and the vision modules that score. Computed once per process: `inspect` rereads a source
    file that changed on disk, so a later call in a long run would hash edited text, not the running code."""
    own = "".join(inspect.getsource(f) for f in (chosen_temperature, scores, stage_scores, draw,
                                                 type(get_task("image")).evaluate))
    own += f"{TEMPERATURES}{SAMPLES_PER_CLASS}"
    return hashlib.sha256(own.encode() + b"".join(f.read_bytes() for f in EVALUATION)).hexdigest()[:16]


RECORDS = Path(__file__).resolve().parent / "records" / "image"


def measured(config: str, overrides: list[str], run_dir: Path, fresh: bool, share_from: list[Path],
             stages: bool) -> dict[str, Any]:
    """One run's `scores` (and `stages`, the per-stage diagnostics, when asked), read from its record when
    the record holds the same configuration, overrides and evaluation code; otherwise the run is trained (or
    resumed, or its checkpoint reused), scored, and its record written."""
    version = evaluation_version()
    path = RECORDS / f"{run_dir.name}.json"
    key = {"config": config, "overrides": overrides, "evaluation": version}
    if not fresh and path.exists():
        record = json.loads(path.read_text())
        if {k: record.get(k) for k in key} == key and (not stages or "stages" in record):
            return record
    ckpt = train(config, overrides, run_dir, fresh, share_from)
    record = {**key, "git_commit": read_checkpoint(ckpt).meta.get("git_commit"), "scores": scores(ckpt)}
    if stages:
        record["stages"] = stage_scores(ckpt)
    RECORDS.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(record, indent=1) + "\n")
    return record


def scores(ckpt_dir: Path) -> dict[str, float]:
    """Sample scores of one checkpoint (recomputed whenever the evaluation changes) at the temperature
    chosen on the validation digits, its accuracy and FD at temperature 1, parameters, optimizer steps
    and training seconds."""
    ckpt = read_checkpoint(ckpt_dir)
    task = get_task("image")
    cfg, model = task.load(ckpt)
    at_one = task.evaluate(replace(cfg, sample=replace(cfg.sample, temperature=1.0)), model)
    t = chosen_temperature(cfg, model)
    chosen = at_one if t == 1.0 else task.evaluate(replace(cfg, sample=replace(cfg.sample, temperature=t)), model)
    phases = ckpt.meta["phases"]
    return {**chosen, "temperature": t, "accuracy_t1": at_one["accuracy"], "fd_t1": at_one["fd"],
            "parameters": ckpt.meta["parameters"], "steps": sum(p["steps"] for p in phases.values()),
            "seconds": sum(p["seconds"] for p in phases.values())}


def spread(values: list[float], digits: int) -> str:
    """'mean' for one value, 'mean (min-max)' for several."""
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def row(label: str, frac: float, runs: list[dict[str, float]]) -> str:
    """One table row over the seeds' runs."""
    cell = lambda key, d: spread([r[key] for r in runs], d)  # noqa: E731
    temperatures = "/".join(f"{r['temperature']:g}" for r in runs)
    return (f"| {label} | {frac:g} | {len(runs)} | {temperatures} | "
            f"{cell('accuracy', 3)} | {cell('fd', 2)} | {cell('diversity', 3)} | {cell('nn_train', 3)} | "
            f"{cell('accuracy_t1', 3)} | {cell('fd_t1', 2)} | {int(runs[0]['parameters']):,} | "
            f"{int(runs[0]['steps'])} | "
            f"{statistics.fmean(r['seconds'] for r in runs):.0f} |")


def stage_scores(ckpt_dir: Path) -> dict[str, float]:
    """The per-stage diagnostics of one regeneration checkpoint."""
    _, model = get_task("image").load(read_checkpoint(ckpt_dir))
    return stage_diagnostics(model, load_splits(0), load_classifier())


def stage_row(label: str, frac: float, runs: list[dict[str, float]]) -> str:
    """The per-stage diagnostics of one regeneration configuration over the seeds' runs."""
    cell = lambda key, d: spread([r[key] for r in runs], d)  # noqa: E731
    codes = (f"{statistics.fmean(r['abstraction_codes_used'] for r in runs):.1f}/"
             f"{runs[0]['abstraction_codebook']:.0f}" if "abstraction_codes_used" in runs[0] else "-")
    return (f"| {label} | {frac:g} | {cell('renderer_accuracy', 3)} | {cell('renderer_fd', 2)} | "
            f"{cell('renderer_consistency', 3)} | "
            f"{cell('converter_accuracy', 3)} | {cell('converter_ceiling', 3)} | {cell('converter_distinct', 2)} | "
            f"{cell('abstraction_exact_pixels', 3)} | {codes} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.2, 0.05, 0.01, 0.005])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "bench-image")
    parser.add_argument("--fresh", action="store_true", help="retrain instead of reusing finished runs")
    groups = [*CONFIGS, "extensions", "ablations"]
    parser.add_argument("--methods", nargs="+", choices=groups, default=groups,
                        help="train and score only these rows (the tables are appended only with all five "
                             "methods; extensions and ablations add rows)")
    parser.add_argument("--append", action="store_true",
                        help="append the tables to RESULTS.md also for a subset of the methods (a partial table, "
                             "titled as such)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    evaluation_version()  # hashed now, from the code this process runs
    lines = ["| method | labels | seeds | temperature | accuracy ↑ | FD ↓ | diversity | nn-train | "
             "accuracy at T=1 | FD at T=1 | parameters | steps | train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    splits = load_splits(0)
    real = score_samples(load_classifier(), splits.valid_images, splits.valid_labels, splits.test_images,
                         splits.train_images)
    lines.append(f"| real validation images (269) | - | - | - | {real['accuracy']:.3f} | {real['fd']:.2f} | "
                 f"{real['diversity']:.3f} | {real['nn_train']:.3f} | - | - | - | - | - |")
    stages = ["| method | labels | renderer on true Y': accuracy | FD | Y' kept | converter's Y' judged: accuracy | "
              "ceiling (real test Y') | distinct Y' | abstraction exact pixels | codes used |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    common = [f"sample.samples_per_class={SAMPLES_PER_CLASS}"]
    for label, (config, extra, suffix) in CONFIGS.items():
        if label not in args.methods:
            continue
        for frac in args.fractions:
            runs, diagnostics = [], []
            for seed in args.seeds:
                run_dir = args.runs / f"{config}{suffix}-seed{seed}-{frac:g}"
                # label-free stages come from any run of this configuration and seed (regen/pool-es: regen/pool's)
                shared = same_seed_runs(args.runs, config, seed, run_dir)
                overrides = [f"data.label_fraction={frac}", f"seed={seed}", f"data.label_seed={seed}", *extra, *common]
                record = measured(config, overrides, run_dir, args.fresh, shared, stages=label.startswith("regen"))
                runs.append(record["scores"])
                if "stages" in record:
                    diagnostics.append(record["stages"])
            lines.append(row(label, frac, runs))
            print(lines[-1], flush=True)
            if diagnostics:
                stages.append(stage_row(label, frac, diagnostics))
    low = min(args.fractions)
    for label, (config, overrides, shares) in EXTRAS.items() if "extensions" in args.methods else ():
        run_dir = args.runs / f"{config}-{low:g}-{'-'.join(o.split('=')[0].split('.')[-1] for o in overrides)}"
        shared = same_seed_runs(args.runs, config, 0, run_dir) if shares else []
        record = measured(config, [f"data.label_fraction={low}", *overrides, *common], run_dir, args.fresh, shared,
                          stages=False)
        lines.append(row(label, low, [record["scores"]]))
        print(lines[-1], flush=True)
    for label, (config, extra, suffix) in ABLATIONS.items() if "ablations" in args.methods else ():
        overrides = [f"data.label_fraction={1.0}", "seed=0", "data.label_seed=0", *extra, *common]
        record = measured(config, overrides, args.runs / f"{config}{suffix}-seed0-1", args.fresh, [], stages=True)
        lines.append(row(label, 1.0, [record["scores"]]))
        stages.append(stage_row(label, 1.0, [record["stages"]]))
        print(lines[-1], flush=True)
    lines += ["", f"Seeds: each seed sets the model initialisation and the labelled subset; cells give the mean and "
              f"(min-max) over the seeds. Temperature: each run samples (converter and renderer alike) at the "
              f"temperature of {', '.join(map(str, TEMPERATURES))} whose samples lie closest (FD) to the validation "
              f"digits, one per seed; the T=1 columns give the model's own distribution. Accuracy: share of "
              f"{10 * SAMPLES_PER_CLASS} samples ({SAMPLES_PER_CLASS} "
              "per class) that the shipped classifier (99.3 % on real test digits) assigns to the requested class. "
              "FD: Frechet distance between classifier features of the samples and of the 271 test images; the "
              "real row scores the 269 validation digits, so every row is on about the same count. Diversity: "
              "mean pairwise L2 distance between same-class samples (pixels in [0, 1]). nn-train: mean distance "
              "from a sample to the nearest training image (near 0 = copying; real held-out digits set the level "
              "of generalisation). Train s: wall seconds of all phases, on a machine shared with other jobs "
              "(label-free phases are trained once per seed and shared across label fractions, but counted in "
              "every row). -es rows: the stage that sees labels (the converter; Direct) ends at its lowest validation "
              "loss (6 validations of 100 steps without a new best) instead of training its whole budget, so it "
              "cannot copy its few labelled images; regen/pool-es shares regen/pool's renderer."
              + (" The extension rows run one seed at the smallest fraction." if "extensions" in args.methods else "")
              + (" The ablation rows (renderers early-stopped; the former 4x4 Y') run one seed at all labels."
                 if "ablations" in args.methods else "")]
    complete = set(CONFIGS) <= set(args.methods)
    if not complete and not args.append:
        print("not all five methods: nothing appended to RESULTS.md (--append appends a partial table)")
        return
    command = (f"python benchmarks/image_regen_vs_direct.py --fractions {' '.join(f'{f:g}' for f in args.fractions)} "
               f"--seeds {' '.join(map(str, args.seeds))}")
    partial = ""
    if set(args.methods) != set(groups):
        command += f" --methods {' '.join(args.methods)}" + ("" if complete else " --append")
    if not complete:
        partial = f" (partial: {', '.join(args.methods)})"
    # the diagnostics first: RESULTS.md puts the newest section on top, so the main table lands above them
    record_results(f"Images: per-stage diagnostics of the regeneration rows{partial}", stages + [
        "", "Renderer on true Y': test images encoded, rendered back (temperature 1), scored like samples against "
            "the test labels; Y' kept: share of Y' cells that encoding the rendered images gives back. Converter's "
            "Y': 50 abstractions per class, classified by an MLP trained on the real "
            "abstractions of the training images; its accuracy on real test abstractions is the ceiling. "
            "Distinct: share of different Y' among the drawn ones. Exact pixels: decode(encode(test image)) equal "
            "to the image. Mean (min-max) over the seeds."], command)
    record_results(f"Images: regeneration vs Direct on the digits{partial}", lines, command)


if __name__ == "__main__":
    main()
