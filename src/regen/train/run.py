"""`train_run`: the one training entry for every task (what `regen train` calls).

Builds the task's model, runs its phases (each resumable) under `run_dir`, writes the
checkpoint (safetensors + config + meta with command, commit, seed, data), and only
then evaluates it and adds the metrics to its meta.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from regen.core.assets import resolve_checkpoint
from regen.core.checkpoint import load_weights, read_checkpoint, save_checkpoint, update_meta
from regen.core.config import to_dict
from regen.core.errors import CheckpointError, ConfigError, RegenError
from regen.core.files import check_writable
from regen.core.provenance import command_line, git_commit, seed_everything
from regen.core.run_config import RunConfig
from regen.core.task import get_task
from regen.train.phases import run_phases


def train_run(cfg: RunConfig, run_dir: str | Path, resume: bool = False, out: str | Path | None = None,
              evaluate: bool = True) -> Path | None:
    """Train every phase of `cfg` under `run_dir` and write the checkpoint to `out`
    (default `run_dir/checkpoint`); returns the checkpoint directory (None on the other ranks of a
    DDP run, which write nothing). meta.json's `train_seconds` is the phases' training time summed
    across every resume, `wall_seconds` this invocation's."""
    task = get_task(cfg.task)
    run_dir = Path(run_dir)
    out = Path(out) if out is not None else run_dir / "checkpoint"
    if out.exists() and not out.is_dir():
        raise RegenError(f"--out {out} is an existing file; give a folder for the checkpoint")
    check_writable(out.parent / f".{out.name}.probe")
    if run_dir.exists() and not run_dir.is_dir():
        raise RegenError(f"--run-dir {run_dir} is an existing file; give a folder")
    seed_everything(cfg.seed)
    model = task.build(cfg)
    provenance = {"command": command_line(), "git_commit": git_commit(), "seed": cfg.seed}
    if cfg.trainer.init_from:
        provenance["init_from"] = _start_from(model, cfg)
    if cfg.trainer.init_parts:
        provenance["init_parts"] = _graft_parts(model, cfg)
    plan = task.plan(cfg, model, run_dir)
    started = time.perf_counter()
    provenance["data"] = plan.data

    dtype = getattr(torch, cfg.trainer.weights_dtype)

    def snapshot(path: Path, info: dict) -> None:
        save_checkpoint(path, model, to_dict(cfg), {**provenance, "snapshot": info}, dtype)

    summaries, is_zero = run_phases(model, plan.phases, cfg.trainer, run_dir, cfg.seed, resume, snapshot)
    if not is_zero:
        return None
    meta = {**provenance, "phases": summaries,
            "train_seconds": round(sum(float(s.get("seconds", 0.0)) for s in summaries.values()), 2),
            "wall_seconds": round(time.perf_counter() - started, 2)}
    if dtype != torch.float32:
        with torch.no_grad():  # evaluate the weights as stored
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.copy_(tensor.to(dtype))
    path = save_checkpoint(out, model, to_dict(cfg), meta, dtype)
    if evaluate:
        print(f"evaluating {cfg.name} (regen train --no-evaluate skips this)", file=sys.stderr, flush=True)
        seed_everything(cfg.seed)
        update_meta(path, {"metrics": task.evaluate(cfg, model.eval())})
    return path


def _start_from(model: torch.nn.Module, cfg: RunConfig) -> dict:
    """Load `trainer.init_from`'s weights into `model`; returns what meta.json records of them."""
    ckpt = read_checkpoint(resolve_checkpoint(cfg.trainer.init_from), task=cfg.task)
    load_weights(model, ckpt)
    record = {"path": str(cfg.trainer.init_from), **{key: ckpt.meta.get(key) for key in (
        "weights_sha256", "git_commit", "command", "phases", "train_seconds")}}
    if "init_from" in ckpt.meta:  # a chain of budgets: compute curves add them up
        record["init_from"] = ckpt.meta["init_from"]
    return record


def _graft_parts(model: torch.nn.Module, cfg: RunConfig) -> dict[str, dict]:
    """Copy each `trainer.init_parts` checkpoint's tensors under its prefix into `model`; returns
    what meta.json records of each source. A prefix that names no tensor is a ConfigError; a source
    without those tensors, or with other shapes, a CheckpointError."""
    own = model.state_dict()
    records, read = {}, {}
    for prefix, source in cfg.trainer.init_parts.items():
        keys = [key for key in own if key == prefix or key.startswith(prefix + ".")]
        if not keys:
            example = ".".join(next(iter(own)).split(".")[:2])
            raise ConfigError(f"trainer.init_parts prefix '{prefix}' names no weight of the model; prefixes are "
                              f"tensor names up to a dot, e.g. '{example}'")
        if source not in read:  # several prefixes often name one checkpoint: read it once
            read[source] = read_checkpoint(resolve_checkpoint(source), task=cfg.task)
        ckpt = read[source]
        unfit = [key for key in keys if key not in ckpt.tensors or ckpt.tensors[key].shape != own[key].shape]
        if unfit:
            raise CheckpointError(f"{source} has no weights of this model's shapes under '{prefix}' (first: {unfit[0]}); "
                                  "graft parts from a checkpoint of the same model config")
        with torch.no_grad():
            for key in keys:
                own[key].copy_(ckpt.tensors[key].to(own[key].dtype))
        records[prefix] = {"path": str(source), "tensors": len(keys),
                           **{key: ckpt.meta.get(key) for key in ("weights_sha256", "git_commit", "command")}}
    return records
