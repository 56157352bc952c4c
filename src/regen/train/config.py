"""Training configuration: the Trainer (hardware, precision) and one phase's optimisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from regen.core.threads import parse_threads

WEIGHT_DTYPES = ("float32", "float16", "bfloat16")


@dataclass
class TrainerConfig:
    """How to run: a CPU/GPU/DDP switch is a config value, not code.

    accelerator: cpu | gpu | auto; strategy: auto | ddp | ddp_spawn | ...;
    precision: 32-true | 16-mixed | bf16-mixed | ...; accumulate: gradient
    accumulation; clip: gradient-norm clipping (0 disables); val_every and
    ckpt_every are in optimizer steps; `snapshot_minutes` lists the training
    wall-clock minutes (per phase, summed over resumes) at which a full checkpoint
    is written to `<run-dir>/<phase>/snapshots/<m>min` (for compute curves);
    `max_minutes` (> 0) ends a phase after that much wall-clock time (carried across resumes; the
    step it stops at is checkpointed) even before `max_steps`, for equal-time ablations.
    `weights_dtype` (float32 | float16 | bfloat16) is how checkpoints store their floating-point
    weights; float16 halves a shipped checkpoint, and the model is rounded to it before its final
    evaluation, so the recorded metrics are those of the stored weights.
    `threads` is the CPU threads of training: 'auto' (the default; the free cores, see
    `regen.core.threads`) or a count; `--threads`/`REGEN_THREADS` override it.
    `init_from` (a checkpoint folder or shipped name of the same task and model config) starts the
    run from that checkpoint's weights instead of a fresh initialisation (fine-tuning, or a second
    training budget on a shipped model); optimiser and schedule start afresh.
    `init_parts` maps a weight-name prefix (a tensor name of the checkpoint's model.safetensors up to
    a dot, e.g. 'text_encoder.refiner') to a checkpoint whose tensors under that prefix replace the
    model's after `init_from` (combining stages trained apart, as the ASR text-encoder ablation does).
    """

    accelerator: str = "cpu"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    accumulate: int = 1
    clip: float = 1.0
    val_every: int = 200
    ckpt_every: int = 200
    log_every: int = 10
    progress: bool = True
    threads: int | str = "auto"
    snapshot_minutes: tuple[float, ...] = ()
    max_minutes: float = 0.0
    weights_dtype: str = "float32"
    init_from: str = ""
    init_parts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.snapshot_minutes = tuple(sorted(float(m) for m in self.snapshot_minutes))
        if any(m <= 0 for m in self.snapshot_minutes):
            raise ValueError("snapshot_minutes must all be > 0")
        if self.max_minutes < 0:
            raise ValueError("max_minutes must be >= 0 (0: no time limit)")
        if self.weights_dtype not in WEIGHT_DTYPES:
            raise ValueError(f"weights_dtype must be one of {', '.join(WEIGHT_DTYPES)}")
        if parse_threads(self.threads, "trainer.threads") is None:
            self.threads = "auto"
        if self.devices < 1 or self.num_nodes < 1 or self.accumulate < 1:
            raise ValueError("devices, num_nodes and accumulate must be >= 1")
        if min(self.val_every, self.ckpt_every, self.log_every) < 1:
            raise ValueError("val_every, ckpt_every and log_every must be >= 1")


@dataclass
class PhaseConfig:
    """Optimisation of one training phase (abstraction, renderer, converter, ...).

    lr follows a linear warm-up over `warmup` steps, then a cosine decay to
    `lr * min_lr_ratio` at `max_steps`. With `keep_best` (and validation data) the phase ends
    with the trained parts' weights at the lowest validation loss, checked every
    `trainer.val_every` steps and at the last step, instead of the last weights, for phases that
    can over-fit a small paired set; `patience` (> 0, with `keep_best`) also ends the phase once
    `patience` validations (`patience * trainer.val_every` steps) have passed without a new best
    (early stopping: the same weights, sooner). `frozen` lists parameter-name prefixes, each
    '<part>.<module path>' (e.g. 'acoustic.text_encoder.refiner'), whose weights the phase keeps
    fixed while it trains the rest of its parts (text-encoder ablations, fine-tuning one stage).
    """

    max_steps: int = 1000
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    warmup: int = 50
    min_lr_ratio: float = 0.1
    keep_best: bool = False
    patience: int = 0
    frozen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.batch_size < 1 or self.lr <= 0:
            raise ValueError("max_steps and batch_size must be >= 1 and lr > 0")
        if self.patience < 0 or (self.patience and not self.keep_best):
            raise ValueError("patience must be >= 0 and needs keep_best: true (0: train to max_steps)")
