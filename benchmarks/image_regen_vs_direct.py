"""Regeneration vs Direct on the digits, at 100 %, 20 % and 5 % of the labels.

The renderer (and the VQ-VAE) train on every training image without labels; the
converter and Direct see only the labelled fraction. Samples are judged by the
shipped classifier: class accuracy, Frechet distance to the test images, diversity.
A second table holds the per-stage diagnostics of every regeneration row
(`regen.vision.diagnostics`: the renderer on true abstractions, the converter's
abstractions judged by a classifier of real ones, the abstraction's own figures).

    python benchmarks/image_regen_vs_direct.py [--fractions 1 0.2 0.05] [--fresh]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import append_results  # noqa: E402

from regen.core.checkpoint import read_checkpoint  # noqa: E402
from regen.core.run_config import load_run_config  # noqa: E402
from regen.core.task import get_task  # noqa: E402
from regen.train.run import train_run  # noqa: E402
from regen.vision.assets import load_classifier  # noqa: E402
from regen.vision.diagnostics import stage_diagnostics  # noqa: E402
from regen.vision.digits import load_splits  # noqa: E402
from regen.vision.metrics import score_samples  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"regen/pool": "digits-pool-tiny", "regen/vqvae": "digits-vq-tiny", "direct": "digits-direct-tiny"}
# Paper extensions, run at the smallest label fraction.
EXTRAS = {
    "regen/pool + noised Y' (RQ10)": ("digits-pool-tiny", ["model.options.mismatch=noised", "model.options.mismatch_rate=0.1"]),
    "regen/pool + converter fine-tune (RQ10)": ("digits-pool-tiny", ["model.options.mismatch=converter"]),
    "regen/vqvae + eq. (1)": ("digits-vq-tiny", ["model.options.joint_weight=0.5"]),
}
LABEL_FREE = ("abstraction", "renderer")


def train(config: str, overrides: list[str], run_dir: Path, fresh: bool, share_from: Path | None) -> Path:
    """Train (or reuse) one configuration; label-free phases may be copied from `share_from`."""
    out = run_dir / "checkpoint"
    if fresh:
        shutil.rmtree(run_dir, ignore_errors=True)
    if out.exists():
        return out
    cfg = load_run_config(f"image/{config}", overrides + ["trainer.progress=false"])
    run_dir.mkdir(parents=True, exist_ok=True)
    if share_from is not None:
        for phase in LABEL_FREE:
            if (share_from / phase / "weights.safetensors").exists() and not (run_dir / phase).exists():
                shutil.copytree(share_from / phase, run_dir / phase)
    return train_run(cfg, run_dir, resume=any(run_dir.iterdir()), out=out)


def row(label: str, frac: float, ckpt_dir: Path) -> str:
    """One table row; metrics are recomputed so every row uses the current evaluation."""
    ckpt = read_checkpoint(ckpt_dir)
    task = get_task("image")
    m, phases = task.evaluate(*task.load(ckpt)), ckpt.meta["phases"]
    seconds = sum(p["seconds"] for p in phases.values())
    return (f"| {label} | {frac:g} | {m['accuracy']:.3f} | {m['fd']:.2f} | {m['diversity']:.3f} | "
            f"{m['nn_train']:.3f} | {ckpt.meta['parameters']:,} | {sum(p['steps'] for p in phases.values())} | "
            f"{seconds:.0f} |")


def stage_row(label: str, frac: float, ckpt_dir: Path) -> str:
    """The per-stage diagnostics of one regeneration checkpoint."""
    ckpt = read_checkpoint(ckpt_dir)
    _, model = get_task("image").load(ckpt)
    d = stage_diagnostics(model, load_splits(0), load_classifier())
    codes = f"{d['abstraction_codes_used']:.0f}/{d['abstraction_codebook']:.0f}" if "abstraction_codes_used" in d else "-"
    return (f"| {label} | {frac:g} | {d['renderer_accuracy']:.3f} | {d['renderer_fd']:.2f} | "
            f"{d['converter_accuracy']:.3f} | {d['converter_ceiling']:.3f} | {d['converter_distinct']:.2f} | "
            f"{d['abstraction_exact_pixels']:.3f} | {codes} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[1.0, 0.2, 0.05])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "bench-image")
    parser.add_argument("--fresh", action="store_true", help="retrain instead of reusing finished runs")
    args = parser.parse_args()
    torch.set_num_threads(1)
    lines = ["| method | labels | accuracy ↑ | FD ↓ | diversity | nn-train | parameters | steps | train s |",
             "|---|---|---|---|---|---|---|---|---|"]
    splits = load_splits(0)
    real = score_samples(load_classifier(), splits.valid_images, splits.valid_labels, splits.test_images,
                         splits.train_images)
    lines.append(f"| real validation images | - | {real['accuracy']:.3f} | {real['fd']:.2f} | "
                 f"{real['diversity']:.3f} | {real['nn_train']:.3f} | - | - | - |")
    stages = ["| method | labels | renderer on true Y': accuracy | FD | converter's Y' judged: accuracy | "
              "ceiling (real test Y') | distinct Y' | abstraction exact pixels | codes used |",
              "|---|---|---|---|---|---|---|---|---|"]
    for label, config in CONFIGS.items():
        first = None
        for frac in args.fractions:
            run_dir = args.runs / f"{config}-{frac:g}"
            ckpt = train(config, [f"data.label_fraction={frac}"], run_dir, args.fresh, first)
            first = first or run_dir
            lines.append(row(label, frac, ckpt))
            print(lines[-1], flush=True)
            if label.startswith("regen"):
                stages.append(stage_row(label, frac, ckpt))
    low = min(args.fractions)
    for label, (config, overrides) in EXTRAS.items():
        run_dir = args.runs / f"{config}-{low:g}-{'-'.join(o.split('=')[0].split('.')[-1] for o in overrides)}"
        ckpt = train(config, [f"data.label_fraction={low}", *overrides], run_dir, args.fresh, None)
        lines.append(row(label, low, ckpt))
        print(lines[-1], flush=True)
    lines += ["", "Accuracy: share of 500 samples (50 per class) that the shipped classifier (99.3 % on real "
              "test digits) assigns to the requested class. FD: Frechet distance between classifier features "
              "of the samples and of the 271 test images. Diversity: mean pairwise L2 distance between "
              "same-class samples (pixels in [0, 1]). nn-train: mean distance from a sample to the nearest "
              "training image (near 0 = copying; real held-out digits set the level of generalisation). "
              "Train s: wall seconds of all phases, on a machine shared with other jobs (label-free phases "
              "are trained once and shared across label fractions, but counted in every row)."]
    append_results("Images: regeneration vs Direct on the digits", lines,
                   "python benchmarks/image_regen_vs_direct.py")
    append_results("Images: per-stage diagnostics of the regeneration rows", stages + [
        "", "Renderer on true Y': test images encoded, rendered back (temperature 1), scored like samples against "
            "the test labels. Converter's Y': 50 abstractions per class, classified by an MLP trained on the real "
            "abstractions of the training images; its accuracy on real test abstractions is the ceiling. "
            "Distinct: share of different Y' among the drawn ones. Exact pixels: decode(encode(test image)) equal "
            "to the image."], "python benchmarks/image_regen_vs_direct.py")


if __name__ == "__main__":
    main()
