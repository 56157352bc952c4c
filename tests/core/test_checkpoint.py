import json
import os
import pickle

import pytest
import torch

from regen.nn.parameters import parameter_count
from torch import nn

from regen.core.checkpoint import load_weights, read_checkpoint, save_checkpoint
from regen.core.errors import CheckpointError


def _model(width: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, width), nn.Linear(width, 2))


def test_round_trip(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "ck", model, {"task": "toy", "width": 4}, {"seed": 1, "metrics": {"a": 0.5}})
    assert sorted(p.name for p in path.iterdir()) == ["config.yaml", "meta.json", "model.safetensors"]
    ckpt = read_checkpoint(path, task="toy")
    assert ckpt.meta["seed"] == 1 and ckpt.meta["parameters"] == parameter_count(model)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    load_weights(fresh, ckpt)
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert torch.equal(a, b)


def test_half_precision_weights_load_into_a_float32_model(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "ck", model, {"task": "toy"}, {}, dtype=torch.float16)
    full = save_checkpoint(tmp_path / "full", model, {"task": "toy"}, {})
    assert path.joinpath("model.safetensors").stat().st_size < full.joinpath("model.safetensors").stat().st_size
    ckpt = read_checkpoint(path)
    assert all(t.dtype == torch.float16 for t in ckpt.tensors.values())
    fresh = load_weights(_model(), ckpt)
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert b.dtype == torch.float32 and torch.equal(a.half().float(), b)


def test_overwrite_is_atomic_and_leaves_no_temporaries(tmp_path):
    save_checkpoint(tmp_path / "ck", _model(), {"task": "toy"}, {})
    save_checkpoint(tmp_path / "ck", _model(8), {"task": "toy"}, {})
    assert [p.name for p in tmp_path.iterdir()] == ["ck"]
    assert read_checkpoint(tmp_path / "ck").tensors["0.weight"].shape == (8, 3)


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("kind", ["pickle", "pt"])
def test_pickles_are_refused_without_unpickling(tmp_path, kind):
    marker = tmp_path / "pwned"
    bad = tmp_path / f"model.{kind}"
    if kind == "pickle":
        bad.write_bytes(pickle.dumps(_Payload(str(marker))))
    else:
        torch.save({"x": _Payload(str(marker))}, bad)
    with pytest.raises(CheckpointError, match="never unpickles"):
        read_checkpoint(bad)
    # The same payload disguised as the weights of a checkpoint directory.
    ck = save_checkpoint(tmp_path / "ck", _model(), {"task": "toy"}, {})
    meta = json.loads((ck / "meta.json").read_text())
    meta.pop("weights_sha256")
    (ck / "meta.json").write_text(json.dumps(meta))
    (ck / "model.safetensors").write_bytes(bad.read_bytes())
    with pytest.raises(CheckpointError, match="cannot be read as safetensors"):
        read_checkpoint(ck)
    assert not marker.exists()


def test_truncated_weights_are_detected(tmp_path):
    ck = save_checkpoint(tmp_path / "ck", _model(), {"task": "toy"}, {})
    data = (ck / "model.safetensors").read_bytes()
    (ck / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        read_checkpoint(ck)


def test_foreign_or_mismatched_checkpoints(tmp_path):
    ck = save_checkpoint(tmp_path / "ck", _model(), {"task": "toy"}, {})
    with pytest.raises(CheckpointError, match="holds a 'toy' model, but a 'image' model"):
        read_checkpoint(ck, task="image")
    with pytest.raises(CheckpointError, match="do not fit the model"):
        load_weights(_model(5), read_checkpoint(ck))
    (ck / "meta.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(CheckpointError, match="not written by regen"):
        read_checkpoint(ck)
    (ck / "config.yaml").unlink()
    with pytest.raises(CheckpointError, match="missing config.yaml"):
        read_checkpoint(ck)
    with pytest.raises(CheckpointError, match="does not exist"):
        read_checkpoint(tmp_path / "nothing")
