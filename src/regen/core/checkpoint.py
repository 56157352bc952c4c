"""Checkpoints: a directory with model.safetensors, config.yaml and meta.json.

Nothing here ever unpickles: weights are read with safetensors only, and a
pickle, a `.pt`/`.ckpt` archive or a truncated file is refused with one line.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

import regen
from regen.core.errors import CheckpointError
from regen.nn.parameters import parameter_count

FORMAT = "regen-checkpoint"
WEIGHTS, CONFIG, META = "model.safetensors", "config.yaml", "meta.json"


@dataclass
class Checkpoint:
    """What a checkpoint directory holds, validated."""

    path: Path
    config: dict[str, Any]
    meta: dict[str, Any]
    tensors: dict[str, torch.Tensor]

    @property
    def task(self) -> str:
        return str(self.config.get("task", "?"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _publish_permissions(directory: Path) -> None:
    """mkdtemp makes a private (0700) directory; give it the usual umask-based modes."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(directory, 0o777 & ~umask)
    for child in directory.iterdir():
        os.chmod(child, 0o666 & ~umask)


def save_checkpoint(directory: str | Path, model: nn.Module, config: dict[str, Any], meta: dict[str, Any],
                    dtype: torch.dtype = torch.float32) -> Path:
    """Write a checkpoint atomically: a temporary sibling directory, then a rename. Floating-point
    weights are stored as `dtype` (`load_weights` casts them back to the model's)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        tensors = {k: (v.to(dtype) if v.is_floating_point() else v).detach().cpu().contiguous()
                   for k, v in model.state_dict().items()}
        save_file(tensors, str(tmp / WEIGHTS))
        (tmp / CONFIG).write_text(yaml.safe_dump(config, sort_keys=False))
        full_meta = {
            "format": FORMAT,
            "regen_version": regen.__version__,
            "torch_version": torch.__version__,
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
            "parameters": parameter_count(model),
            **meta,
            "weights_sha256": _sha256(tmp / WEIGHTS),
        }
        (tmp / META).write_text(json.dumps(full_meta, indent=2) + "\n")
        _publish_permissions(tmp)
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory


def update_meta(directory: str | Path, fields: dict[str, Any]) -> Path:
    """Add `fields` to a checkpoint's meta.json (atomically)."""
    from regen.core.files import atomic_write_text

    path = Path(directory) / META
    meta = json.loads(path.read_text())
    meta.update(fields)
    return atomic_write_text(path, json.dumps(meta, indent=2) + "\n")


def _refuse_file(path: Path) -> CheckpointError:
    head = path.read_bytes()[:4] if path.stat().st_size else b""
    if head.startswith(b"PK"):
        what = "a zip archive (a PyTorch .pt/.ckpt file)"
    elif head[:1] == b"\x80":
        what = "a Python pickle"
    else:
        what = "a single file"
    return CheckpointError(f"{path} is {what}; regen never unpickles files and loads only checkpoint "
                           f"directories holding {WEIGHTS}, {CONFIG} and {META}")


def read_checkpoint(path: str | Path, task: str | None = None) -> Checkpoint:
    """Validate and read a checkpoint directory; `task` (if given) must match its config."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if path.is_file():
        raise _refuse_file(path)
    missing = [name for name in (WEIGHTS, CONFIG, META) if not (path / name).is_file()]
    if missing:
        raise CheckpointError(f"{path} is not a regen checkpoint: missing {', '.join(missing)}")
    try:
        meta = json.loads((path / META).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"{path / META} is not valid JSON; the checkpoint is corrupt") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path} was not written by regen (meta.json lacks format '{FORMAT}')")
    try:
        config = yaml.safe_load((path / CONFIG).read_text())
    except yaml.YAMLError:
        raise CheckpointError(f"{path / CONFIG} is not valid YAML; the checkpoint is corrupt") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path / CONFIG} does not hold a config mapping; the checkpoint is corrupt")
    expected = meta.get("weights_sha256")
    if expected and _sha256(path / WEIGHTS) != expected:
        raise CheckpointError(f"{path / WEIGHTS} does not match its recorded checksum; it is truncated or corrupt")
    try:
        tensors = load_file(str(path / WEIGHTS))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path / WEIGHTS} cannot be read as safetensors ({exc}); it is corrupt") from None
    ckpt = Checkpoint(path, config, meta, tensors)
    if task is not None and ckpt.task != task:
        raise CheckpointError(f"{path} holds a '{ckpt.task}' model, but a '{task}' model is needed here")
    return ckpt


def load_weights(model: nn.Module, ckpt: Checkpoint) -> nn.Module:
    """Load the checkpoint's tensors into `model`, which was built from its config."""
    own = model.state_dict()
    missing = sorted(set(own) - set(ckpt.tensors))
    unexpected = sorted(set(ckpt.tensors) - set(own))
    wrong = sorted(k for k in set(own) & set(ckpt.tensors) if own[k].shape != ckpt.tensors[k].shape)
    if missing or unexpected or wrong:
        detail = "; ".join(f"{label}: {', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}"
                           for label, keys in (("missing", missing), ("unexpected", unexpected),
                                               ("wrong shape", wrong)) if keys)
        raise CheckpointError(f"weights in {ckpt.path} do not fit the model its config describes ({detail})")
    model.load_state_dict({k: v.to(own[k].dtype) if v.is_floating_point() else v for k, v in ckpt.tensors.items()})
    return model
